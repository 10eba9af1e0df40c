"""The order's history as its buyer reads it: who took each step in words, never a staff email or an
internal code, and one line per step (a parcel's step is not repeated by the order's)."""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from marketplace.dashboard.fulfilments import OTHER_COURIER
from marketplace.dashboard.views import actor_label as shop_label
from marketplace.orders.fulfilment import AUTO_COMPLETE_LABEL, mark_fulfilment_shipped
from marketplace.orders.history import SYSTEM
from marketplace.orders.lifecycle import mark_order_paid, mark_order_refunded
from marketplace.orders.models import Order, OrderEvent, OrderStatus
from marketplace.orders.presenters import buyer_facing_actor
from marketplace.orders.services import guest_order_token
from marketplace.payments.webhooks import ACTOR_LABEL as CARD_LABEL
from marketplace.shipping.services import ensure_default_shipping_rates
from marketplace.types import utcnow
from tests.factories import make_product, make_seller, make_user
from tests.login import logged_in_as_email
from tests.orders.helpers import make_cart, place


def history(html: str) -> list[str]:
    """The lines of the page's history list, as a reader sees them."""
    section = re.search(r'<ol class="history">(.*?)</ol>', html, re.S)
    assert section, "no history on the page"
    items = re.findall(r"<li>(.*?)</li>", section.group(1), re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", "", item)).split()) for item in items]


def steps(lines: list[str]) -> list[str]:
    """The lines without their time ("7 December 2026 21:58 WIB: Paid (…)" → "Paid (…)")."""
    return [line.split("WIB: ", 1)[1] for line in lines]


@pytest.mark.parametrize(
    ("label", "en", "id_"),
    [
        ("buyer", "by you", "oleh Anda"),
        ("guest", "by you", "oleh Anda"),
        ("guest buyer", "by you", "oleh Anda"),
        ("seller Sanggar Batik Sekar Kepuh", "by the shop", "oleh toko"),
        ("curator curator@demo.test", "by the district office", "oleh pihak Kecamatan"),
        ("curator", "by the district office", "oleh pihak Kecamatan"),
        (CARD_LABEL, "by the card payment", "lewat pembayaran kartu"),
        (SYSTEM, "automatically", "otomatis"),
        (AUTO_COMPLETE_LABEL, "automatically", "otomatis"),
        ("demo seed", "", ""),
        ("cli", "", ""),
        ("", "", ""),
    ],
)
def test_who_in_words_never_a_code_or_an_email(app, label, en, id_):
    for lang, expected in (("en", en), ("id", id_)):
        with app.test_request_context(), force_locale(lang):
            assert buyer_facing_actor(label) == expected


@pytest.fixture
def shop(session):
    ensure_default_shipping_rates(session)
    owner = make_user(session, email="ani@example.test")
    make_user(session, email="curator@example.test", is_curator=True)
    seller = make_seller(session, user_id=owner.id, name="Batik Ani")
    product = make_product(session, seller=seller, title_en="Hand-drawn batik", price_minor=150_000, stock=5)
    session.commit()
    return product


def test_guest_order_history_from_checkout_to_delivery(app, session, shop):
    """Every step taken where it is taken in real life: the checkout, the kecamatan's transfer desk,
    the seller's order page, the buyer's "I received it"."""
    order = place(session, make_cart(session, {shop: 1}), email="tamu@example.test")
    session.commit()
    token = guest_order_token(order, secret_key=app.config["SECRET_KEY"])
    parcel_id = order.fulfilments[0].id

    desk = logged_in_as_email(app.test_client(), "curator@example.test")
    paid = desk.post(f"/curator/transfers/{order.number}/received", data={"reference": "BRI 0612 3456"})
    assert paid.status_code == 303
    seller = logged_in_as_email(app.test_client(), "ani@example.test")
    shipped = seller.post(
        f"/seller/orders/{parcel_id}/ship",
        data={"courier": OTHER_COURIER, "courier_other": "JNE", "tracking_number": "JNE0012345"},
    )
    assert shipped.status_code == 303
    guest = app.test_client()
    received = guest.post(f"/orders/{order.number}/parts/{parcel_id}/received?token={token}")
    assert received.status_code == 303
    session.expire_all()
    assert session.get(Order, order.id).status == OrderStatus.DELIVERED

    english = guest.get(f"/orders/{order.number}?token={token}&lang=en").get_data(as_text=True)
    assert steps(history(english)) == [
        "Order placed (by you)",
        "Paid (by the district office)",
        "Shipped (by the shop)",
        "Delivered (by you)",
    ]
    assert "curator@example.test" not in english and "(guest)" not in english
    indonesian = guest.get(f"/orders/{order.number}?token={token}&lang=id").get_data(as_text=True)
    assert steps(history(indonesian)) == [
        "Pesanan dibuat (oleh Anda)",
        "Dibayar (oleh pihak Kecamatan)",
        "Dikirim (oleh toko)",
        "Tiba di tujuan (oleh Anda)",
    ]


def test_order_of_two_shops_names_each_parcel_and_says_each_step_once(app, session, shop):
    buyer = make_user(session, email="buyer@example.test")
    other = make_product(
        session, seller=make_seller(session, name="Rotan Budi"), title_en="Rattan basket", stock=5
    )
    order = place(
        session, make_cart(session, {shop: 1, other: 1}, user=buyer), buyer=buyer, email=buyer.email
    )
    now = utcnow()
    mark_order_paid(session, order, actor_label=CARD_LABEL, now=now)
    for parcel in order.fulfilments:
        mark_fulfilment_shipped(
            session,
            parcel,
            courier="JNE",
            tracking_number=f"JNE{parcel.id}",
            actor_label=shop_label(parcel),
            now=now,
        )
    mark_order_refunded(
        session, order, amount_minor=10_000, actor_label="curator curator@example.test", now=now
    )
    session.commit()
    assert session.get(Order, order.id).status == OrderStatus.SHIPPED

    page = logged_in_as_email(app.test_client(), "buyer@example.test", lang="en").get(
        f"/orders/{order.number}"
    )
    lines = steps(history(page.get_data(as_text=True)))
    assert lines == [
        "Order placed (by you)",
        "Paid (by the card payment)",
        "Batik Ani · Shipped (by the shop)",
        "Rotan Budi · Shipped (by the shop)",
        "Partly refunded (by the district office)",
    ]
    shipped_events = session.scalar(
        sa.select(sa.func.count())
        .select_from(OrderEvent)
        .where(
            OrderEvent.order_id == order.id,
            OrderEvent.from_status != OrderEvent.to_status,  # not the partial refund
            OrderEvent.to_status == "shipped",
        )
    )
    assert shipped_events == 3  # the order's own "shipped" is still recorded, only not repeated


def test_english_order_page_says_awaiting_payment_one_way(app, session, shop):
    client = app.test_client()
    order = place(session, make_cart(session, {shop: 1}), email="tamu@example.test")
    session.commit()
    token = guest_order_token(order, secret_key=app.config["SECRET_KEY"])
    page = client.get(f"/orders/{order.number}?token={token}&lang=en").get_data(as_text=True)
    assert "Awaiting payment" in page and "Batik Ani · Awaiting payment" in page  # the parcel too
    assert "Waiting for payment" not in page
