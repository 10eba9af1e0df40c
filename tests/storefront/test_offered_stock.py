"""Cards, the in-stock filter and the API say what the product page says about stock: units held
only by variants missing an option's value (named after they existed) cannot be bought, so a
product whose only stock is such a variant is out of stock everywhere, and comes back when the
seller fills the value in (`Product.has_offered_stock`, read in the product's own SELECT)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product, ProductVariant
from marketplace.dashboard import variants as seller_variants
from marketplace.storefront import cards
from tests.factories import make_product, make_sized_product


def _name_colour(session, product) -> None:
    """The seller names a second option: every variant's colour is empty until filled in."""
    seller_variants.save_options(session, product=product, names=[("Ukuran", "Size"), ("Warna", "Colour")])
    session.commit()


def _offered(session, product) -> bool:
    session.expire_all()
    return session.scalar(sa.select(Product.has_offered_stock).where(Product.id == product.id))


def _card_availability(html: str, product) -> str:
    """The availability a listing's card of `product` says ("In stock" / "Out of stock")."""
    card = html.split(f'href="/products/{product.id}-')[1]
    return re.search(r'<span class="stock-(?:in|out)">([^<]*)</span>', card).group(1)


def _html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_stock_counts_only_in_variants_buyers_can_choose(session, world):
    plain = make_product(session, seller=world.seller, cluster=world.cluster, stock=3)
    empty = make_product(session, seller=world.seller, cluster=world.cluster, stock=0)
    shirt = make_sized_product(session, {"M": 2, "L": 0}, seller=world.seller, cluster=world.cluster)
    session.commit()
    # A product without options reads its own stock; one with options, its variants'.
    assert (_offered(session, plain), _offered(session, empty), _offered(session, shirt)) == (
        True,
        False,
        True,
    )

    _name_colour(session, shirt)  # M's 2 units now have no colour: nobody can order them
    assert _offered(session, shirt) is False
    shirt = session.get(Product, shirt.id)
    large = next(v for v in shirt.variants if v.value1 == "L")
    large.value2 = "Merah"  # a valued variant, but sold out
    session.commit()
    assert _offered(session, shirt) is False
    medium = next(v for v in session.get(Product, shirt.id).variants if v.value1 == "M")
    medium.value2 = "   "  # blank is no value (as catalogue.variants.missing_options strips it)
    session.commit()
    assert _offered(session, shirt) is False
    medium.value2 = "Biru"
    session.commit()
    assert _offered(session, shirt) is True


def test_a_card_row_reads_it_in_its_own_statement(session, world, count_queries):
    shirt = make_sized_product(session, {"M": 2}, seller=world.seller, cluster=world.cluster)
    plain = make_product(session, seller=world.seller, cluster=world.cluster, stock=4)
    session.commit()
    ids = [shirt.id, plain.id]
    _name_colour(session, shirt)
    session.expire_all()
    with count_queries() as counted:
        loaded = cards.load_cards(session, ids)
    assert counted.count == 1
    assert [card.has_offered_stock for card in loaded] == [False, True]


@pytest.mark.parametrize(
    ("lang", "in_stock", "out_of_stock"),
    [("en", "In stock", "Out of stock"), ("id", "Stok tersedia", "Stok habis")],
)
def test_cards_and_the_in_stock_filter_agree_with_the_product_page(
    client, session, world, lang, in_stock, out_of_stock
):
    shirt = make_sized_product(
        session, {"M": 2}, seller=world.seller, cluster=world.cluster, title_id="Kemeja Gajah Oling",
        title_en="Gajah Oling shirt",
    )  # fmt: skip
    plain = make_product(
        session, seller=world.seller, cluster=world.cluster, title_id="Sarung Gajah Oling",
        title_en="Gajah Oling sarong", stock=5,
    )  # fmt: skip
    session.commit()
    listing, search = f"/clusters/batik?lang={lang}", f"/search?q=gajah&lang={lang}"
    filtered = f"/search?q=gajah&in_stock=1&lang={lang}"
    assert _card_availability(_html(client, listing), shirt) == in_stock

    _name_colour(session, shirt)
    page = _html(client, f"/products/{shirt.id}-{shirt.slug}?lang={lang}")
    assert 'action="/cart/add"' not in page  # the page offers nothing to buy
    for path in (listing, search, "/sellers/kub-sekar-kepuh?lang=" + lang, f"/?lang={lang}"):
        html = _html(client, path)
        assert _card_availability(html, shirt) == out_of_stock, path
        assert _card_availability(html, plain) == in_stock, path
    html = _html(client, filtered)
    assert f"/products/{shirt.id}-" not in html and f"/products/{plain.id}-" in html
    no_words = _html(client, f"/search?in_stock=1&lang={lang}")
    assert f"/products/{shirt.id}-" not in no_words and f"/products/{plain.id}-" in no_words

    # The seller fills the colour in: the units can be bought again, and everything says so.
    variant = session.scalars(sa.select(ProductVariant).where(ProductVariant.product_id == shirt.id)).one()
    variant.value2 = "Merah"
    session.commit()
    assert _card_availability(_html(client, listing), shirt) == in_stock
    assert f"/products/{shirt.id}-" in _html(client, filtered)


def test_from_counts_only_prices_buyers_can_choose(session, world):
    """A card says "from" when a size costs more; not when that size has no value (nobody can buy it)."""

    def price_varies(product) -> bool:
        session.expire_all()
        return session.scalar(sa.select(Product.price_varies).where(Product.id == product.id))

    shirt = make_sized_product(session, {"M": 2, "L": 3}, seller=world.seller, cluster=world.cluster)
    large = next(v for v in shirt.variants if v.value1 == "L")
    large.price_minor = shirt.price_minor + 10_000
    session.commit()
    assert price_varies(shirt) is True
    _name_colour(session, shirt)
    assert price_varies(shirt) is False  # L, the dearer size, has no colour yet
    shirt = session.get(Product, shirt.id)
    next(v for v in shirt.variants if v.value1 == "L").value2 = "Merah"
    session.commit()
    assert price_varies(shirt) is True
