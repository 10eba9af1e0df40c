"""delivery.POLICY (header classes made once, issue 16) writes the bytes email.policy.default does."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.policy import default

import pytest

from marketplace.email import delivery
from marketplace.email.models import OutboundEmail


def _row(**values) -> OutboundEmail:
    fields = {
        "id": 42,
        "to_address": "Siti Rahayu <siti@example.test>",
        "subject": "Pesanan PD-261206-AB7K diterima — terima kasih, Ibu Siti! " * 2,
        "body_text": "Halo Siti,\n\nTotal: Rp 125.000\n" + "catatan " * 200 + "\n",
        "body_html": "<p>Halo <b>Siti</b>, pesanan Anda diterima: <i>Tas pandan</i> ×1</p>",
        "template": "order_confirmation",
        "lang": "id",
        "created_at": datetime(2026, 12, 6, 13, 0, tzinfo=UTC),
    }
    return OutboundEmail(**{**fields, **values})


def _bytes(monkeypatch, row: OutboundEmail, policy, *, readable: bool) -> bytes:
    monkeypatch.setattr(delivery, "POLICY", policy)
    monkeypatch.setattr(delivery, "format_datetime", lambda _when: "Sun, 06 Dec 2026 13:00:00 +0000")
    random.seed(16)  # the multipart boundary
    return bytes(delivery.build_message(row, sender="Pasar Desa <pesanan@pasar.test>", readable=readable))


@pytest.mark.parametrize("readable", [True, False])
@pytest.mark.parametrize("html", [True, False])
def test_messages_are_byte_for_byte_those_of_the_standard_policy(monkeypatch, readable, html):
    row = _row() if html else _row(body_html=None)
    ours = _bytes(monkeypatch, row, delivery.POLICY, readable=readable)
    standard = _bytes(monkeypatch, row, default, readable=readable)
    assert ours == standard
    assert b"Content-Language: id" in ours


def test_the_policy_makes_each_header_class_once():
    factory = delivery.POLICY.header_factory
    assert factory["Subject"] is factory["subject"] is factory["SUBJECT"]
    assert factory["To"] is not factory["Subject"]
