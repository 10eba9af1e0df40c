"""A buyer whose full card refund failed at Stripe reads the truth on the order page and the
receipt, in both languages: the money did not reach the card and the district office will be in
touch, never "your refund is on its way", and the history does not say "Paid" again."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.orders import cancellation
from marketplace.orders.models import Order, OrderStatus
from marketplace.orders.queries import guest_order_token
from marketplace.refunds.models import Refund, RefundStatus
from marketplace.refunds.services import create_refund
from marketplace.types import utcnow
from tests.factories import make_user
from tests.refunds.helpers import ask, deliver_refund_webhook, fail_refund, pay_by_card

FAILED_EN = "Cancelled: the refund did not reach your card; the district office will contact you"
FAILED_ID = "Dibatalkan: pengembalian dana tidak sampai ke kartu Anda; kantor kecamatan akan menghubungi Anda"


def _cancelled_card_order(client, session, stripe_server, place_stripe_order):
    """A paid card order its buyer cancelled whole: one card refund asked of Stripe."""
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    order = session.get(Order, order.id)
    cancellation.cancel_by_buyer(
        session, order, fulfilment_ids=None, actor_id=None, actor_label="guest buyer", now=utcnow()
    )
    session.commit()
    return order, payment, session.scalars(sa.select(Refund)).one()


def _page(app, order, path: str = "", lang: str = "en") -> str:
    with app.app_context():
        token = guest_order_token(order, secret_key=app.config["SECRET_KEY"])
    return (
        app.test_client()
        .get(f"/orders/{order.number}{path}?token={token}&lang={lang}")
        .get_data(as_text=True)
    )


def _status(page: str) -> str:
    return re.search(r'<p class="order-status">.*?<strong>(.*?)</strong>', page, re.S).group(1)


def _history(page: str) -> list[str]:
    block = re.search(r'<ol class="history">(.*?)</ol>', page, re.S).group(1)
    return [
        re.sub(r"<[^>]+>", "", item).split(": ", 1)[1] for item in re.findall(r"<li>(.*?)</li>", block, re.S)
    ]


def test_a_refund_stripe_made_then_failed_is_not_on_its_way_nor_paid_again(
    app, client, session, stripe_server, place_stripe_order
):
    order, payment, refund = _cancelled_card_order(client, session, stripe_server, place_stripe_order)
    assert deliver_refund_webhook(client, stripe_server, payment) == "refunded"
    fail_refund(client, stripe_server, refund.stripe_refund_id)
    session.expire_all()
    order = session.get(Order, order.id)
    assert order.status == OrderStatus.PAID  # refunds/failures.py: back where it was refunded from

    english = _page(app, order)
    assert _status(english) == FAILED_EN and "on its way" not in english
    history = _history(english)
    assert history[-2:] == ["Refunded (by the card payment)", "The refund did not reach your card"]
    assert history.count("Paid (by the card payment)") == 1  # once, when the buyer paid
    indonesian = _page(app, order, lang="id")
    assert _status(indonesian) == FAILED_ID
    assert _history(indonesian)[-1] == "Pengembalian dana tidak sampai ke kartu Anda"

    receipt = _page(app, order, "/receipt")
    assert f"Status: {FAILED_EN}" in receipt
    assert FAILED_ID in _page(app, order, "/receipt", lang="id")


def test_a_pending_refund_that_failed_then_a_new_one_asked(
    app, client, session, stripe_server, place_stripe_order
):
    order, _payment, refund = _cancelled_card_order(client, session, stripe_server, place_stripe_order)
    assert _status(_page(app, order)) == "Cancelled: your refund is on its way"
    fail_refund(client, stripe_server, refund.stripe_refund_id)
    session.expire_all()
    order = session.get(Order, order.id)
    assert order.status == OrderStatus.PAID and session.get(Refund, refund.id).status == RefundStatus.FAILED
    page = _page(app, order)
    assert _status(page) == FAILED_EN
    assert "The refund of" in page and "did not reach your card" in page  # the refunds section agrees

    # The office tries the card again: the new refund is on its way.
    desk = make_user(session, email="desk@example.test", is_curator=True)
    session.commit()
    create_refund(session, order, ask("tok-again", full=True), actor=desk, now=utcnow())
    session.commit()
    session.expire_all()
    assert _status(_page(app, session.get(Order, order.id))) == "Cancelled: your refund is on its way"
