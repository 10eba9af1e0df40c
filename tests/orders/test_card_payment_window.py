"""Between paying on Stripe's page and Stripe's webhook, the buyer's order page and order list say
the payment is being confirmed (as the return page does), not "pay by card before …"."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.orders.models import Order, OrderStatus
from marketplace.payments.local_stripe import start_stripe_server
from marketplace.payments.models import Payment
from tests.factories import make_product, make_user
from tests.login import logged_in_as
from tests.orders.helpers import make_cart, place
from tests.payments.helpers import signed_post, stripe_settings


@pytest.fixture(scope="module")
def stripe_harness():
    return start_stripe_server()


@pytest.fixture
def app_overrides(stripe_harness):
    return stripe_settings(stripe_harness)


@pytest.fixture
def card_order(session):
    """A buyer's card order, unpaid, and the buyer's client (English pages) on Stripe's page."""
    buyer = make_user(session)
    product = make_product(session, title_en="Pandan bag", price_minor=150_000, stock=5)
    order = place(
        session, make_cart(session, {product: 1}), buyer=buyer, email=buyer.email, payment_method="stripe"
    )
    session.commit()
    return order, buyer


def pay_section(html: str) -> str:
    section = re.search(r'<section aria-labelledby="pay-title">.*?</section>', html, re.S)
    assert section, "no payment section"
    return section.group(0)


def start_card_payment(client, session, order) -> Payment:
    response = client.post(f"/payments/stripe/start/{order.number}")
    assert response.status_code == 303
    return session.scalars(sa.select(Payment).where(Payment.order_id == order.id)).one()


def test_after_paying_at_stripe_the_order_page_and_list_say_it_is_being_confirmed(
    app, session, stripe_harness, card_order
):
    order, buyer = card_order
    client = logged_in_as(app.test_client(), buyer, lang="en")
    payment = start_card_payment(client, session, order)
    before = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert f'action="/payments/stripe/start/{order.number}"' in pay_section(before)

    # Paid by a method that settles later (a card paid at once is applied on return: test_webhook.py)
    stripe_harness.complete_session(payment.provider_reference, asynchronous=True)
    assert client.get(f"/payments/stripe/return?order={order.number}").status_code == 200  # Stripe's redirect

    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    section = pay_section(page)
    assert "confirming your payment" in section and "Check again" in section
    assert "Status: <strong>Payment being confirmed</strong>" in page
    assert "/payments/stripe/start" not in page and "before" not in section
    assert "Cancel this order" not in page  # the money is on its way: no cancelling now
    listed = client.get("/orders").get_data(as_text=True)
    assert "Payment being confirmed" in listed and "Pay by card before" not in listed
    indonesian = logged_in_as(app.test_client(), buyer, lang="id").get(f"/orders/{order.number}")
    section = pay_section(indonesian.get_data(as_text=True))
    assert "Pembayaran kartu" in section and "Bayar" not in section

    # The payment settles and its webhook arrives: the order is paid, and its page says so.
    stripe_harness.async_result(payment.provider_reference, "succeeded")
    event = stripe_harness.event_for("checkout.session.async_payment_succeeded", payment.provider_reference)
    assert signed_post(app.test_client(), stripe_harness, event).status_code == 200
    session.expire_all()
    assert session.get(Order, order.id).status == OrderStatus.PAID
    paid = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "confirming your payment" not in paid and 'id="pay-title"' not in paid


def test_a_return_address_visited_without_paying_changes_nothing(app, session, stripe_harness, card_order):
    order, buyer = card_order
    client = logged_in_as(app.test_client(), buyer, lang="en")
    payment = start_card_payment(client, session, order)
    client.get(f"/payments/stripe/return?order={order.number}")  # typed in, or an old tab: not paid

    session.expire_all()
    assert session.get(Payment, payment.id).checkout_url  # Stripe said the session is still open
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert f'action="/payments/stripe/start/{order.number}"' in pay_section(page)
    assert "Pay by card before" in client.get("/orders").get_data(as_text=True)


def test_pay_by_card_in_a_tab_older_than_the_order_leads_back_to_the_order(app, session, card_order):
    """One tab cancelled the order (or paid it); the other still shows "Pay by card"."""
    order, buyer = card_order
    client = logged_in_as(app.test_client(), buyer, lang="en")
    assert client.post(f"/orders/{order.number}/cancel", data={"part": "all"}).status_code == 303

    stale = client.post(f"/payments/stripe/start/{order.number}", follow_redirects=True)
    page = stale.get_data(as_text=True)
    assert stale.status_code == 200 and stale.request.path == f"/orders/{order.number}"
    assert '<p class="flash flash-warning">This order is not waiting for payment.</p>' in page
    assert "Status: <strong>Cancelled</strong>" in page
    assert session.scalar(sa.select(sa.func.count(Payment.id)).where(Payment.order_id == order.id)) == 0
