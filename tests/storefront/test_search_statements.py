"""Search statements are built once per shape: another search of the same shape (other words,
other filter values, another page) reuses them and still finds its own results."""

from __future__ import annotations

from marketplace.lru import BoundedLRU
from marketplace.storefront import search as services
from marketplace.storefront import search_statements
from marketplace.storefront.search_params import SearchParams
from tests.factories import make_product


def test_a_search_of_the_same_shape_builds_nothing(session, world, monkeypatch):
    # An empty store of this test's own: the process's may hold these shapes from earlier tests.
    monkeypatch.setattr(search_statements, "_STATEMENTS", BoundedLRU(512))
    batik = make_product(session, seller=world.seller, cluster=world.cluster, title_id="Kain batik")
    kopi = make_product(
        session, seller=world.other_seller, cluster=world.other_cluster, title_id="Kopi bubuk"
    )
    session.commit()

    def found(**params) -> list[int]:
        return [p.id for p in services.search_products(session, SearchParams(per_page=10, **params)).items]

    assert found(q="batik", cluster="batik") == [batik.id]
    stored = search_statements._STATEMENTS.stored
    assert found(q="kopi", cluster="agro") == [kopi.id]
    assert found(q="kopi", cluster="batik") == []
    assert search_statements._STATEMENTS.stored == stored
    assert found(q="batik", village="tambong") == []  # another shape: a village filter
    built_for_village = search_statements._STATEMENTS.stored
    assert built_for_village > stored
    assert found(q="kopi", village="tambong") == [kopi.id]
    assert search_statements._STATEMENTS.stored == built_for_village
