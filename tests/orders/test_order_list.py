"""The buyer's order list says what each order is (its first product, with a thumbnail), where it
stands and what to do next and by when, a page at a time, in a fixed number of SQL statements."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from marketplace.orders.fulfilment import mark_fulfilment_delivered, mark_fulfilment_shipped
from marketplace.orders.lifecycle import cancel_unpaid_order, mark_order_paid
from marketplace.orders.views import ORDERS_PER_PAGE
from marketplace.payments.models import TransferClaim
from marketplace.timezones import jakarta_time
from marketplace.types import utcnow
from tests.factories import make_product, make_seller, make_user
from tests.login import logged_in_as
from tests.orders.helpers import make_cart, place
from tests.storefront.conftest import add_image

#: What a test order becomes after placing, in the order the small list has them.
KINDS = ("transfer", "card", "delivered", "paid", "shipped", "cancelled")


@pytest.fixture
def shop(session):
    """(bag, shirt, coffee): three products of two shops, the bag and the shirt with photos."""
    seller = make_seller(session, name="Anyaman Tambong")
    bag = make_product(session, seller=seller, title_id="Tas Pandan", title_en="Pandan bag", stock=500)
    shirt = make_product(session, seller=seller, title_id="Kemeja Batik", title_en="Batik shirt", stock=500)
    coffee = make_product(session, title_id="Kopi Robusta", title_en="Robusta coffee", stock=500)
    add_image(session, bag)
    add_image(session, bag)  # a second photo: the first is shown
    add_image(session, shirt)
    session.commit()
    return bag, shirt, coffee


def add_orders(session, buyer, shop, kinds) -> list:
    """One order per kind, each of the three products (the bag first), placed and moved for real."""
    bag, shirt, coffee = shop
    placed = []
    for kind in kinds:
        cart = make_cart(session, {bag: 1, shirt: 2, coffee: 1})  # a cart per order: a guest's
        order = place(
            session,
            cart,
            buyer=buyer,
            email=buyer.email,
            payment_method="stripe" if kind == "card" else "bank_transfer",
        )
        now = utcnow()
        if kind in ("delivered", "paid", "shipped"):
            mark_order_paid(session, order, actor_label="curator desk@example.test", now=now)
        if kind in ("delivered", "shipped"):
            for parcel in order.fulfilments:
                mark_fulfilment_shipped(
                    session,
                    parcel,
                    courier="JNE",
                    tracking_number=f"JNE{parcel.id}",
                    actor_label="seller",
                    now=now,
                )
        if kind == "delivered":
            for parcel in order.fulfilments:
                mark_fulfilment_delivered(session, parcel, actor_label="buyer", now=now)
        if kind == "cancelled":
            cancel_unpaid_order(session, order, reason="changed my mind", actor_label="buyer", now=now)
        placed.append(order)
    session.commit()
    return placed


def rows(html: str) -> list[str]:
    """Each order row's text, as a reader sees it (tags dropped, spaces squeezed)."""
    found = re.findall(r'<li class="order-row[^"]*">(.*?)</li>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in found]


def test_each_row_says_what_it_is_where_it_stands_and_what_to_do_next(app, session, shop):
    buyer = make_user(session)
    orders = add_orders(session, buyer, shop, KINDS)
    session.add(TransferClaim(order_id=orders[0].id, sender_name="Siti"))
    transfer_only = add_orders(session, buyer, shop, ["transfer"])[0]
    session.commit()
    client = logged_in_as(app.test_client(), buyer, lang="en")

    html = client.get("/orders").get_data(as_text=True)
    text = rows(html)
    assert len(text) == len(KINDS) + 1
    # Newest first: the unclaimed transfer placed last, then the kinds from the last one back.
    unclaimed, cancelled, shipped, paid, delivered, card, claimed = text
    assert all("Pandan bag and 2 more items" in row for row in text), text
    assert f"Transfer {_total(transfer_only)} before {jakarta_time(transfer_only.payment_due_at, 'en')}." in (
        unclaimed
    )
    assert "Waiting for your payment" in unclaimed
    assert "Transfer being checked" in claimed and "we are checking the payment" in claimed
    assert f"Pay by card before {jakarta_time(orders[1].payment_due_at, 'en')}." in card
    assert "Paid, being prepared" in paid and "The shop sends it by " in paid and "Late" not in paid
    assert "On its way" in shipped and "Press “I received it” when it arrives." in shipped
    assert "Delivered" in delivered and "Leave a review of 3 items." in delivered
    assert "Cancelled" in cancelled and "before" not in cancelled
    assert f"Order {orders[3].number}" in paid and _total(orders[3]) in paid

    # The first product's photo, small and sized, decorative beside its name (as a storefront card).
    images = re.findall(r"<img [^>]*>", html.split('class="order-list"')[1])
    assert len(images) == len(text)
    first = images[0]
    assert re.search(r'src="[^"]*-320\.webp"', first) and 'width="320"' in first and 'height="240"' in first
    assert 'alt=""' in first and 'sizes="4.5rem"' in first and 'loading="lazy"' in first

    indonesian = rows(logged_in_as(app.test_client(), buyer, lang="id").get("/orders").get_data(as_text=True))
    assert "Tas Pandan dan 2 barang lainnya" in indonesian[0]
    assert "Menunggu pembayaran Anda" in indonesian[0] and "Transfer Rp" in indonesian[0]
    assert "Tekan “Sudah saya terima” saat paket tiba." in indonesian[2]


def _total(order) -> str:
    from marketplace.money import money_text

    return " ".join(money_text(order.total_minor, order.currency, "en").split())  # as `rows` reads it


def test_a_late_parcel_is_marked_with_what_the_buyer_may_do(app, session, shop):
    buyer = make_user(session)
    order = add_orders(session, buyer, shop, ["transfer"])[0]
    mark_order_paid(session, order, actor_label="curator", now=utcnow() - timedelta(days=30))
    session.commit()
    client = logged_in_as(app.test_client(), buyer, lang="en")
    (row,) = rows(client.get("/orders").get_data(as_text=True))
    assert "Late" in row and "Paid, not sent yet" in row
    assert "The shop has not sent it in time. You may cancel it for a full refund." in row


def test_the_list_runs_the_same_statements_for_3_orders_as_for_30(app, session, shop, count_queries):
    buyer = make_user(session)
    add_orders(session, buyer, shop, KINDS[:3])
    client = logged_in_as(app.test_client(), buyer, lang="en")

    def count() -> int:
        client.get("/orders")  # warm up
        with count_queries(reader=True) as counter:
            response = client.get("/orders")
        assert response.status_code == 200
        return counter.count

    small = count()
    add_orders(session, buyer, shop, KINDS * 4 + KINDS[:3])  # 30 in all, every kind
    assert len(rows(client.get("/orders").get_data(as_text=True))) == ORDERS_PER_PAGE
    assert count() == small
    # The account, the count, the page's orders, lines and parts, the photos, the parts' due times,
    # claimed transfers, card payments being confirmed, reviews: nothing per order.
    assert small <= 12, small


def test_many_orders_come_a_page_at_a_time(app, session, shop):
    buyer = make_user(session)
    orders = add_orders(session, buyer, shop, ["transfer"] * (ORDERS_PER_PAGE + 2))
    client = logged_in_as(app.test_client(), buyer, lang="en")

    first = client.get("/orders").get_data(as_text=True)
    assert len(rows(first)) == ORDERS_PER_PAGE and 'href="/orders?page=2"' in first
    assert orders[-1].number in first and orders[0].number not in first
    second = client.get("/orders?page=2").get_data(as_text=True)
    assert len(rows(second)) == 2 and orders[0].number in second
    # A page past the end (a kept link) shows the last one; nonsense shows the first.
    assert rows(client.get("/orders?page=9").get_data(as_text=True)) == rows(second)
    assert rows(client.get("/orders?page=x").get_data(as_text=True)) == rows(first)


def test_an_unpaid_order_past_its_time_shows_cancelled(app, session, shop):
    buyer = make_user(session)
    order = add_orders(session, buyer, shop, ["transfer"])[0]
    order.payment_due_at = utcnow() - timedelta(minutes=1)
    session.commit()
    client = logged_in_as(app.test_client(), buyer, lang="en")
    (row,) = rows(client.get("/orders").get_data(as_text=True))
    assert "Cancelled" in row and "Transfer" not in row
