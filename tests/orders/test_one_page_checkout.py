"""Checkout on one page (issue 15): the JSON quote, "Calculate shipping" without JavaScript, the
refusal of a total the buyer has not seen, the address saved for next time, and logging in or
registering from the checkout (back to it, the cart intact)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Address, User
from marketplace.cart.models import CartLine
from marketplace.money import Money
from marketplace.orders.models import Order
from marketplace.shipping.models import ShippingRate, ShippingZone
from marketplace.shipping.services import ensure_default_shipping_rates
from tests.factories import TEST_PASSWORD, make_product, make_user
from tests.markets.conftest import make_rate
from tests.orders.conftest import log_in
from tests.orders.helpers import (
    CHECKOUT_ADDRESS as ADDRESS,
)
from tests.orders.helpers import (
    fill_cart,
    hidden_field,
    quoted_checkout_form,
    two_parcel_shop,
)

BANYUWANGI = {
    "ship_country": "ID",
    "province": "Jawa Timur",
    "city": "Kabupaten Banyuwangi",
    "postal_code": "68461",
}
#: The default rates (shipping.rates): a parcel up to 1 kg, per seller.
BANYUWANGI_PARCEL = 10_000
JAVA_BALI_PARCEL = 22_000


@pytest.fixture
def two_shops(session):
    return two_parcel_shop(session)


def quote(client, **params) -> dict:
    response = client.get("/checkout/quote", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def order_count(session) -> int:
    return session.scalar(sa.select(sa.func.count(Order.id)))


def test_the_quote_prices_each_parcel_and_the_total_as_the_page_does(client, session, two_shops):
    bag, coffee = two_shops
    fill_cart(client, bag, coffee)

    response = client.get("/checkout/quote", query_string={**BANYUWANGI, "shipping_method": "courier"})
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    answer = response.get_json()
    subtotal, shipping = 125_000 + 45_000, 2 * BANYUWANGI_PARCEL
    assert answer["ready"] is True and answer["currency"] == "IDR"
    assert (answer["subtotal_minor"], answer["shipping_minor"], answer["total_minor"]) == (
        subtotal,
        shipping,
        subtotal + shipping,
    )
    assert answer["quote"] == f"IDR:{shipping}:{subtotal + shipping}"
    assert answer["total"] == Money(subtotal + shipping, "IDR").format("en")
    assert answer["courier"] == Money(shipping, "IDR").format("en")
    assert set(answer["parcels"]) == {str(bag.seller_id), str(coffee.seller_id)}
    assert all("Banyuwangi regency" in text for text in answer["parcels"].values())
    assert answer["total_idr"] == "" and answer["status"] == ""

    # The page after "Calculate shipping" shows (and carries) exactly that quote.
    data = quoted_checkout_form(client, {**ADDRESS, "email": "g@example.test", "shipping_method": "courier"})
    assert data["quote"] == answer["quote"]

    # Elsewhere in Java, another zone; half typed, no price yet and what is missing; pickup is free.
    jakarta = {**BANYUWANGI, "province": "DKI Jakarta", "city": "Jakarta Selatan"}
    assert (
        client.get("/checkout/quote", query_string=jakarta).get_json()["shipping_minor"]
        == 2 * JAVA_BALI_PARCEL
    )
    half = client.get(
        "/checkout/quote", query_string={"ship_country": "ID", "province": "Jawa Timur"}
    ).get_json()
    assert (half["ready"], half["quote"], half["total"], half["total_minor"]) == (False, "", "", None)
    assert "city" in half["status"] and half["courier"] == ""
    assert all(text == "Calculated from your address" for text in half["parcels"].values())
    pickup = quote(client, shipping_method="pickup")
    assert (pickup["ready"], pickup["shipping_minor"], pickup["total_minor"]) == (True, 0, subtotal)
    assert pickup["parcels"][str(bag.seller_id)] == "Free pickup in Desa Tambong"


def test_the_quote_abroad_is_in_the_buyers_currency_with_the_rupiah_total(client, session, two_shops):
    bag, _coffee = two_shops
    make_rate(session, "EUR", "17300")
    session.commit()
    client.set_cookie("currency", "EUR")
    client.set_cookie("country", "NL")
    fill_cart(client, bag)

    answer = client.get(
        "/checkout/quote", query_string={"ship_country": "NL", "city": "Amsterdam"}
    ).get_json()
    assert answer["ready"] is True and answer["currency"] == "EUR" and answer["international"] is True
    assert answer["total_minor"] == answer["subtotal_minor"] + answer["shipping_minor"]
    assert "€" in answer["total"] and "Europe" in answer["parcels"][str(bag.seller_id)]
    europe_500g = 385_000  # shipping.rates: Europe, up to 500 g, in rupiah
    # The goods at their rupiah price; the shipping as charged (EUR 22.25) back at the rate, as the
    # receipt and the sellers' ledger count it (orders.amounts).
    assert answer["shipping_minor"] == 2_225 and europe_500g // 17_300 == 22
    assert Money(125_000 + 2_225 * 173, "IDR").format("en") in answer["total_idr"]
    assert "1 EUR = " in answer["total_idr"]
    # Only the country decides the zone abroad: known before anything else is typed.
    assert quote(client, ship_country="NL")["ready"] is True


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"ship_country": "ZZ"}, "ship_country"),
        ({"ship_country": "😀漢字"}, "ship_country"),
        ({"ship_country": "ID", "province": "Atlantis"}, "province"),
        ({"shipping_method": "teleport"}, "shipping_method"),
        ({"city": "x" * 121}, "city"),
        ({"postal_code": "9" * 10_000}, "postal_code"),
        ({"city": "Kabat\x00"}, "city"),
    ],
)
def test_the_quote_answers_bad_input_with_a_json_400(client, session, two_shops, params, field):
    fill_cart(client, two_shops[0])
    response = client.get("/checkout/quote", query_string=params)
    assert response.status_code == 400 and response.is_json
    error = response.get_json()["error"]
    assert error["status"] == 400 and error["message"] and error.get("field", field) == field


def test_the_quote_without_a_cart_is_a_json_409(client, session, two_shops):
    response = client.get("/checkout/quote", query_string=BANYUWANGI)
    assert response.status_code == 409 and response.get_json()["error"]["message"] == "Your cart is empty."


def test_calculate_shipping_without_javascript_keeps_what_was_typed(client, session, two_shops):
    bag, coffee = two_shops
    fill_cart(client, bag, coffee)
    page = client.get("/checkout").get_data(as_text=True)
    # The button posts the form back to the shipping section of the page (a fragment anchor).
    assert 'value="quote" formaction="/checkout#shipping"' in page and '<fieldset id="shipping">' in page
    assert hidden_field(page, "quote") == ""  # no address yet: no total shown, none to place
    assert 'src="/static/js/checkout.js"' in page or "/js/checkout." in page

    typed = {
        "email": "budi@example.test", "name": "Budi Santoso", "phone": "0813 1111 2222",
        "street": "Jl. Mawar 7", "city": "Kabupaten Banyuwangi", "province": "Jawa Timur", "country": "ID",
        "note": "Size L please", "shipping_method": "courier", "payment_method": "bank_transfer",
        "checkout_token": hidden_field(page, "checkout_token"), "action": "quote",
    }  # fmt: skip
    response = client.post("/checkout", data=typed)
    html = response.get_data(as_text=True)
    total = Money(170_000 + 2 * BANYUWANGI_PARCEL, "IDR").format("en")
    assert response.status_code == 200, html[:300]
    assert f"Total: <strong>{total}</strong>" in html
    assert hidden_field(html, "quote") == f"IDR:{2 * BANYUWANGI_PARCEL}:{170_000 + 2 * BANYUWANGI_PARCEL}"
    for value in ("Budi Santoso", "0813 1111 2222", "Jl. Mawar 7", "budi@example.test"):
        assert f'value="{value}"' in html
    assert "Size L please</textarea>" in html
    assert "error" not in re.sub(r"<template\b.*?</template>", "", html, flags=re.DOTALL).split("<main")[1]
    assert order_count(session) == 0

    # Without the city the price is not known: that field (only) is pointed out.
    response = client.post("/checkout", data={**typed, "city": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="f-city-error"' in html and 'id="f-email-error"' not in html
    assert hidden_field(html, "quote") == ""


def test_an_order_is_placed_only_at_the_total_the_page_showed(client, session, two_shops):
    bag, coffee = two_shops
    fill_cart(client, bag, coffee)
    page = client.get("/checkout").get_data(as_text=True)
    data = {
        **ADDRESS, "email": "ani@example.test", "shipping_method": "courier",
        "payment_method": "bank_transfer", "checkout_token": hidden_field(page, "checkout_token"),
        "fingerprint": hidden_field(page, "fingerprint"), "rate_version": "", "quote": "", "action": "place",
    }  # fmt: skip
    total = 170_000 + 2 * BANYUWANGI_PARCEL

    # Typed and placed at once (no JavaScript, no "Calculate shipping"): the total was never shown.
    response = client.post("/checkout", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    text = (
        f"Check the shipping and the total ({Money(total, 'IDR').format('en')}) below, then place your order."
    )
    assert text in html
    assert f"Total: <strong>{Money(total, 'IDR').format('en')}</strong>" in html
    assert order_count(session) == 0 and session.scalar(sa.select(sa.func.count(CartLine.id))) == 2
    assert 'value="Jl. Raya Kabat 12"' in html

    # The shipping rates change while the buyer reads the page: refused again, with the new total.
    shown = hidden_field(html, "quote")
    assert shown == f"IDR:{2 * BANYUWANGI_PARCEL}:{total}"
    tier = session.scalar(
        sa.select(ShippingRate)
        .join(ShippingZone, ShippingZone.id == ShippingRate.zone_id)
        .where(ShippingZone.code == "banyuwangi", ShippingRate.max_weight_grams == 1000)
    )
    tier.price_minor = 12_000
    session.commit()
    response = client.post("/checkout", data={**data, "quote": shown})
    html = response.get_data(as_text=True)
    new_total = Money(170_000 + 2 * 12_000, "IDR").format("en")
    assert response.status_code == 409
    assert f"the total is now {new_total}. Check it, then place your order again." in html
    assert order_count(session) == 0

    # Placed from the page that showed the new total: charged exactly that (plus the transfer code).
    response = client.post("/checkout", data={**data, "quote": hidden_field(html, "quote")})
    assert response.status_code == 303
    order = session.scalars(sa.select(Order)).one()
    assert (order.shipping_minor, order.total_minor - order.unique_code_minor) == (24_000, 170_000 + 24_000)


def test_a_logged_in_buyers_address_is_saved_for_next_time(app, session, two_shops):
    bag, coffee = two_shops
    make_user(session, email="ayu@example.test", name="Ayu")
    session.commit()
    client = app.test_client()
    log_in(client, "ayu@example.test")
    user = session.scalar(sa.select(User).filter_by(email="ayu@example.test"))

    fill_cart(client, bag)
    page = client.get("/checkout").get_data(as_text=True)
    assert 'name="save_address" value="1" checked' in page  # offered, ticked
    form = quoted_checkout_form(
        client,
        {**ADDRESS, "shipping_method": "courier", "payment_method": "bank_transfer", "save_address": "1"},
    )
    assert client.post("/checkout", data=form).status_code == 303
    saved = session.scalars(sa.select(Address).where(Address.user_id == user.id)).all()
    assert [(a.recipient_name, a.street, a.postal_code, a.is_default) for a in saved] == [
        ("Siti Rahayu", "Jl. Raya Kabat 12", "68461", True)
    ]

    # Next time the page starts from it, already priced: one tap places the order.
    fill_cart(client, coffee)
    page = client.get("/checkout").get_data(as_text=True)
    assert (
        'value="Jl. Raya Kabat 12"' in page
        and hidden_field(page, "quote") == f"IDR:{BANYUWANGI_PARCEL}:55000"
    )
    form = {
        name: hidden_field(page, name) for name in ("checkout_token", "fingerprint", "rate_version", "quote")
    }
    form.update(
        ADDRESS, shipping_method="courier", payment_method="bank_transfer", save_address="1", action="place"
    )
    assert client.post("/checkout", data=form).status_code == 303
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count(Address.id))) == 1  # the same address, not a copy

    # Unticked: another address is used, not kept; ticked: kept, and the default from now on.
    for street, keep in (("Jl. Melati 3", ""), ("Jl. Kenanga 9", "1")):
        fill_cart(client, bag)
        data = {**ADDRESS, "street": street, "shipping_method": "courier", "payment_method": "bank_transfer"}
        if keep:
            data["save_address"] = keep
        assert client.post("/checkout", data=quoted_checkout_form(client, data)).status_code == 303
    session.expire_all()
    saved = session.scalars(sa.select(Address).where(Address.user_id == user.id).order_by(Address.id)).all()
    assert [(a.street, a.is_default) for a in saved] == [
        ("Jl. Raya Kabat 12", False),
        ("Jl. Kenanga 9", True),
    ]


def test_use_this_address_without_javascript_fills_and_prices_the_chosen_one(app, session, two_shops):
    bag, _coffee = two_shops
    user = make_user(session, email="ayu@example.test", locale="en")
    for street, city, province, default in (
        ("Jl. Melati 3", "Kabupaten Banyuwangi", "Jawa Timur", True),
        ("Jl. Jenderal Sudirman 5", "Jakarta Selatan", "DKI Jakarta", False),
    ):
        session.add(
            Address(
                user_id=user.id, recipient_name="Ayu", phone="081234567890", street=street,
                district="Setiabudi", city=city, province=province, postal_code="12910", is_default=default,
            )
        )  # fmt: skip
    session.commit()
    office = session.scalar(sa.select(Address.id).where(Address.street == "Jl. Jenderal Sudirman 5"))
    client = app.test_client()
    log_in(client, "ayu@example.test")
    fill_cart(client, bag)
    page = client.get("/checkout").get_data(as_text=True)
    assert 'formaction="/checkout#shipping"' in page and "data-address=" in page

    response = client.post(
        "/checkout",
        data={
            "use_address": "1", "address_id": str(office), "country": "ID", "street": "half typed",
            "shipping_method": "courier", "payment_method": "bank_transfer",
            "checkout_token": hidden_field(page, "checkout_token"),
        },
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Jl. Jenderal Sudirman 5"' in html and 'value="half typed"' not in html
    assert hidden_field(html, "quote") == f"IDR:{JAVA_BALI_PARCEL}:{125_000 + JAVA_BALI_PARCEL}"


def test_logging_in_from_the_checkout_comes_back_to_it_with_the_cart(app, session, two_shops):
    bag, coffee = two_shops
    buyer = make_user(session, email="sari@example.test", locale="en")
    session.commit()
    client = app.test_client()
    fill_cart(client, bag)
    page = client.get("/checkout").get_data(as_text=True)
    assert 'href="/account/login?next=/checkout"' in page
    assert 'href="/account/register?next=/checkout"' in page

    # The account's cart already holds the coffee; the guest's bag joins it at login.
    from marketplace.cart import services as cart_services

    cart_services.add_to_cart(
        session, cart=cart_services.get_or_create_cart(session, user=buyer), product_id=coffee.id, quantity=1
    )
    session.commit()
    login_page = client.get("/account/login?next=/checkout").get_data(as_text=True)
    assert 'action="/account/login?next=/checkout"' in login_page
    response = client.post(
        "/account/login?next=/checkout", data={"email": "sari@example.test", "password": TEST_PASSWORD}
    )
    assert response.status_code in (302, 303) and response.headers["Location"] == "/checkout"
    page = client.get("/checkout").get_data(as_text=True)
    assert 'id="f-email"' not in page and "Pandan bag" in page and "Robusta coffee" in page


def test_registering_from_the_checkout_comes_back_to_it_with_the_cart(app, session, two_shops):
    bag, _coffee = two_shops
    client = app.test_client()
    fill_cart(client, bag)
    register_page = client.get("/account/register?next=/checkout").get_data(as_text=True)
    assert 'action="/account/register?next=/checkout"' in register_page
    response = client.post(
        "/account/register?next=/checkout",
        data={
            "name": "Rina", "email": "rina@example.test", "password": "anyaman pandan tambong",
            "confirm": "anyaman pandan tambong", "locale": "en",
        },
    )  # fmt: skip
    assert response.status_code in (302, 303) and response.headers["Location"] == "/checkout"
    page = client.get("/checkout").get_data(as_text=True)
    assert 'id="f-email"' not in page and "Pandan bag" in page and 'name="save_address"' in page
    # Already logged in, the register link still goes back to where it came from; never off-site.
    assert client.get("/account/register?next=/checkout").headers["Location"] == "/checkout"
    assert client.get("/account/register?next=https://evil.example/").headers["Location"] == "/account/"


def test_the_checkout_and_its_quote_run_a_fixed_number_of_queries(app, session, count_queries):
    """As many statements for one seller's parcel as for four sellers' (as the storefront's query
    counts), logged out and with a saved address priced on the page."""
    ensure_default_shipping_rates(session)
    products = [make_product(session, price_minor=20_000 + n) for n in range(4)]
    for email in ("budi@example.test", "wati@example.test"):
        session.add(
            Address(
                user_id=make_user(session, email=email).id, recipient_name="Budi", phone="081234567890",
                street="Jl. Melati 3", district="Kabat", city="Kabupaten Banyuwangi", province="Jawa Timur",
                postal_code="68461", is_default=True,
            )
        )  # fmt: skip
    session.commit()

    def counts(client) -> tuple[int, int]:
        result = []
        for path in ("/checkout", "/checkout/quote?" + "&".join(f"{k}={v}" for k, v in BANYUWANGI.items())):
            client.get(path)  # warm up
            with count_queries() as counter:
                assert client.get(path).status_code == 200, path
            result.append(counter.count)
        return tuple(result)

    for logged_in in (False, True):
        small, large = app.test_client(), app.test_client()
        if logged_in:  # the saved address is priced on the page itself
            log_in(small, "budi@example.test")
            log_in(large, "wati@example.test")
        fill_cart(small, products[0])
        fill_cart(large, *products)
        assert counts(small) == counts(large), logged_in
        assert max(counts(large)) <= 14, counts(large)


def test_placing_an_order_runs_a_fixed_number_of_queries_plus_the_stock_writes(app, session, count_queries):
    """Placing the order (the POST) reads the cart, the products, the rate and the shipping once
    whatever the number of lines: four lines of four sellers run the same reads as one line, and
    only the conditional stock UPDATEs come per line on PostgreSQL (the product's and the
    variant's in one statement there, two on SQLite) (issue 16: it was 34
    statements for one line and 43 for four, the products read twice). SQLite also inserts the
    parcels one statement each (their ids come back row by row there; in-process calls, no round
    trip); the lines and the ledger rows are one executemany on both."""
    ensure_default_shipping_rates(session)
    products = [make_product(session, price_minor=20_000 + n, stock=5) for n in range(5)]
    assert len({product.seller_id for product in products}) == 5  # one seller each
    session.commit()

    def place(*bought) -> list[str]:
        client = app.test_client()
        fill_cart(client, *bought)
        form = quoted_checkout_form(
            client, {**ADDRESS, "email": "g@example.test", "shipping_method": "courier"}
        )
        with count_queries() as counter:
            response = client.post("/checkout", data=form)
        assert response.status_code == 303 and "/orders/" in response.headers["Location"], (
            response.status_code
        )
        return [" ".join(statement.split()).upper() for statement in counter.statements]

    def reads(statements: list[str]) -> list[str]:
        return [s for s in statements if s.startswith("SELECT")]

    place(products[4])  # warm up
    one, four = place(products[0]), place(*products[:4])
    assert len(reads(four)) == len(reads(one)), reads(four)
    assert sum("FROM PRODUCTS" in s for s in reads(four)) <= 1  # with the cart, never again to price
    sqlite = session.get_bind().dialect.name == "sqlite"
    # Per line: the product's and the variant's conditional UPDATEs, one statement on PostgreSQL.
    stock_writes = 2 if sqlite else 1
    assert (
        sum(s.startswith(("UPDATE PRODUCT", "WITH MOVED_PRODUCT AS (UPDATE")) for s in four)
        == stock_writes * 4
    )
    # Was 3 * 2 on SQLite (parcels and lines by the ORM's flush); the lines are one Core
    # executemany since the order's rows are written with Core INSERTs.
    per_row_inserts = 3 if sqlite else 0
    assert len(four) - len(one) == stock_writes * 3 + per_row_inserts, (len(one), len(four))
    # Issue 16: 16 on PostgreSQL before the checkout token went into the cart lines' DELETE and
    # the two stock UPDATEs into one statement (22 for four lines, now 17).
    assert len(one) <= (15 if sqlite else 14), one
    assert order_count(session) == 3
