"""The API's product list keeps each page's ids and totals as the storefront keeps a listing's rows
(cache.kept): a second request reads neither the count nor the ids, and what changes the page (a
product published, hidden, its stock running out under `in_stock`, its price under a price sort)
shows on the next request. The products themselves are read on every request."""

from __future__ import annotations

import pytest

from marketplace.catalogue.models import ProductStatus
from marketplace.types import utcnow
from tests.factories import make_cluster, make_product, make_seller, make_user, make_village


@pytest.fixture
def app_overrides() -> dict:
    # Kept by the page cache's counters, which are bumped on commit when it is on.
    return {"PAGE_CACHE_ENABLED": True}


@pytest.fixture
def shop(session):
    village = make_village(session, name="Tambong", slug="tambong")
    cluster = make_cluster(session, slug="kerajinan", name_id="Kerajinan", name_en="Handicraft")
    seller = make_seller(session, user_id=make_user(session).id, village=village)
    session.commit()
    return seller, cluster


def _product_reads(statements: list[str]) -> int:
    return sum("from products" in s.lower() and "cache_generations" not in s for s in statements)


def _titles(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    # After a change the page cache's entry is stale too: the view runs and asks the kept page.
    assert response.headers.get("X-Cache") != "HIT"
    return [item["title_en"] for item in response.get_json()["items"]]


def test_a_second_request_reads_only_the_products(app, session, shop, count_queries):
    seller, cluster = shop
    make_product(session, seller=seller, cluster=cluster, title_en="Clay kendi")
    make_product(session, seller=seller, cluster=cluster, title_en="Glazed kendi")
    session.commit()
    client = app.test_client()
    with count_queries() as first:
        assert sorted(_titles(client, "/api/v1/products?cluster=kerajinan&lang=en")) == [
            "Clay kendi",
            "Glazed kendi",
        ]
    with count_queries() as second:
        assert len(_titles(client, "/api/v1/products?cluster=kerajinan&lang=id")) == 2
    assert _product_reads(first.statements) == 3  # the count, the ids, the products
    assert _product_reads(second.statements) == 1, second.statements  # the products


def test_publishing_hiding_stock_and_price_show_on_the_next_request(app, session, shop):
    seller, cluster = shop
    kendi = make_product(session, seller=seller, cluster=cluster, title_en="Clay kendi", stock=2)
    make_product(session, seller=seller, cluster=cluster, title_en="Bamboo lamp", price_minor=90_000)
    session.commit()
    client = app.test_client()
    in_stock = "/api/v1/products?cluster=kerajinan&in_stock=true"
    assert "Clay kendi" in _titles(client, in_stock)
    kendi.stock = 0
    session.commit()
    assert "Clay kendi" not in _titles(client, in_stock)

    draft = make_product(
        session, seller=seller, cluster=cluster, title_en="Glazed kendi", status=ProductStatus.DRAFT
    )
    session.commit()
    listing = "/api/v1/products?cluster=kerajinan"
    assert "Glazed kendi" not in _titles(client, listing)
    draft.status = ProductStatus.ACTIVE
    draft.published_at = utcnow()
    session.commit()
    assert "Glazed kendi" in _titles(client, listing)
    draft.status = ProductStatus.ARCHIVED
    session.commit()
    assert "Glazed kendi" not in _titles(client, listing)

    by_price = "/api/v1/products?cluster=kerajinan&sort=price_asc"
    kendi.price_minor = 100_000
    session.commit()
    assert _titles(client, by_price)[:2] == ["Bamboo lamp", "Clay kendi"]
    kendi.price_minor = 10_000
    session.commit()
    assert _titles(client, by_price)[:2] == ["Clay kendi", "Bamboo lamp"]
