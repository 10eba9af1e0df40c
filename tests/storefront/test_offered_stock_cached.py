"""With the page cache on, a card's "In stock" and the in-stock filter follow a seller naming a new
option (its variants then have no value for it) and filling the value in, on the next request."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product, ProductVariant
from marketplace.dashboard import variants as seller_variants
from marketplace.stock.services import set_stock
from marketplace.types import utcnow
from tests.factories import make_product, make_sized_product
from tests.storefront.test_offered_stock import _card_availability


@pytest.fixture
def app_overrides() -> dict:
    return {"PAGE_CACHE_ENABLED": True}


def test_naming_an_option_shows_on_cached_cards_and_filters_at_once(client, session, world):
    shirt = make_sized_product(
        session, {"M": 2}, seller=world.seller, cluster=world.cluster, title_en="Gajah Oling shirt"
    )
    make_product(session, seller=world.seller, cluster=world.cluster, title_en="Gajah Oling sarong")
    session.commit()
    listing, filtered = "/clusters/batik?lang=en", "/search?q=gajah&in_stock=1&lang=en"
    for path in (listing, filtered):
        client.get(path)
        assert client.get(path).headers.get("X-Cache") == "HIT"

    seller_variants.save_options(session, product=shirt, names=[("Ukuran", "Size"), ("Warna", "Colour")])
    session.commit()
    assert _card_availability(client.get(listing).get_data(as_text=True), shirt) == "Out of stock"
    assert f"/products/{shirt.id}-" not in client.get(filtered).get_data(as_text=True)

    variant = session.scalars(sa.select(ProductVariant).where(ProductVariant.product_id == shirt.id)).one()
    variant.value2 = "Merah"
    session.commit()
    assert _card_availability(client.get(listing).get_data(as_text=True), shirt) == "In stock"
    assert f"/products/{shirt.id}-" in client.get(filtered).get_data(as_text=True)


def test_the_last_size_buyers_can_choose_selling_out_shows_at_once(client, session, world):
    """Units left only in sizes without a colour: the card says "Out of stock" once the last
    coloured size sells out, though the product's total stays above zero."""
    shirt = make_sized_product(
        session, {"M": 1, "L": 2}, seller=world.seller, cluster=world.cluster, title_en="Gajah Oling shirt"
    )
    session.commit()
    seller_variants.save_options(session, product=shirt, names=[("Ukuran", "Size"), ("Warna", "Colour")])
    medium = session.scalars(
        sa.select(ProductVariant).where(ProductVariant.product_id == shirt.id, ProductVariant.value1 == "M")
    ).one()
    medium.value2 = "Merah"  # M can be bought, L (2 units, no colour) cannot
    session.commit()
    listing, filtered = "/clusters/batik?lang=en", "/search?q=gajah&in_stock=1&lang=en"
    for path in (listing, filtered):
        client.get(path)
        assert client.get(path).headers.get("X-Cache") == "HIT"
    assert _card_availability(client.get(listing).get_data(as_text=True), shirt) == "In stock"

    set_stock(session, shirt, stock=0, reason="counted", now=utcnow(), variant=medium)
    session.commit()
    assert session.get(Product, shirt.id).stock == 2  # L's units, which nobody can order
    assert _card_availability(client.get(listing).get_data(as_text=True), shirt) == "Out of stock"
    assert f"/products/{shirt.id}-" not in client.get(filtered).get_data(as_text=True)

    set_stock(session, shirt, stock=3, reason="counted", now=utcnow(), variant=medium)
    session.commit()
    assert _card_availability(client.get(listing).get_data(as_text=True), shirt) == "In stock"
    assert f"/products/{shirt.id}-" in client.get(filtered).get_data(as_text=True)
