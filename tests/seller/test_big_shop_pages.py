"""A shop with many products and parcels (issue 16): the product list pages and filters, and the
dashboard, list, low-stock and orders pages run the same number of queries however big the shop."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from marketplace.catalogue.models import ProductStatus
from marketplace.dashboard import products as dashboard_products
from marketplace.dashboard.fulfilments import list_fulfilments
from marketplace.orders.models import FulfilmentStatus
from marketplace.types import utcnow
from tests.built_once import built_once
from tests.factories import make_cluster, make_product
from tests.seller.conftest import log_in


def _titles(page: str) -> list[str]:
    return re.findall(r'<a href="/seller/products/\d+"><strong>([^<]+)</strong>', page)


@pytest.fixture
def big_shop(session, world):
    return built_once(session, _build_big_shop, world)


def _build_big_shop(session, world):
    """Shop A with PAGE_SIZE + 5 more products: batik ones (some archived) and three drafts."""
    batik = make_cluster(session, slug="batik", name_id="Batik", name_en="Batik")
    start = utcnow() - timedelta(days=1)
    for n in range(dashboard_products.PAGE_SIZE + 5):
        make_product(
            session,
            seller=world.seller_a,
            cluster=batik if n % 2 else world.cluster,
            title_id=f"Selendang nomor {n:03d}" if n % 2 else f"Tas pandan nomor {n:03d}",
            title_en="",
            status=ProductStatus.ARCHIVED
            if n == 1
            else ProductStatus.DRAFT
            if n % 20 == 0
            else ProductStatus.ACTIVE,
            created_at=start + timedelta(minutes=n),
            stock=1 if n % 3 == 0 else 20,
        )  # fmt: skip
    session.commit()
    return world


def test_the_list_pages_newest_first_and_archived_last(app, big_shop):
    client = log_in(app.test_client(), big_shop.user_a.email)
    first = client.get("/seller/products").get_data(as_text=True)
    total = dashboard_products.PAGE_SIZE + 6  # the world's own product too
    assert f"{total} products" in first
    titles = _titles(first)
    assert len(titles) == dashboard_products.PAGE_SIZE
    # The world's own product is the newest, then the big shop's, newest first.
    assert titles[:2] == ["Keranjang rotan", f"Tas pandan nomor {dashboard_products.PAGE_SIZE + 4:03d}"]
    assert 'rel="next"' in first and "Page 1 of 2" in first

    second = client.get("/seller/products?page=2").get_data(as_text=True)
    rest = _titles(second)
    assert len(rest) == 6 and rest[-1] == "Selendang nomor 001"  # the archived one, last
    assert not set(titles) & set(rest)
    # Past the last page: the last page; nonsense: the first.
    assert _titles(client.get("/seller/products?page=99").get_data(as_text=True)) == rest
    assert _titles(client.get("/seller/products?page=abc").get_data(as_text=True)) == titles


def test_filters_by_status_cluster_and_words_and_keep_them_across_pages(app, big_shop):
    client = log_in(app.test_client(), big_shop.user_a.email)
    drafts = client.get("/seller/products?status=draft").get_data(as_text=True)
    assert sorted(_titles(drafts)) == ["Tas pandan nomor 000", "Tas pandan nomor 020", "Tas pandan nomor 040"]
    assert "3 products" in drafts and "Clear filters" in drafts

    batik = _titles(client.get("/seller/products?cluster=batik").get_data(as_text=True))
    assert batik and all(title.startswith("Selendang") for title in batik)

    words = _titles(client.get("/seller/products?q=SELENDANG+01").get_data(as_text=True))
    assert sorted(words) == [f"Selendang nomor {n:03d}" for n in (1, 11, 13, 15, 17, 19)]
    assert _titles(client.get("/seller/products?q=50%25").get_data(as_text=True)) == []  # LIKE escaped

    both = client.get("/seller/products?cluster=kerajinan&status=active").get_data(as_text=True)
    assert "26 products" in both  # 28 bags, three of them drafts, and the world's basket
    assert all(title.startswith(("Tas pandan", "Keranjang")) for title in _titles(both))
    # Page links keep the filters.
    nomor = client.get("/seller/products?q=nomor&status=active").get_data(as_text=True)
    assert re.search(r'href="/seller/products\?status=active&amp;q=nomor&amp;page=2" rel="next"', nomor)

    # Values that name nothing are ignored, as on the storefront: the whole list.
    unknown = client.get("/seller/products?status=sold&cluster=nowhere")
    assert unknown.status_code == 200
    assert f"{dashboard_products.PAGE_SIZE + 6} products" in unknown.get_data(as_text=True)
    empty = client.get("/seller/products?q=nothing-like-this").get_data(as_text=True)
    assert "No products found." in empty


def test_another_shops_products_never_appear(app, session, big_shop):
    client = log_in(app.test_client(), big_shop.user_b.email)
    page = client.get("/seller/products?q=nomor").get_data(as_text=True)
    assert _titles(page) == [] and "0 products" in page


def test_the_dashboard_counts_in_sql_what_it_used_to_count_by_loading(app, session, big_shop):
    client = log_in(app.test_client(), big_shop.user_a.email)
    page = client.get("/seller/").get_data(as_text=True)
    # 56 of the big shop's products plus the world's product a.
    assert re.search(rf"\b{dashboard_products.PAGE_SIZE + 6}\b", page)
    assert dashboard_products.count_seller_products(session, [big_shop.seller_a.id]) == 56
    assert (
        dashboard_products.count_seller_products(
            session, [big_shop.seller_a.id], dashboard_products.ProductFilter(status=ProductStatus.DRAFT)
        )
        == 3
    )


def test_parcels_list_to_ship_first_then_newest(session, world):
    parcels = list_fulfilments(session, [world.seller_a.id])
    assert [f.id for f in parcels] == [world.fulfilment_a.id]
    assert parcels[0].status == FulfilmentStatus.PROCESSING
    assert list_fulfilments(session, [world.seller_a.id], statuses=[FulfilmentStatus.SHIPPED]) == []
    assert list_fulfilments(session, [world.seller_a.id], limit=0) == []


@pytest.mark.parametrize("path", ["/seller/", "/seller/products", "/seller/stock/low", "/seller/orders"])
def test_pages_run_the_same_queries_however_many_products(app, session, world, count_queries, path):
    client = log_in(app.test_client(), world.user_a.email)

    def measure() -> int:
        client.get(path)
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        return counter.count

    make_product(session, seller=world.seller_a, cluster=world.cluster, stock=0)  # one low: the lists fill
    session.commit()
    few = measure()
    for n in range(12):
        make_product(session, seller=world.seller_a, cluster=world.cluster, stock=n % 2)  # half low
    session.commit()
    assert measure() == few
