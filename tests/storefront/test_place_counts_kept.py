"""The home page's cluster and desa counts are kept per process by the catalogue generation: read
once, and a product published or hidden shows in them on the next request."""

from __future__ import annotations

import pytest

from marketplace.catalogue.models import ProductStatus
from tests.factories import make_cluster, make_product, make_seller, make_user, make_village
from tests.login import logged_in_as


@pytest.fixture
def app_overrides() -> dict:
    # The generation is the page cache's catalogue generation, bumped on commit when it is on.
    return {"PAGE_CACHE_ENABLED": True}


def _count_reads(statements: list[str]) -> int:
    return sum("count(products.id)" in statement.lower() for statement in statements)


def test_counts_are_read_once_and_follow_a_publish_and_a_hide(app, session, count_queries):
    village = make_village(session, name="Tambong", slug="tambong")
    cluster = make_cluster(session, slug="kerajinan", name_id="Kerajinan", name_en="Handicraft")
    seller = make_seller(session, user_id=make_user(session).id, village=village)
    product = make_product(session, seller=seller, cluster=cluster)
    buyer = make_user(session)
    session.commit()
    # Logged in: never served from the page cache, so every request renders.
    client = logged_in_as(app.test_client(), buyer)

    with count_queries() as first:
        assert "1 product" in client.get("/?lang=en").get_data(as_text=True)
    with count_queries() as second:
        assert "1 product" in client.get("/?lang=en").get_data(as_text=True)
    assert _count_reads(first.statements) == 1
    assert _count_reads(second.statements) == 0, second.statements

    make_product(session, seller=seller, cluster=cluster)
    session.commit()
    assert "2 products" in client.get("/?lang=en").get_data(as_text=True)

    product.status = ProductStatus.ARCHIVED
    session.commit()
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "1 product" in html and "2 products" not in html
