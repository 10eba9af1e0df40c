"""The home page's featured row shows what can be bought first: a featured product that sells out
moves behind the others until restocked (the row is never emptied, nor left with a gap), at once
with the page cache on, without emptying pages that do not show it."""

from __future__ import annotations

import re

import pytest

from marketplace.dashboard import variants as seller_variants
from marketplace.stock.services import set_stock
from marketplace.storefront import listings
from marketplace.types import utcnow
from tests.factories import make_featured, make_product, make_seller, make_sized_product, make_user
from tests.login import logged_in_as


@pytest.fixture
def app_overrides() -> dict:
    return {"PAGE_CACHE_ENABLED": True}


def _featured(session, world, count: int, **stock) -> list:
    """`count` featured products, positions 0.. in order, each with its own headline."""
    products = []
    for index in range(count):
        product = make_product(
            session, seller=world.seller, cluster=world.cluster, title_en=f"Batik {index}",
            stock=stock.get(f"p{index}", 5),
        )  # fmt: skip
        make_featured(session, product=product, position=index, headline_en=f"Pick {index}")
        products.append(product)
    session.commit()
    return products


def _row(html: str) -> list[str]:
    """The featured row's headlines, in the order the page shows them."""
    section = html.split('<h2 id="featured-h">')[1].split("</section>")[0]
    return re.findall(r'<span class="card-headline">([^<]*)</span>', section)


def _sell_out(session, product) -> None:
    """As the seller's stock form does: the counted stock set to 0, committed."""
    set_stock(session, product, stock=0, reason="counted", now=utcnow())
    session.commit()


def test_sold_out_placements_come_after_the_others_by_position(session, world):
    first, second, third = _featured(session, world, 3, p0=0, p2=0)
    row = listings.list_featured_cards(session)
    assert [f.card.id for f in row] == [second.id, first.id, third.id]
    assert [f.card.has_offered_stock for f in row] == [True, False, False]
    # The curator's preview and anything else reading placements orders them the same way.
    assert [p.product_id for p in listings.list_active_featured(session)] == [second.id, first.id, third.id]


def test_when_everything_is_sold_out_the_row_keeps_its_positions(session, world):
    products = _featured(session, world, 3, p0=0, p1=0, p2=0)
    assert [f.card.id for f in listings.list_featured_cards(session)] == [p.id for p in products]


def test_a_full_row_leaves_sold_out_products_out_and_says_which(session, world):
    first, second, third = _featured(session, world, 3, p0=0)
    row = listings.list_featured_row(session, limit=2)
    assert [f.card.id for f in row.cards] == [second.id, third.id] and row.left_out == [first.id]


def test_stock_only_in_a_variant_without_a_value_counts_as_sold_out(session, world):
    shirt = make_sized_product(session, {"M": 3}, seller=world.seller, cluster=world.cluster)
    make_featured(session, product=shirt, position=0)
    plain = make_product(session, seller=world.seller, cluster=world.cluster)
    make_featured(session, product=plain, position=1)
    session.commit()
    assert [f.card.id for f in listings.list_featured_cards(session)] == [shirt.id, plain.id]
    seller_variants.save_options(session, product=shirt, names=[("Ukuran", "Size"), ("Warna", "Colour")])
    session.commit()
    assert [f.card.id for f in listings.list_featured_cards(session)] == [plain.id, shirt.id]


def test_a_sell_out_moves_it_back_at_once_and_other_pages_stay_cached(client, session, world, shop_elsewhere):
    first, _second, _third = _featured(session, world, 3)
    elsewhere = f"/sellers/{shop_elsewhere.slug}?lang=en"
    assert _row(client.get("/?lang=en").get_data(as_text=True)) == ["Pick 0", "Pick 1", "Pick 2"]
    assert client.get("/?lang=en").headers.get("X-Cache") == "HIT"
    client.get(elsewhere)
    assert client.get(elsewhere).headers.get("X-Cache") == "HIT"

    _sell_out(session, first)
    html = client.get("/?lang=en").get_data(as_text=True)
    assert _row(html) == ["Pick 1", "Pick 2", "Pick 0"]
    assert "Out of stock" in html.split('<h2 id="featured-h">')[1].split("</section>")[0]
    assert client.get(elsewhere).headers.get("X-Cache") == "HIT"  # a shop not showing it: untouched

    set_stock(session, first, stock=4, reason="counted", now=utcnow())
    session.commit()
    assert _row(client.get("/?lang=en").get_data(as_text=True)) == ["Pick 0", "Pick 1", "Pick 2"]


@pytest.mark.parametrize("logged_in", [False, True])
def test_a_restocked_product_left_out_of_a_full_row_comes_back(app, session, world, logged_in):
    """Nine placements for eight places: the sold-out first one is left out of the row; restocked,
    it takes its place again on the next request (kept rows and cached pages depend on it too)."""
    products = _featured(session, world, 9, p0=0)
    client = app.test_client()
    if logged_in:  # never served a cached page: the kept rows (cache.kept) are what is tested
        buyer = make_user(session)
        session.commit()
        client = logged_in_as(client, buyer, lang="en")
    assert "Pick 0" not in _row(client.get("/?lang=en").get_data(as_text=True))
    client.get("/?lang=en")
    set_stock(session, products[0], stock=2, reason="counted", now=utcnow())
    session.commit()
    assert _row(client.get("/?lang=en").get_data(as_text=True))[0] == "Pick 0"


@pytest.fixture
def shop_elsewhere(session, world):
    seller = make_seller(session, village=world.other_village, name="Tani Lain", slug="tani-lain")
    make_product(session, seller=seller, cluster=world.other_cluster, title_en="Coffee")
    session.commit()
    return seller
