"""A card refund Stripe could not make is followed through: the buyer is emailed in the order's
language (what did not reach the card, why in plain words, what the district office does next),
the office gets a short email pointing at the refunds queue, both once per failed refund, and the
curators' queue says Stripe's reason in words."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from marketplace.email.models import OutboundEmail
from marketplace.orders.models import Order
from marketplace.refunds.failure_reasons import (
    BUYER_WORDS,
    CURATOR_WORDS,
    buyer_failure_reason,
    curator_failure_reason,
)
from marketplace.refunds.models import Refund, RefundStatus
from marketplace.refunds.reconcile import reconcile_card_refunds
from marketplace.refunds.services import create_refund
from marketplace.types import utcnow
from tests.factories import make_user
from tests.payments.helpers import signed_post
from tests.payouts.helpers import log_in
from tests.refunds.helpers import ask, pay_by_card

OFFICE = "kecamatan@example.test"
#: Every `failure_reason` Stripe documents (docs.stripe.com/api/refunds/object).
STRIPE_REASONS = (
    "charge_for_pending_refund_disputed",
    "declined",
    "expired_or_canceled_card",
    "insufficient_funds",
    "lost_or_stolen_card",
    "merchant_request",
    "unknown",
)


@pytest.fixture
def office(app, monkeypatch):
    monkeypatch.setitem(app.config, "OFFICE_EMAIL", OFFICE)
    return OFFICE


def _emails(session, template: str) -> list[OutboundEmail]:
    session.expire_all()
    return list(
        session.scalars(
            sa.select(OutboundEmail).where(OutboundEmail.template == template).order_by(OutboundEmail.id)
        )
    )


def _refund_one_unit(session, order_id: int, desk) -> Refund:
    session.expire_all()
    order = session.get(Order, order_id)
    refund, _created = create_refund(
        session, order, ask("tok-one", quantities={order.lines[0].id: 1}), actor=desk, now=utcnow()
    )
    session.commit()
    return refund


def _failed_event(stripe_server, stripe_refund_id: str, reason: str) -> dict:
    """Stripe's `refund.failed` for one of our refunds, with `reason` (the harness always says the
    card expired): the refund object as Stripe retrieves it, failed."""
    refund = stripe_server.client().v1.refunds.retrieve(stripe_refund_id).to_dict()
    refund.update(status="failed", failure_reason=reason)
    return {
        "id": f"evt_failed_{stripe_refund_id}",
        "object": "event",
        "type": "refund.failed",
        "created": int(time.time()),
        "data": {"object": refund},
    }


def test_the_buyer_and_the_office_are_emailed_once_when_stripe_fails_a_refund(
    app, client, session, stripe_server, place_stripe_order, desk, office
):
    order = place_stripe_order(price=50_000, quantity=2, stock=5, lang="en", courier=True)
    pay_by_card(client, session, stripe_server, order)
    refund = _refund_one_unit(session, order.id, desk)
    refund_id, stripe_id = refund.id, refund.stripe_refund_id
    assert _emails(session, "refund_failed") == []

    stripe_server.fail_refund(stripe_id)
    updated = stripe_server.event_for("charge.refund.updated", stripe_id)
    assert signed_post(client, stripe_server, updated).json["result"] == "refund failed"

    session.expire_all()
    assert session.get(Refund, refund_id).failure_reason == "expired_or_canceled_card"
    [buyer] = _emails(session, "refund_failed")
    assert (buyer.to_address, buyer.lang) == ("tamu@example.test", "en")
    assert buyer.subject == f"Your refund for order {order.number} did not reach your card"
    text = " ".join(buyer.body_text.split())
    assert text.startswith("Hello Ayu Lestari,")
    assert f"The refund of Rp 50,000 for your order {order.number} did not reach your card." in text
    assert "says the card you paid with is closed or has expired." in text
    assert "try the refund again, or pay it back to you by bank transfer" in text
    assert "ask for your bank account" in text
    # The guest's link opens the order (signed), in the text and behind the HTML button.
    link = re.search(r"Open this order: (\S+)", text).group(1)
    assert f"/orders/{order.number}?token=" in link
    assert "Open this order</a>" in buyer.body_html and 'lang="en"' in buyer.body_html
    opened = app.test_client().get(urlsplit(link).path + "?" + urlsplit(link).query)
    assert opened.status_code == 200 and order.number in opened.get_data(as_text=True)

    [desk_mail] = _emails(session, "refund_failed_office")
    # In the site's language (BABEL_DEFAULT_LOCALE: English in the tests, Indonesian by default).
    assert desk_mail.to_address == OFFICE and desk_mail.lang == "en"
    assert desk_mail.subject == f"Card refund failed: order {order.number}"
    assert "Why: The card was closed or expired" in desk_mail.body_text
    assert f"Rp 50,000 for order {order.number} (tamu@example.test)" in " ".join(desk_mail.body_text.split())
    assert "/curator/refunds" in desk_mail.body_text and "/curator/refunds" in desk_mail.body_html

    # Stripe's second event for the same failure, and the reconcile job, send nothing more.
    again = stripe_server.event_for("refund.failed", stripe_id)
    assert signed_post(client, stripe_server, again).json["result"] == "no change"
    reconcile_card_refunds(session, client=stripe_server.client(), now=utcnow())
    session.commit()
    assert len(_emails(session, "refund_failed")) == 1
    assert len(_emails(session, "refund_failed_office")) == 1


@pytest.mark.parametrize("office_address", ["", "kantor kecamatan"])
def test_an_indonesian_buyer_reads_why_in_indonesian_and_no_office_address_sends_none(
    app, client, session, stripe_server, place_stripe_order, desk, monkeypatch, office_address
):
    # No address, or one no email can go to: the failure is recorded all the same.
    monkeypatch.setitem(app.config, "OFFICE_EMAIL", office_address)
    buyer_account = make_user(session, email="ayu@example.test", name="Ayu")
    session.commit()
    order = place_stripe_order(price=50_000, quantity=2, stock=5, lang="id", buyer=buyer_account)
    pay_by_card(client, session, stripe_server, order)
    refund = _refund_one_unit(session, order.id, desk)

    event = _failed_event(stripe_server, refund.stripe_refund_id, "lost_or_stolen_card")
    assert signed_post(client, stripe_server, event).json["result"] == "refund failed"

    [mail] = _emails(session, "refund_failed")
    assert (mail.to_address, mail.lang) == ("ayu@example.test", "id")
    text = " ".join(mail.body_text.split())
    assert f"Pengembalian dana sebesar Rp 50.000 untuk pesanan Anda {order.number} tidak sampai" in text
    assert "kartu yang Anda pakai untuk membayar dilaporkan hilang atau dicuri" in text
    assert "Kantor kecamatan akan mencoba lagi" in text and "rekening bank Anda" in text
    assert f"/orders/{order.number}" in text and "token=" not in text  # an account's order: log in
    assert "Buka pesanan ini</a>" in mail.body_html and 'lang="id"' in mail.body_html
    assert _emails(session, "refund_failed_office") == []
    assert session.get(Refund, refund.id).failure_reason == "lost_or_stolen_card"


def test_a_failure_stripe_gives_no_reason_for_says_nothing_made_up(
    app, client, session, stripe_server, place_stripe_order, desk, office, monkeypatch
):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "id")  # the office reads Indonesian
    order = place_stripe_order(price=50_000, quantity=2, stock=5, lang="en")
    pay_by_card(client, session, stripe_server, order)
    refund = _refund_one_unit(session, order.id, desk)
    event = _failed_event(stripe_server, refund.stripe_refund_id, None)
    assert signed_post(client, stripe_server, event).json["result"] == "refund failed"

    session.expire_all()
    assert session.get(Refund, refund.id).failure_reason is None
    [mail] = _emails(session, "refund_failed")
    assert "did not reach your card." in mail.body_text and "says" not in mail.body_text
    [desk_mail] = _emails(session, "refund_failed_office")
    assert desk_mail.lang == "id" and "Alasan: Tidak diketahui" in desk_mail.body_text
    assert desk_mail.subject == f"Pengembalian dana kartu gagal: pesanan {order.number}"

    page = log_in(app, "desk@example.test").get("/curator/refunds").get_data(as_text=True)
    assert "Why: Unknown" in page


def test_the_queue_says_why_stripe_failed_it_in_the_curators_language(
    app, client, session, stripe_server, place_stripe_order, desk
):
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    pay_by_card(client, session, stripe_server, order)
    refund = _refund_one_unit(session, order.id, desk)
    event = _failed_event(stripe_server, refund.stripe_refund_id, "declined")
    assert signed_post(client, stripe_server, event).json["result"] == "refund failed"
    session.expire_all()
    assert session.get(Refund, refund.id).status == RefundStatus.FAILED

    curator = log_in(app, "desk@example.test")
    page = curator.get("/curator/refunds").get_data(as_text=True)
    assert "Why: The card&#39;s bank declined the refund" in page
    assert "declined</" not in page  # Stripe's word itself is not what the curator reads
    page = curator.get("/curator/refunds?lang=id").get_data(as_text=True)
    assert "Alasan: Bank penerbit kartu menolak pengembalian dana" in page


def test_every_stripe_reason_has_words_for_the_curator_and_in_both_languages(app):
    assert set(CURATOR_WORDS) == set(STRIPE_REASONS)
    assert set(BUYER_WORDS) == set(STRIPE_REASONS) - {"unknown"}  # the buyer is told nothing vague
    for code in STRIPE_REASONS:
        with force_locale("en"):
            english = (curator_failure_reason(code), buyer_failure_reason(code))
        with force_locale("id"):
            indonesian = (curator_failure_reason(code), buyer_failure_reason(code))
        assert english[0] != indonesian[0], code
        if code == "unknown":
            assert english[1] == indonesian[1] == ""
        else:
            assert english[1] and english[1] != indonesian[1], code
    with force_locale("en"):
        assert curator_failure_reason(None) == "Unknown"
        assert curator_failure_reason("card_melted") == "Unknown (Stripe says “card_melted”)"
        assert buyer_failure_reason("card_melted") == ""


def test_a_retry_that_fails_again_is_listed_once_and_emailed_again(
    app, client, session, stripe_server, place_stripe_order, desk
):
    order = place_stripe_order(price=50_000, quantity=2, stock=5, lang="en")
    pay_by_card(client, session, stripe_server, order)
    first = _refund_one_unit(session, order.id, desk)
    stripe_server.fail_refund(first.stripe_refund_id)
    assert (
        signed_post(
            client, stripe_server, stripe_server.event_for("charge.refund.updated", first.stripe_refund_id)
        ).json["result"]
        == "refund failed"
    )
    curator = log_in(app, "desk@example.test")
    assert curator.get("/curator/refunds").get_data(as_text=True).count(f">{order.number}</a>") == 1

    # "Try again by card": the same unit, and Stripe fails it again.
    session.expire_all()
    again, _created = create_refund(
        session,
        session.get(Order, order.id),
        ask("tok-again", quantities={order.lines[0].id: 1}),
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    stripe_server.fail_refund(again.stripe_refund_id)
    assert (
        signed_post(
            client, stripe_server, stripe_server.event_for("charge.refund.updated", again.stripe_refund_id)
        ).json["result"]
        == "refund failed"
    )

    # The queue lists what is owed once (the latest failure), not the same money twice.
    page = curator.get("/curator/refunds").get_data(as_text=True)
    assert page.count(f">{order.number}</a>") == 1 and page.count("Why: ") == 1
    # Each failure told the buyer (the second one is news: the retry failed too).
    assert len(_emails(session, "refund_failed")) == 2
