"""The buyer's order page says what is true of an order whose every part was cancelled: cancelled,
with the refund on its way (the order stays paid until the refund is made), then refunded."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.orders.models import Order, OrderStatus
from marketplace.refunds.models import BankRefundRequest
from tests.factories import make_user
from tests.login import logged_in_as
from tests.orders.test_cancel_views import paid_order


def _status(client, order, lang: str) -> str:
    page = client.get(f"/orders/{order.number}?lang={lang}").get_data(as_text=True)
    return re.search(r'<p class="order-status">.*?<strong>(.*?)</strong>', page).group(1)


def test_a_fully_cancelled_paid_order_says_cancelled_and_where_the_refund_stands(client, session):
    buyer = make_user(session, email="ani@example.test")
    _owner, _product, order = paid_order(session, buyer=buyer)
    logged_in_as(client, buyer, lang="en")
    assert _status(client, order, "en") == "Paid"
    form = {
        "part": str(order.fulfilments[0].id),
        "bank_name": "BRI",
        "account_number": "0123456789",
        "account_holder": "Ani",
    }
    assert client.post(f"/orders/{order.number}/cancel", data=form).status_code == 303
    session.expire_all()
    assert session.get(Order, order.id).status == OrderStatus.PAID  # until the refund is made
    assert _status(client, order, "en") == "Cancelled: your refund is on its way"
    assert _status(client, order, "id") == "Dibatalkan: dana Anda sedang dikembalikan"

    curator = make_user(session, email="desk@example.test", is_curator=True)
    session.commit()
    request = session.scalars(sa.select(BankRefundRequest)).one()
    desk = logged_in_as(client.application.test_client(), curator, lang="en")
    assert (
        desk.post(f"/curator/refunds/cancelled/{request.id}", data={"bank_reference": "TRF-1"}).status_code
        == 303
    )
    session.expire_all()
    assert session.get(Order, order.id).status == OrderStatus.REFUNDED
    assert _status(client, order, "en") == "Cancelled and refunded"
    assert _status(client, order, "id") == "Dibatalkan, dana sudah dikembalikan"
