"""The API's product list keeps each page's ids and totals as the storefront keeps a listing's rows
(cache.kept): a second request reads neither the count nor the ids, and what changes the page (a
product published, hidden, its stock running out under `in_stock`, its price under a price sort)
shows on the next request. The products themselves are read on every request."""

from __future__ import annotations

import pytest

from marketplace.catalogue.models import ProductStatus
from marketplace.types import utcnow
from tests.factories import make_handicraft_shop, make_product


@pytest.fixture
def app_overrides() -> dict:
    # Kept by the page cache's counters, which are bumped on commit when it is on.
    return {"PAGE_CACHE_ENABLED": True}


@pytest.fixture
def shop(session):
    return make_handicraft_shop(session)


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
    assert first.product_reads == 3  # the count, the ids, the products
    assert second.product_reads == 1, second.statements  # the products


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


def _items(client, path: str) -> list[dict]:
    response = client.get(path)
    assert response.status_code == 200
    body = response.get_json()
    return body["items"] if "items" in body else [body]


def test_a_product_object_is_kept_until_its_product_changes(app, session, shop, count_queries):
    seller, cluster = shop
    kendi = make_product(
        session, seller=seller, cluster=cluster, title_en="Clay kendi", stock=2, price_minor=41_000
    )
    session.commit()
    client = app.test_client()
    for path in ("/api/v1/products?cluster=kerajinan", f"/api/v1/products/{kendi.id}"):
        with count_queries() as first:
            [item] = _items(client, path)
        with count_queries() as second:
            assert _items(client, path) == [item]
        assert (item["stock"], item["price"], item["title_en"]) == (2, 41_000, "Clay kendi")
        assert first.product_reads >= 1
        assert second.product_reads == 0, second.statements

    # Its stock count and price (its own page counter), its title (the catalogue generation).
    kendi.stock = 1
    session.commit()
    assert [i["stock"] for i in _items(client, "/api/v1/products?cluster=kerajinan")] == [1]
    assert [i["stock"] for i in _items(client, f"/api/v1/products/{kendi.id}")] == [1]
    kendi.price_minor = 43_000
    kendi.title_en = "Red clay kendi"
    session.commit()
    for path in ("/api/v1/products?cluster=kerajinan", f"/api/v1/products/{kendi.id}"):
        [item] = _items(client, path)
        assert (item["price"], item["title_en"]) == (43_000, "Red clay kendi")

    # Each language and host has its own; a product hidden is gone, its own URL a 404.
    assert _items(client, "/api/v1/products?cluster=kerajinan&lang=id")[0]["title"] == kendi.title_id
    assert _items(client, "/api/v1/products?cluster=kerajinan&lang=en")[0]["title"] == "Red clay kendi"
    other_host = client.get(f"/api/v1/products/{kendi.id}", base_url="https://pasar.example").get_json()
    assert other_host["url"].startswith("https://pasar.example/")
    kendi.status = ProductStatus.ARCHIVED
    session.commit()
    assert _items(client, "/api/v1/products?cluster=kerajinan") == []
    assert client.get(f"/api/v1/products/{kendi.id}").status_code == 404
