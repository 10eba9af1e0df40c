"""A guest has no account to find an order in again: their order page says the link was emailed and
links /orders/find; an account's order page does not."""

from __future__ import annotations

import html

from marketplace.orders.queries import guest_order_token
from tests.factories import make_product, make_user
from tests.login import logged_in_as
from tests.orders.helpers import make_cart, place

NOTE = "keep that email to come back later"


def test_a_guests_order_page_says_where_its_link_is(app, client, session):
    product = make_product(session, stock=3)
    order = place(session, make_cart(session, {product: 1}))
    session.commit()
    token = guest_order_token(order, secret_key=app.config["SECRET_KEY"])
    page = html.unescape(client.get(f"/orders/{order.number}?token={token}&lang=en").get_data(as_text=True))
    assert NOTE in page
    assert '<a href="/orders/find">Find your order</a>' in page


def test_an_accounts_order_page_has_no_such_note(client, session):
    buyer = make_user(session)
    product = make_product(session, stock=3)
    order = place(session, make_cart(session, {product: 1}, user=buyer), buyer=buyer, email=buyer.email)
    session.commit()
    logged_in_as(client, buyer, lang="en")
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert page.count(order.number) and NOTE not in page
