"""The desa and cluster lists of the API and the sitemap index count every public product; they are
kept per catalogue generation (`kept_for_generation`), so a second request counts nothing, and
what moves a count or a name shows on the next request."""

from __future__ import annotations

import pytest

from marketplace.catalogue.models import ProductStatus
from marketplace.storefront import seo
from tests.factories import make_handicraft_shop, make_product


@pytest.fixture
def app_overrides() -> dict:
    # Kept by the page cache's counters, which are bumped on commit when it is on.
    return {"PAGE_CACHE_ENABLED": True}


@pytest.fixture
def shop(session):
    return make_handicraft_shop(session)


def _places(client, path: str, **kwargs) -> dict[str, dict]:
    response = client.get(path, **kwargs)
    assert response.status_code == 200
    assert response.headers.get("X-Cache") != "HIT"  # the view ran (the page cache's entry is stale)
    return {item["slug"]: item for item in response.get_json()["items"]}


def _counts(counter) -> int:
    """Statements counting products (a desa's or cluster's count, the sitemap's)."""
    return sum("count(" in statement.lower() for statement in counter.statements)


def test_a_second_request_counts_no_products(app, session, shop, count_queries):
    seller, cluster = shop
    make_product(session, seller=seller, cluster=cluster)
    session.commit()
    client = app.test_client()
    for path in ("/api/v1/villages", "/api/v1/clusters"):
        with count_queries() as first:
            _places(client, path)
        with count_queries() as second:
            # Another client: not the page cache's entry (its header differs), the kept list.
            _places(app.test_client(), path, headers={"Accept-Language": "en"})
            _places(app.test_client(), path)
        assert _counts(first) == 1, first.statements
        assert _counts(second) == 0, second.statements


def test_publishing_hiding_and_renaming_show_on_the_next_request(app, session, shop):
    seller, cluster = shop
    client = app.test_client()
    assert _places(client, "/api/v1/villages?lang=en")["tambong"]["product_count"] == 0
    assert _places(client, "/api/v1/clusters?lang=en")["kerajinan"]["product_count"] == 0

    lamp = make_product(session, seller=seller, cluster=cluster)
    session.commit()
    assert _places(client, "/api/v1/villages?lang=en")["tambong"]["product_count"] == 1
    assert _places(client, "/api/v1/clusters?lang=en")["kerajinan"]["product_count"] == 1

    lamp.status = ProductStatus.ARCHIVED
    cluster.name_en = "Crafts"
    seller.village.story_en = "Potters by the river."
    session.commit()
    village = _places(client, "/api/v1/villages?lang=en")["tambong"]
    assert (village["product_count"], village["story"]) == (0, "Potters by the river.")
    kerajinan = _places(client, "/api/v1/clusters?lang=en")["kerajinan"]
    assert (kerajinan["product_count"], kerajinan["name"]) == (0, "Crafts")


def test_kept_apart_per_language_and_host(app, session, shop):
    client = app.test_client()
    assert _places(client, "/api/v1/clusters?lang=en")["kerajinan"]["name"] == "Handicraft"
    assert _places(client, "/api/v1/clusters?lang=id")["kerajinan"]["name"] == "Kerajinan"
    other = _places(client, "/api/v1/clusters?lang=en", base_url="https://pasar.example")
    assert other["kerajinan"]["url"] == "https://pasar.example/clusters/kerajinan"
    assert (
        _places(client, "/api/v1/clusters?lang=en")["kerajinan"]["url"]
        == "http://localhost/clusters/kerajinan"
    )


def _sitemap_files(client, **kwargs) -> int:
    response = client.get("/sitemap.xml", **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True).count("/sitemaps/products-")


def test_the_sitemap_index_counts_once_per_catalogue_change(app, session, shop, count_queries, monkeypatch):
    monkeypatch.setattr(seo, "SITEMAP_CHUNK", 1)  # one product per file: the index shows the count
    seller, cluster = shop
    products = [make_product(session, seller=seller, cluster=cluster) for _ in range(2)]
    session.commit()
    with count_queries() as first:
        assert _sitemap_files(app.test_client()) == 2
    with count_queries() as second:
        assert _sitemap_files(app.test_client(), headers={"Accept-Language": "en"}) == 2
    assert _counts(first) == 1, first.statements
    assert _counts(second) == 0, second.statements

    products[0].status = ProductStatus.ARCHIVED
    session.commit()
    assert _sitemap_files(app.test_client()) == 1
    make_product(session, seller=seller, cluster=cluster)
    make_product(session, seller=seller, cluster=cluster)
    session.commit()
    assert _sitemap_files(app.test_client()) == 3
