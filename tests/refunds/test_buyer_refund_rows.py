"""The buyer's order page reads each refund as one sentence in the buyer's language: "Refund
Rp 50.000 for Kain … · after your problem report", never "0 × Kain" or the internal "case 1:"."""

from __future__ import annotations

import pytest

from marketplace.orders.queries import guest_order_token
from marketplace.refunds.presenters import buyer_reason
from marketplace.refunds.services import create_refund
from marketplace.types import utcnow
from tests.factories import make_user
from tests.payouts.helpers import make_shop, paid_order
from tests.refunds.helpers import ask


def _order_page(app, order, lang: str) -> str:
    token = guest_order_token(order, secret_key=app.config["SECRET_KEY"])
    response = app.test_client().get(f"/orders/{order.number}?token={token}&lang={lang}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page.split('class="order-refunds"', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize(
    ("reason", "why", "typed"),
    [
        (
            "case 1: Warnanya luntur setelah dicuci",
            "after your problem report",
            "Warnanya luntur setelah dicuci",
        ),
        ("case 12", "after your problem report", ""),
        ("cancelled by the buyer", "after you cancelled", ""),
        ("cancelled by the seller: Kain habis", "after the shop cancelled", "Kain habis"),
        ("Size sold out", "", "Size sold out"),  # typed by a curator: shown as typed
    ],
)
def test_internal_reasons_read_as_words_and_typed_ones_as_typed(app, reason, why, typed):
    with app.test_request_context("/?lang=en"):
        assert buyer_reason(reason) == (why, typed)


def test_a_problem_report_refund_reads_as_one_sentence_in_both_languages(app, session):
    desk = make_user(session, email="desk@example.test", is_curator=True)
    seller, cloth = make_shop(session, price=150_000, stock=5)
    cloth.title_id, cloth.title_en = "Kain Batik Cap Kopi Pecah", "Kopi Pecah stamped batik"
    order = paid_order(session, {cloth: 1})
    fulfilment_id = order.fulfilments[0].id
    create_refund(
        session, order,
        ask("case-refund", reason="case 1: Warnanya luntur", amounts={fulfilment_id: 50_000},
            bank_reference="BCA 7"),
        actor=desk, now=utcnow(),
    )  # fmt: skip
    session.commit()

    english = _order_page(app, order, "en")
    assert "Refund Rp\xa050,000 for Kopi Pecah stamped batik" in english
    assert "after your problem report" in english and "Warnanya luntur" in english
    indonesian = _order_page(app, order, "id")
    assert "Pengembalian dana Rp\xa050.000 untuk Kain Batik Cap Kopi Pecah" in indonesian
    assert "setelah laporan masalah Anda" in indonesian
    for page in (english, indonesian):
        assert "0 ×" not in page and "case 1" not in page
