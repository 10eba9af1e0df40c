"""'I have transferred' from a stale tab: the order was cancelled (in another tab, by the expiry
job) or paid meanwhile. The buyer reads once what happened, on the order page (the way on), never
"not waiting for a bank transfer" twice, and nothing is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.orders import services as orders
from marketplace.orders.lifecycle import expire_unpaid_orders
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments.models import TransferClaim
from marketplace.types import utcnow
from tests.factories import make_user
from tests.login import logged_in_as
from tests.orders.helpers import make_cart, place
from tests.payouts.helpers import make_shop

CANCELLED = {
    "en": "was cancelled, so it no longer waits for a transfer",
    "id": "sudah dibatalkan, jadi tidak lagi menunggu transfer",
}
PAID = {
    "en": "is already paid: we received your transfer",
    "id": "sudah dibayar: transfer Anda sudah kami terima",
}
NOT_WAITING = {"en": "not waiting for a bank transfer", "id": "tidak sedang menunggu transfer bank"}


def _buyer_order(session):
    buyer = make_user(session, email="pembeli@example.test")
    _seller, product = make_shop(session, price=50_000)
    order = place(session, make_cart(session, {product: 1}), buyer=buyer)
    session.commit()
    return buyer, order


def _claim(client, order: Order, **fields):
    data = {"sender_name": "Siti", "sender_bank": "BCA", **fields}
    return client.post(f"/payments/transfer/{order.number}", data=data, content_type="multipart/form-data")


def _claims(session) -> int:
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(TransferClaim))


@pytest.mark.parametrize("lang", ["en", "id"])
def test_cancelled_in_another_tab_then_i_have_transferred(app, session, lang):
    buyer, order = _buyer_order(session)
    client = logged_in_as(app.test_client(), buyer, lang=lang)
    # Tab A cancels the unpaid order; tab B still shows the bank-transfer panel and is sent.
    assert client.post(f"/orders/{order.number}/cancel", data={"part": "all"}).status_code == 303
    client.get(f"/orders/{order.number}")  # tab A reads its "cancelled" message
    response = _claim(client, order)
    assert response.status_code == 303 and response.location.endswith(f"/orders/{order.number}")
    page = client.get(response.location).get_data(as_text=True)
    assert page.count(CANCELLED[lang]) == 1 and order.number in page
    assert NOT_WAITING[lang] not in page
    assert 'class="flash flash-warning"' in page
    assert _claims(session) == 0
    # The form's own page, reloaded in that tab, says the same and leads on.
    again = client.get(f"/payments/transfer/{order.number}", follow_redirects=True)
    assert again.request.path == f"/orders/{order.number}"
    assert again.get_data(as_text=True).count(CANCELLED[lang]) == 1


def test_the_office_address_is_given_when_there_is_one(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "OFFICE_EMAIL", "kecamatan@example.test")
    buyer, order = _buyer_order(session)
    assert expire_unpaid_orders(session, now=order.payment_due_at + timedelta(hours=1)) == 1  # the job
    session.commit()
    assert session.get(Order, order.id).status == OrderStatus.CANCELLED
    client = logged_in_as(app.test_client(), buyer, lang="en")
    page = client.get(_claim(client, order).location).get_data(as_text=True)
    assert "kecamatan@example.test" in page and CANCELLED["en"] in page


@pytest.mark.parametrize("lang", ["en", "id"])
def test_paid_meanwhile_says_so_once(app, session, lang):
    buyer, order = _buyer_order(session)
    client = logged_in_as(app.test_client(), buyer, lang=lang)
    orders.mark_order_paid(session, order, actor_label="curator", now=utcnow())
    session.commit()
    response = _claim(client, order)
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    assert page.count(PAID[lang]) == 1 and NOT_WAITING[lang] not in page
    assert _claims(session) == 0


def test_a_guest_keeps_the_signed_link(app, session):
    _seller, product = make_shop(session, price=50_000)
    order = place(session, make_cart(session, {product: 1}))
    session.commit()
    token = orders.guest_order_token(order, secret_key=app.config["SECRET_KEY"])
    client = app.test_client()
    client.set_cookie("lang", "en")
    assert (
        client.post(f"/orders/{order.number}/cancel?token={token}", data={"part": "all"}).status_code == 303
    )
    response = _claim(client, order, token=token)
    assert response.status_code == 303 and f"token={token}" in response.location
    assert CANCELLED["en"] in client.get(response.location).get_data(as_text=True)
