"""Exportability: a buyer abroad cannot add, keep at checkout, or order a product that is not
marked exportable; the delivery country decides at placement."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.cart import services
from marketplace.cart.models import CartLine
from marketplace.errors import ValidationError
from marketplace.markets.context import Market
from marketplace.orders.models import Order, OrderLine
from marketplace.shipping.services import ensure_default_shipping_rates
from marketplace.stock.models import StockMovement
from tests.factories import make_product
from tests.orders.helpers import AMSTERDAM_CHECKOUT, address, make_cart, place

NL = Market("NL", "EUR")
HOME = Market("ID", "IDR")


def amsterdam(**overrides):
    values = {
        "name": "Anna de Vries", "phone": "+31 20 123 4567", "street": "Prinsengracht 263",
        "district": "", "city": "Amsterdam", "province": "", "postal_code": "1016 GV", "country": "NL",
    }  # fmt: skip
    values.update(overrides)
    return address(**values)


@pytest.fixture
def goods(session):
    ensure_default_shipping_rates(session)
    batik = make_product(session, title_en="Batik cloth", exportable=True, hs_code="5208.52", stock=5)
    fish = make_product(session, title_id="Ikan asap", title_en="Smoked fish", exportable=False, stock=5)
    session.commit()
    return batik, fish


def test_adding_a_non_exportable_product_abroad_is_refused(session, goods):
    batik, fish = goods
    cart = make_cart(session, {})
    session.commit()
    with pytest.raises(ValidationError, match="not available for shipping abroad"):
        services.add_to_cart(session, cart=cart, product_id=fish.id, quantity=1, market=NL)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(CartLine)) == 0
    assert services.add_to_cart(session, cart=cart, product_id=batik.id, quantity=1, market=NL).quantity == 1
    # At home (or with no market given) the same product is fine.
    assert services.add_to_cart(session, cart=cart, product_id=fish.id, quantity=1, market=HOME).quantity == 1
    assert services.add_to_cart(session, cart=cart, product_id=fish.id, quantity=1).quantity == 2


def test_a_cart_switched_abroad_flags_non_exportable_lines(session, goods):
    batik, fish = goods
    cart = make_cart(session, {batik: 1, fish: 2})
    assert services.summarize_cart(session, cart, HOME).can_check_out
    assert services.summarize_cart(session, cart).can_check_out
    summary = services.summarize_cart(session, cart, NL)
    assert not summary.can_check_out
    assert len(summary.problems) == 1 and "shipping abroad" in summary.problems[0]
    flagged = {line.product.id: line for line in summary.lines}
    assert not flagged[fish.id].available and flagged[batik.id].available
    # The flagged line no longer counts towards the weight or subtotal of its seller's parcel.
    assert all(line.product.id != fish.id for g in summary.groups for line in g.lines if line.available)


def test_placement_to_the_netherlands_refuses_a_non_exportable_line(session, goods):
    batik, fish = goods
    cart = make_cart(session, {batik: 1, fish: 1})
    session.commit()
    with pytest.raises(ValidationError, match="cannot be shipped abroad"):
        place(session, cart, address=amsterdam(), payment_method="stripe", lang="en")
    session.rollback()
    # Nothing half-written: no order, no stock taken, the cart intact.
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(StockMovement)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(CartLine)) == 2
    # The same cart to an Indonesian address is fine: the address country is the truth.
    order = place(session, cart, address=address(), lang="en")
    assert order.ship_country == "ID" and len(order.lines) == 2


def test_an_exportable_cart_is_ordered_to_the_netherlands(session, goods):
    batik, _fish = goods
    cart = make_cart(session, {batik: 2})
    order = place(session, cart, address=amsterdam(), payment_method="stripe", lang="en")
    assert (order.ship_country, order.shipping_zone, order.ship_postal_code) == ("NL", "europe", "1016 GV")
    line = session.scalars(sa.select(OrderLine)).one()
    # Customs data snapshotted per line: HS code, English description, quantity, weight, value, origin.
    assert (line.hs_code, line.customs_description, line.quantity) == ("5208.52", "Batik cloth", 2)
    assert (line.weight_grams, line.origin_country) == (2 * batik.weight_grams, "ID")
    assert line.line_total_minor == line.unit_price_minor * 2


def test_buyer_abroad_sees_the_notice_and_is_refused_with_a_message(app, session, goods):
    batik, fish = goods
    client = app.test_client()
    fish_page = f"/products/{fish.id}-{fish.slug}"
    home = client.get(fish_page, follow_redirects=True).get_data(as_text=True)
    assert "Smoked fish" in home
    assert "Not available for shipping abroad" not in home
    abroad = client.get(f"{fish_page}?country=NL", follow_redirects=True).get_data(as_text=True)
    assert "Not available for shipping abroad" in abroad  # the market is remembered from here on
    # The product's own notice (the fish may still be on its card under "Recently viewed").
    assert 'class="stock-out not-abroad"' not in client.get(
        f"/products/{batik.id}-{batik.slug}", follow_redirects=True
    ).get_data(as_text=True)
    refused = client.post(
        "/cart/add", data={"product_id": fish.id, "quantity": "1", "next": fish_page}, follow_redirects=True
    )
    assert "this product is not available for shipping abroad" in refused.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(CartLine)) == 0
    client.post("/cart/add", data={"product_id": batik.id, "quantity": "1"})
    assert session.scalar(sa.select(sa.func.count()).select_from(CartLine)) == 1


def test_checkout_says_at_once_when_the_country_chosen_cannot_receive_a_product(app, session, goods):
    """A cart filled at home, then a delivery abroad chosen at checkout: the quote and the page say
    which product cannot go, in the page's language, before "Place order"."""
    batik, fish = goods
    client = app.test_client()
    for product in (batik, fish):
        assert client.post("/cart/add", data={"product_id": product.id, "quantity": "1"}).status_code == 303
    quote = client.get(
        "/checkout/quote", query_string={"ship_country": "NL", "charge_currency": "IDR", "lang": "id"}
    )
    assert quote.status_code == 409
    error = quote.get_json()["error"]
    assert error["field"] == "country" and "“Ikan asap” tidak bisa dikirim ke luar negeri" in error["message"]
    form = dict(AMSTERDAM_CHECKOUT)
    page = client.post("/checkout?lang=en", data=form)
    assert page.status_code == 400
    assert "“Smoked fish” cannot be shipped abroad" in page.get_data(as_text=True)
    placed = client.post("/checkout?lang=en", data={**form, "action": "place"})
    assert placed.status_code == 400 and "“Smoked fish” cannot be shipped abroad" in placed.get_data(
        as_text=True
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    # Delivered in Indonesia, the same cart is quoted.
    home = client.get(
        "/checkout/quote", query_string={"ship_country": "ID", "province": "Jawa Timur", "city": "Banyuwangi"}
    )
    assert home.status_code == 200
