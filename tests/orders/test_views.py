"""Cart, checkout and order pages through the test client (CSRF is covered separately)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.catalogue.models import Product
from marketplace.money import Money
from marketplace.orders.models import Order, OrderStatus
from marketplace.shipping.services import ensure_default_shipping_rates
from tests.factories import make_product, make_user
from tests.orders.conftest import log_in
from tests.orders.helpers import CHECKOUT_ADDRESS as ADDRESS
from tests.orders.helpers import quoted_checkout_form


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def setup_shop(session, **product):
    ensure_default_shipping_rates(session)
    values = {
        "title_id": "Kopi Robusta Kabat",
        "title_en": "Kabat robusta coffee",
        "price_minor": 60_000,
        "stock": 3,
    }
    values.update(product)
    item = make_product(session, **values)
    session.commit()
    return item


def checkout(client, **overrides):
    """Fill the form, calculate the shipping (the page then shows the total), place the order."""
    data = {
        **ADDRESS,
        "email": "guest@example.test",
        "shipping_method": "courier",
        "payment_method": "bank_transfer",
    }
    data.update(overrides)
    data = quoted_checkout_form(client, data)
    return client.post("/checkout", data=data), data


def test_guest_cart_cookie_add_update_remove(client, session):
    product = setup_shop(session)
    response = client.post("/cart/add", data={"product_id": product.id, "quantity": "2"})
    assert response.status_code == 303
    cookie = response.headers.getlist("Set-Cookie")
    cart_cookie = next(c for c in cookie if c.startswith("cart_token="))
    assert "HttpOnly" in cart_cookie and "SameSite=Lax" in cart_cookie
    page = client.get("/cart").get_data(as_text=True)
    # Tests read English: the English title and the line total as the page formats it.
    assert "Kabat robusta coffee" in page and Money(120_000, "IDR").format("en") in page

    client.post("/cart/update", data={"product_id": product.id, "quantity": "50"})
    page = client.get("/cart").get_data(as_text=True)
    assert "Only 3" in page  # capped with a message
    for bad in ("0", "-1", "1000000000", "lots"):
        response = client.post(
            "/cart/update", data={"product_id": product.id, "quantity": bad}, follow_redirects=True
        )
        assert response.status_code == 200
        assert 'value="3"' in response.get_data(as_text=True)
    client.post("/cart/remove", data={"product_id": product.id})
    assert "Your cart is empty" in client.get("/cart").get_data(as_text=True)


def test_posted_price_and_seller_are_ignored(client, session):
    product = setup_shop(session)
    client.post(
        "/cart/add", data={"product_id": product.id, "quantity": "1", "price_minor": "1", "seller_id": "999"}
    )
    response, _ = checkout(client, price_minor="1", subtotal_minor="1", seller_id="1")
    assert response.status_code == 303
    order = session.scalars(sa.select(Order)).one()
    assert order.subtotal_minor == 60_000
    assert order.lines[0].seller_id == product.seller_id


def test_guest_checkout_bank_transfer_and_signed_link(client, session):
    product = setup_shop(session)
    client.post("/cart/add", data={"product_id": product.id, "quantity": "2"})
    response, data = checkout(client)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert "/orders/PD-" in location and "token=" in location
    page = client.get(location)
    html = page.get_data(as_text=True)
    order = session.scalars(sa.select(Order)).one()
    assert page.status_code == 200
    assert order.number in html and "WIB" in html
    # The exact amount with the unique code, formatted as the (English) page formats it.
    assert Money(order.total_minor, order.currency).format("en") in html
    session.expire_all()
    assert session.get(Product, product.id).stock == 1

    # Double submit of the same form: still one order, redirected to it.
    again = client.post("/checkout", data=data)
    assert again.status_code == 303 and order.number in again.headers["Location"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1

    # Tampered token: 404. No token: the login page (an account's emailed link), never the order.
    tampered = location[:-3] + ("AAA" if not location.endswith("AAA") else "BBB")
    assert client.get(tampered).status_code == 404
    assert client.get(f"/orders/{order.number}").headers["Location"].startswith("/account/login")
    assert client.get("/orders/PD-000000-ZZZZ?token=abc").status_code == 404


def test_bad_checkout_input_rerenders_and_keeps_what_was_typed(client, session):
    product = setup_shop(session)
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    response, _ = checkout(client, postal_code="12", email="nope", street="Jl. Mawar 7")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "5-digit postal code" in html and "email address" in html
    assert 'value="Jl. Mawar 7"' in html and 'value="Siti Rahayu"' in html
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_changed_cart_and_sold_out_rerender(client, session):
    product = setup_shop(session)
    client.post("/cart/add", data={"product_id": product.id, "quantity": "2"})
    page = client.get("/checkout").get_data(as_text=True)
    token, fingerprint = hidden(page, "checkout_token"), hidden(page, "fingerprint")
    product.price_minor = 65_000
    session.commit()
    data = {
        **ADDRESS,
        "email": "g@example.test",
        "shipping_method": "courier",
        "payment_method": "bank_transfer",
        "checkout_token": token,
        "fingerprint": fingerprint,
        "action": "place",
    }
    response = client.post("/checkout", data=data)
    assert response.status_code == 409
    assert "changed" in response.get_data(as_text=True)
    product.stock = 1
    session.commit()
    response = client.post("/checkout", data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith("/cart")
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_empty_cart_checkout_redirects(client, session):
    response = client.get("/checkout")
    assert response.status_code == 303 and response.headers["Location"].endswith("/cart")


def test_logged_in_buyer_orders_and_another_buyer_gets_404(app, session):
    alice = make_user(session, email="alice@example.test")
    make_user(session, email="bob@example.test")
    product = setup_shop(session)
    alice_client, bob_client = app.test_client(), app.test_client()

    # A guest cart merges into Alice's account cart when she logs in.
    alice_client.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    log_in(alice_client, "alice@example.test")
    assert "Kopi Robusta Kabat" in alice_client.get("/cart").get_data(as_text=True)

    response, _ = checkout(alice_client, email="ignored@example.test")
    assert response.status_code == 303
    order = session.scalars(sa.select(Order)).one()
    assert order.buyer_id == alice.id and order.email == "alice@example.test"
    assert order.number in alice_client.get("/orders").get_data(as_text=True)
    assert alice_client.get(f"/orders/{order.number}").status_code == 200

    log_in(bob_client, "bob@example.test")
    assert bob_client.get(f"/orders/{order.number}").status_code == 404
    assert order.number not in bob_client.get("/orders").get_data(as_text=True)


def test_pickup_needs_only_name_and_phone(client, session):
    product = setup_shop(session)
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    response, _ = checkout(
        client, shipping_method="pickup", street="", district="", city="", province="", postal_code=""
    )
    assert response.status_code == 303
    order = session.scalars(sa.select(Order)).one()
    assert order.shipping_minor == 0 and order.shipping_method == "pickup"


def test_curator_marks_transfer_received_and_others_get_404(app, session):
    curator = make_user(session, email="curator@example.test", is_curator=True)
    make_user(session, email="buyer@example.test")
    product = setup_shop(session)
    guest = app.test_client()
    guest.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    checkout(guest)
    order = session.scalars(sa.select(Order)).one()

    buyer = app.test_client()
    log_in(buyer, "buyer@example.test")
    assert buyer.get("/curator/").status_code == 404
    assert buyer.post(f"/curator/transfers/{order.number}/received").status_code == 404

    desk = app.test_client()
    log_in(desk, "curator@example.test")
    listing = desk.get(f"/curator/transfers?q={order.total_minor}").get_data(as_text=True)
    assert order.number in listing
    assert order.number not in desk.get("/curator/transfers?q=Rp+999.999.999").get_data(as_text=True)
    assert desk.post(f"/curator/transfers/{order.number}/received").status_code == 400  # no reference
    response = desk.post(f"/curator/transfers/{order.number}/received", data={"reference": "BRI 0612 3456"})
    assert response.status_code == 303
    session.expire_all()
    order = session.get(Order, order.id)
    assert order.status == OrderStatus.PAID
    assert order.events[-1].actor_id == curator.id
    again = desk.post(f"/curator/transfers/{order.number}/received", data={"reference": "BRI 0612 3456"})
    assert again.status_code == 303  # harmless twice
    listing = desk.get("/curator/transfers").get_data(as_text=True)
    assert f"/curator/transfers/{order.number}/received" not in listing  # left the queue
    assert f"/curator/transfers/{order.number}/undo" in listing  # confirmed: undo for a day


def test_card_option_hidden_without_stripe_key(client, session):
    product = setup_shop(session)
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    assert 'value="stripe"' not in client.get("/checkout").get_data(as_text=True)
    response, _ = checkout(client, payment_method="stripe")
    assert response.status_code == 400
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_orders_list_needs_login(client):
    response = client.get("/orders")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_order_page_expires_an_overdue_order_lazily(client, session):
    from datetime import timedelta

    from marketplace.types import utcnow

    product = setup_shop(session)
    client.post("/cart/add", data={"product_id": product.id, "quantity": "2"})
    response, _ = checkout(client)
    order = session.scalars(sa.select(Order)).one()
    order.payment_due_at = utcnow() - timedelta(minutes=5)
    session.commit()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Cancelled" in page or "Dibatalkan" in page
    session.expire_all()
    assert session.get(Order, order.id).status == OrderStatus.CANCELLED
    assert session.get(Product, product.id).stock == 3


def test_saved_address_prefills_checkout(app, session):
    from marketplace.accounts.models import Address

    user = make_user(session, email="ayu@example.test")
    session.add(
        Address(
            user_id=user.id,
            label="Rumah",
            recipient_name="Ayu Lestari",
            phone="081234567890",
            street="Jl. Melati 3",
            district="Genteng",
            city="Kabupaten Banyuwangi",
            province="Jawa Timur",
            postal_code="68465",
            is_default=True,
        )
    )
    product = setup_shop(session)
    browser = app.test_client()
    log_in(browser, "ayu@example.test")
    browser.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    html = browser.get("/checkout").get_data(as_text=True)
    assert 'value="Jl. Melati 3"' in html and 'value="68465"' in html and "Rumah" in html


def test_pickup_keeps_name_and_phone_and_ignores_a_half_typed_address(client, session):
    product = setup_shop(session)
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    response, _ = checkout(client, shipping_method="pickup", postal_code="12", province="")
    assert response.status_code == 303
    order = session.scalars(sa.select(Order)).one()
    assert (order.ship_name, order.ship_phone, order.shipping_minor) == ("Siti Rahayu", "0812 3456 7890", 0)


def test_pickup_order_page_names_the_pickup_place_not_a_street(client, session):
    product = setup_shop(session)
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    response, _ = checkout(client, shipping_method="pickup")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    seller = product.seller
    assert f"{seller.name}, Desa {seller.village.name}" in page
    assert "Siti Rahayu" in page and ADDRESS["street"] not in page


def test_order_abroad_shows_the_country(app, session):
    product = setup_shop(session)
    client = app.test_client()
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    response, _ = checkout(client)
    order = session.scalars(sa.select(Order)).one()
    order.ship_country = "NL"
    session.commit()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Netherlands" in page
