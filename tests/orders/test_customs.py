"""Customs: CN22 or CN23 at the threshold, the seller's printable page and who may see it, and
the duties notice a buyer abroad reads before paying (checkout page and confirmation email)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.email.models import OutboundEmail
from marketplace.email.services import deliver_pending
from marketplace.errors import NotFound
from marketplace.markets.models import ExchangeRate
from marketplace.seller.models import Seller
from marketplace.shipping.customs import build_customs_declaration, choose_form
from marketplace.shipping.services import ensure_default_shipping_rates
from marketplace.types import utcnow
from tests.built_once import built_once
from tests.factories import make_product, make_seller, make_user, make_village
from tests.login import logged_in_as_email
from tests.orders.helpers import AMSTERDAM_CHECKOUT, address, make_cart, place

DUTIES = "Import duties and taxes are paid by you on arrival"


def amsterdam(**overrides):
    values = {
        "name": "Anna de Vries", "phone": "+31 20 123 4567", "street": "Prinsengracht 263",
        "district": "", "city": "Amsterdam", "province": "", "postal_code": "1016 GV", "country": "NL",
    }  # fmt: skip
    values.update(overrides)
    return address(**values)


def log_in(client, email):
    return logged_in_as_email(client, email, lang="en")


@dataclass
class World:
    owner: object
    other: object
    buyer: object
    abroad: object  # fulfilment of an order to Amsterdam
    domestic: object  # fulfilment of an order within Indonesia


@pytest.fixture
def world(session) -> World:
    return built_once(session, _build_world)


def _build_world(session) -> World:
    ensure_default_shipping_rates(session)
    owner = make_user(session, email="ani@example.test")
    other = make_user(session, email="budi@example.test")
    buyer = make_user(session, email="buyer@example.test")
    shop = make_seller(session, user_id=owner.id, name="Batik Ani", phone="0812 1111 2222",
                       village=make_village(session, name="Tambong"))  # fmt: skip
    make_seller(session, user_id=other.id, name="Rotan Budi")
    batik = make_product(
        session, seller=shop, title_id="Batik tulis", title_en="Hand-drawn batik",
        exportable=True, hs_code="5208.52", weight_grams=350, price_minor=850_000, stock=9,
    )  # fmt: skip
    order = place(
        session, make_cart(session, {batik: 2}), address=amsterdam(), payment_method="stripe", lang="en"
    )
    home = place(session, make_cart(session, {batik: 1}), lang="en")
    session.commit()
    return World(owner, other, buyer, order.fulfilments[0], home.fulfilments[0])


def test_cn22_up_to_the_threshold_then_cn23():
    assert choose_form(6_300_000) == "CN22"
    assert choose_form(6_300_001) == "CN23"
    assert choose_form(1_000, cn22_max_idr=999) == "CN23"


def test_declaration_from_the_order_snapshot(session, world):
    declaration = build_customs_declaration(world.abroad)
    item = declaration.items[0]
    assert (item.description, item.quantity, item.net_weight_grams) == ("Hand-drawn batik", 2, 700)
    assert (item.hs_code, item.origin_country) == ("5208.52", "ID")
    assert item.value_minor == 2 * item.unit_value_minor == world.abroad.lines[0].line_total_minor
    assert declaration.currency == world.abroad.order.currency
    assert (declaration.value_idr, declaration.form, declaration.category) == (
        1_700_000,
        "CN22",
        "sale_of_goods",
    )
    assert build_customs_declaration(world.abroad, cn22_max_idr=1_699_999).form == "CN23"
    with pytest.raises(NotFound):
        build_customs_declaration(world.domestic)


def test_customs_page_for_the_owner_only(app, session, world):
    url = f"/seller/orders/{world.abroad.id}/customs"
    anonymous = app.test_client().get(url)
    assert anonymous.status_code in (302, 303) and "/account/login" in anonymous.headers["Location"]
    for email in ("budi@example.test", "buyer@example.test"):
        assert log_in(app.test_client(), email).get(url).status_code == 404
    owner = log_in(app.test_client(), "ani@example.test")
    assert owner.get(f"/seller/orders/{world.domestic.id}/customs").status_code == 404
    assert owner.get("/seller/orders/999999/customs").status_code == 404
    page = owner.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("CN22", "Hand-drawn batik", "5208.52", "0.7 kg", "Sale of goods", "Anna de Vries",
                 "1016 GV", "NETHERLANDS", "Batik Ani", "Desa Tambong", "Indonesia"):  # fmt: skip
        assert text in html, text
    assert "CN23" not in html
    # The seller's order page links to it; the domestic parcel's page does not.
    assert url in owner.get(f"/seller/orders/{world.abroad.id}").get_data(as_text=True)
    assert "/customs" not in owner.get(f"/seller/orders/{world.domestic.id}").get_data(as_text=True)


def test_customs_page_uses_cn23_above_the_configured_threshold(app, session, world):
    app.config["CUSTOMS_CN22_MAX_IDR"] = 1_000_000  # read per request (CUSTOMS_CN22_MAX_IDR env)
    html = log_in(app.test_client(), "ani@example.test").get(f"/seller/orders/{world.abroad.id}/customs")
    text = html.get_data(as_text=True)
    assert "CN23" in text and "Postal charges" in text


def test_duties_notice_in_the_confirmation_email_only_abroad(session, world):
    deliver_pending(session)  # renders the confirmations (queued unrendered)
    emails = {e.body_text for e in session.scalars(sa.select(OutboundEmail)).all()}
    abroad = [body for body in emails if world.abroad.order.number in body]
    home = [body for body in emails if world.domestic.order.number in body]
    assert abroad and DUTIES in abroad[0]
    assert home and DUTIES not in home[0]


def shown(html: str) -> str:
    """The page without its <template>s: the other country's fields, kept for checkout.js, are
    inert until the buyer changes the country."""
    return re.sub(r"<template\b.*?</template>", "", html, flags=re.DOTALL)


def test_duties_notice_on_the_checkout_page_only_abroad(app, session, world):
    client = app.test_client()
    product = world.abroad.lines[0].product_id
    assert client.post("/cart/add", data={"product_id": product, "quantity": "1"}).status_code == 303
    page = shown(client.get("/checkout").get_data(as_text=True))
    assert DUTIES not in page and "Choose a province" in page and 'value="pickup"' in page
    form = dict(AMSTERDAM_CHECKOUT)
    page = client.post("/checkout", data=form)
    html = shown(page.get_data(as_text=True))
    assert page.status_code in (200, 400)
    assert DUTIES in html
    assert "Choose a province" not in html and 'value="pickup"' not in html  # no Indonesian fields
    assert "Europe" in html  # the zone quoted (days too)
    bad = client.post("/checkout", data={**form, "postal_code": "12"})
    assert bad.status_code == 400 and "1012 AB" in bad.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# What goes on the parcel: English whatever the seller's language
# ---------------------------------------------------------------------------------------------


def _document(html: str, css_class: str) -> str:
    start = html.index(f'<article class="slip {css_class}"')
    return html[start : html.index("</article>", start)]


def _euro_parcel(session, world, **product):
    """A parcel to Amsterdam paid in euros (EUR at Rp 17,300), of a product with `product` fields."""
    session.add(
        ExchangeRate(currency="EUR", rate=Decimal("17300"), effective_date=utcnow().date(), source="test")
    )
    item = make_product(
        session, seller=session.get(Seller, world.abroad.seller_id), exportable=True, hs_code="4602.12",
        weight_grams=800, price_minor=173_000, stock=5, **product,
    )  # fmt: skip
    order = place(
        session, make_cart(session, {item: 2}), address=amsterdam(), payment_method="stripe", lang="en",
        currency="EUR",
    )  # fmt: skip
    session.commit()
    return order.fulfilments[0]


def test_customs_form_in_english_for_a_seller_reading_indonesian(app, session, world):
    owner = logged_in_as_email(app.test_client(), "ani@example.test", lang="id")
    html = owner.get(f"/seller/orders/{world.abroad.id}/customs").get_data(as_text=True)
    form = _document(html, "customs")
    assert '<html lang="id">' in html and 'lang="en"' in form
    for text in (
        "Customs declaration CN22", "Déclaration en douane", "May be opened officially", "Sender",
        "Recipient", "Sale of goods", "Detailed description of contents", "Net weight", "Country of origin",
        "Destination: Netherlands", "NETHERLANDS", "Indonesia", "I certify that the particulars",
    ):  # fmt: skip
        assert text in form, text
    for indonesian in ("Pengirim", "Penerima", "Belanda", "Deklarasi", "Jumlah"):
        assert indonesian not in form, indonesian
    # The notes around the form, and the menu, stay in the seller's language.
    help_text = html[: html.index('<article class="slip customs"')]
    assert "Formulir ini berbahasa Inggris" in help_text and "Kembali ke pesanan" in html


def test_customs_sender_is_the_full_address_and_values_carry_their_currency(app, session, world):
    shop = session.get(Seller, world.abroad.seller_id)
    shop.village.parent.name = "Kabat"
    shop.address_line = "Jl. Raya Tambong No. 12, RT 02/RW 01"
    session.commit()
    html = log_in(app.test_client(), "ani@example.test").get(f"/seller/orders/{world.abroad.id}/customs")
    form = _document(html.get_data(as_text=True), "customs")
    sender = form[form.index('id="customs-from"') : form.index('id="customs-to"')]
    for line in ("Batik Ani", "Jl. Raya Tambong No. 12, RT 02/RW 01", "Desa Tambong, Kecamatan Kabat",
                 "Banyuwangi, East Java 68461", "INDONESIA", "+62 812-1111-2222"):  # fmt: skip
        assert line in sender, line
    assert "Jawa Timur" not in sender
    # An IDR order: every value and the total with the code beside it.
    assert "Values declared in IDR (Indonesian Rupiah)" in form
    assert form.count("IDR\u00a0850,000") == 1 and form.count("IDR\u00a01,700,000") == 2  # line, total


def test_customs_values_in_the_order_currency_with_codes(app, session, world):
    parcel = _euro_parcel(session, world, title_id="Keranjang rotan", title_en="Rattan basket")
    owner = logged_in_as_email(app.test_client(), "ani@example.test", lang="id")
    html = owner.get(f"/seller/orders/{parcel.id}/customs").get_data(as_text=True)
    form = _document(html, "customs")
    assert "Values declared in EUR (Euro), the currency the buyer paid." in form
    assert "EUR\u00a010.00" in form and form.count("EUR\u00a020.00") == 2  # unit, line and total
    assert "Rp" not in form and "IDR" not in form  # one currency on the form
    assert "Rattan basket" in form and "1.6 kg" in form


def test_an_item_without_an_english_name_is_flagged(app, session, world):
    parcel = _euro_parcel(session, world, title_id="Sagon kelapa", title_en="")
    html = (
        logged_in_as_email(app.test_client(), "ani@example.test", lang="en")
        .get(f"/seller/orders/{parcel.id}/customs")
        .get_data(as_text=True)
    )
    form = _document(html, "customs")
    assert '<td lang="id">Sagon kelapa <span class="hint" lang="en">(Indonesian name)</span>' in form
    assert "No English name for: Sagon kelapa." in html[: html.index("<article")]


def test_refunded_units_are_not_declared(app, session, world):
    line = world.abroad.lines[0]
    line.cancelled_quantity = 1
    session.commit()
    html = log_in(app.test_client(), "ani@example.test").get(f"/seller/orders/{world.abroad.id}/customs")
    form = _document(html.get_data(as_text=True), "customs")
    assert "0.35 kg" in form and "0.7 kg" not in form and "IDR\u00a01,700,000" not in form


def test_shipping_label_abroad_in_english_with_both_full_addresses(app, session, world):
    owner = logged_in_as_email(app.test_client(), "ani@example.test", lang="id")
    order_page = owner.get(f"/seller/orders/{world.abroad.id}").get_data(as_text=True)
    url = f"/seller/orders/{world.abroad.id}/label"
    assert url in order_page
    html = owner.get(url).get_data(as_text=True)
    label = _document(html, "shipping-label")
    assert 'lang="en"' in label and ">To<" in label and ">From<" in label
    for text in ("Anna de Vries", "Prinsengracht 263", "1016 GV Amsterdam", "NETHERLANDS", "+31 20 123 4567",
                 "Batik Ani", "Desa Tambong", "East Java 68461", "INDONESIA",
                 "Customs declaration CN22 attached.", "Weight: 0.7 kg"):  # fmt: skip
        assert text in label, text
    assert "Kepada" not in label and "Dari" not in label and "Belanda" not in label
    # At home the label is in Indonesian; a pickup order has none.
    home = owner.get(f"/seller/orders/{world.domestic.id}/label").get_data(as_text=True)
    label = _document(home, "shipping-label")
    assert 'lang="id"' in label and "Customs" not in label and "INDONESIA" not in label
    assert "Kabupaten Banyuwangi<br>Jawa Timur 68461" in label and "Banyuwangi, Jawa Timur 68461" in label
    for email in ("budi@example.test", "buyer@example.test"):
        assert log_in(app.test_client(), email).get(url).status_code == 404
