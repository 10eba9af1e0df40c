"""The search form's cluster and desa lists leave out the places with no product to show (their
page would be empty), except the one the search is narrowed to; the counts are the kept per-place
counts."""

from __future__ import annotations

import pytest

from marketplace.catalogue.models import ProductStatus
from tests.factories import make_cluster, make_product, make_user, make_village
from tests.login import logged_in_as


@pytest.fixture
def app_overrides() -> dict:
    # The counts are kept by the page cache's catalogue generation, bumped on commit when it is on.
    return {"PAGE_CACHE_ENABLED": True}


def _offered(client, path: str, name: str) -> list[str]:
    body = client.get(path).get_data(as_text=True)
    select = body.split(f'<select id="f-{name}" name="{name}">', 1)[1].split("</select>", 1)[0]
    return [part.split('"', 1)[0] for part in select.split('<option value="')[2:]]


def _desa_offered(client, path: str) -> list[str]:
    return _offered(client, path, "village")


def _count_reads(statements: list[str]) -> int:
    return sum("count(products.id)" in statement.lower() for statement in statements)


def test_desa_without_products_are_left_out_unless_chosen(app, session, world, count_queries):
    make_village(session, name="Kalirejo", slug="kalirejo", parent=world.kecamatan)  # no shop at all
    make_product(session, seller=world.seller, cluster=world.cluster, title_id="Batik tulis")
    hidden = make_product(session, seller=world.other_seller, cluster=world.other_cluster, title_id="Kopi")
    hidden.status = ProductStatus.ARCHIVED  # Tambong's only product: not public
    buyer = make_user(session)
    session.commit()
    client = logged_in_as(app.test_client(), buyer)  # never served from the page cache

    assert _desa_offered(client, "/search?lang=en") == ["pakistaji"]
    # The desa a search is narrowed to stays in the list, selected.
    assert _desa_offered(client, "/search?village=tambong&lang=en") == ["pakistaji", "tambong"]
    body = client.get("/search?village=tambong&lang=id").get_data(as_text=True)
    assert '<option value="tambong" selected>' in body

    # The counts are the kept ones: read once per catalogue generation, not on every search.
    with count_queries() as again:
        client.get("/search?q=batik&lang=en")
    assert _count_reads(again.statements) == 0, again.statements

    # Published again: Tambong is offered on the next search.
    hidden.status = ProductStatus.ACTIVE
    session.commit()
    assert _desa_offered(client, "/search?lang=en") == ["pakistaji", "tambong"]


def test_clusters_without_products_are_left_out_unless_chosen(app, session, world, count_queries):
    make_cluster(session, slug="kerajinan", name_id="Kerajinan", name_en="Handicrafts", position=3)
    make_product(session, seller=world.seller, cluster=world.cluster, title_id="Batik tulis")
    hidden = make_product(session, seller=world.other_seller, cluster=world.other_cluster, title_id="Kopi")
    hidden.status = ProductStatus.ARCHIVED  # the farm produce cluster's only product: not public
    buyer = make_user(session)
    session.commit()
    client = logged_in_as(app.test_client(), buyer)  # never served from the page cache

    assert _offered(client, "/search?lang=en", "cluster") == ["batik"]
    # The cluster a search is narrowed to stays in the list, selected.
    assert _offered(client, "/search?cluster=agro&lang=en", "cluster") == ["batik", "agro"]
    body = client.get("/search?cluster=agro&lang=id").get_data(as_text=True)
    assert '<option value="agro" selected>Pertanian</option>' in body

    # The counts are the kept ones: read once per catalogue generation, not on every search.
    with count_queries() as again:
        client.get("/search?q=batik&lang=en")
    assert _count_reads(again.statements) == 0, again.statements

    # Published again: the cluster is offered on the next search.
    hidden.status = ProductStatus.ACTIVE
    session.commit()
    assert _offered(client, "/search?lang=en", "cluster") == ["batik", "agro"]
