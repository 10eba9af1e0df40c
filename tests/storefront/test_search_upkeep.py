"""What search keeps beside the products: the title index (SQLite's products_title_fts, which
relevance asks for words in titles) and the seller's desa copied onto each product (the village
filter), through inserts, renames, deletes, status changes and a shop moving to another desa."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product, ProductStatus
from marketplace.storefront import search as services
from marketplace.storefront import search_index
from marketplace.storefront.search_params import SearchParams
from marketplace.types import utcnow
from tests.factories import make_product, make_seller, make_village


def _title_rows(session, word: str) -> set[int]:
    """Rows of the title index holding `word` (SQLite), or of the title GIN index (PostgreSQL)."""
    if session.get_bind().dialect.name == "sqlite":
        sql = "SELECT rowid FROM products_title_fts WHERE products_title_fts MATCH :q"
        return set(session.scalars(sa.text(sql), {"q": f'"{word}"'}))
    sql = (
        "SELECT id FROM products WHERE to_tsvector('simple'::regconfig,"
        " coalesce(title_id, '') || ' ' || coalesce(title_en, '')) @@ to_tsquery('simple', :q)"
    )
    return set(session.scalars(sa.text(sql), {"q": word}))


def _relevance_ids(session, q: str) -> list[int]:
    return [
        p.id
        for p in services.search_products(session, SearchParams(q=q, sort="relevance", per_page=10)).items
    ]


@pytest.fixture
def titled_path(monkeypatch):
    """A window of one product: relevance over several matches asks the title index."""
    monkeypatch.setattr(services, "SEARCH_WINDOW", 1)
    monkeypatch.setattr(services, "SQLITE_TITLED_MIN_MATCHES", 0)


def test_title_index_follows_insert_rename_delete(session, world, titled_path):
    now = utcnow()
    older = make_product(
        session, seller=world.seller, cluster=world.cluster, title_id="Tikar mendong",
        description_id="Anyaman rapi.", published_at=now - timedelta(days=2),
    )  # fmt: skip
    plain = make_product(
        session, seller=world.seller, cluster=world.cluster, title_id="Keranjang bambu",
        description_id="Cocok dengan tikar mendong.", published_at=now - timedelta(days=1),
    )  # fmt: skip
    newer = make_product(
        session, seller=world.seller, cluster=world.cluster, title_id="Tas mendong",
        description_id="Ringan.", published_at=now,
    )  # fmt: skip
    session.commit()
    assert _title_rows(session, "mendong") == {older.id, newer.id}
    # The titled first (newest first), then the description-only match.
    assert _relevance_ids(session, "mendong") == [newer.id, older.id, plain.id]

    newer.title_id = "Tas pandan"
    newer.title_en = "Pandan bag"
    session.commit()
    assert _title_rows(session, "mendong") == {older.id}
    assert _title_rows(session, "pandan") == {newer.id}
    assert _relevance_ids(session, "mendong") == [older.id, plain.id]

    session.delete(older)
    session.commit()
    assert _title_rows(session, "mendong") == set()
    assert _relevance_ids(session, "mendong") == [plain.id]


def test_title_index_and_status_changes(session, world, titled_path):
    now = utcnow()
    made = [
        make_product(
            session,
            seller=world.seller,
            cluster=world.cluster,
            title_id=f"Udeng pandan {n}",
            published_at=now - timedelta(hours=n),
        )  # fmt: skip
        for n in range(3)
    ]
    session.commit()
    made[0].status = ProductStatus.DRAFT
    session.commit()
    # The index keeps every product; the search's own filters hide the draft.
    assert _title_rows(session, "pandan") == {p.id for p in made}
    assert _relevance_ids(session, "pandan") == [made[1].id, made[2].id]
    made[0].status = ProductStatus.ACTIVE
    session.commit()
    assert _relevance_ids(session, "pandan") == [p.id for p in made]


def test_new_products_store_their_sellers_village(session, world):
    product = make_product(session, seller=world.seller, cluster=world.cluster)
    fresh = make_product(session)  # a new seller in a new desa, written in the same flush
    session.commit()
    assert product.village_id == world.village.id
    assert fresh.village_id is not None and fresh.village_id == fresh.seller.village_id
    product.seller_id = world.other_seller.id
    session.commit()
    session.expire_all()
    assert session.get(Product, product.id).village_id == world.other_village.id


def test_stored_village_follows_a_shop_that_moves(session, world):
    products = [
        make_product(session, seller=world.seller, cluster=world.cluster, title_id=f"Batik tulis {n}")
        for n in range(2)
    ]
    other = make_product(session, seller=world.other_seller, cluster=world.cluster, title_id="Batik cap")
    session.commit()
    loaded = session.get(Product, products[0].id)  # in the session while the shop moves

    def village_ids(slug: str) -> set[int]:
        params = SearchParams(q="batik", village=slug, per_page=10)
        return {p.id for p in services.search_products(session, params).items}

    assert village_ids("pakistaji") == {p.id for p in products}
    destination = make_village(session, name="Gombolirang", slug="gombolirang", parent=world.kecamatan)
    session.commit()
    world.seller.village_id = destination.id
    session.flush()
    # The same flush moved every product of the shop, the loaded one too (not marked changed).
    assert loaded.village_id == destination.id and loaded not in session.dirty
    stored = session.execute(
        sa.select(Product.id, Product.village_id).where(Product.seller_id == world.seller.id)
    )
    assert dict(stored.all()) == {p.id: destination.id for p in products}
    session.commit()
    assert village_ids("pakistaji") == set()
    assert village_ids("gombolirang") == {p.id for p in products}
    assert village_ids("tambong") == {other.id}
    assert session.get(Product, other.id).village_id == world.other_village.id


def test_a_shop_moved_through_its_relationship(session, world):
    product = make_product(session, seller=world.seller, cluster=world.cluster)
    session.commit()
    world.seller.village = make_village(session, _flush=False, name="Macan Putih", slug="macan-putih")
    session.commit()
    session.expire_all()
    moved = session.get(Product, product.id)
    assert moved.village_id == moved.seller.village_id and moved.seller.village.slug == "macan-putih"


def test_new_seller_of_an_existing_village(session, world):
    seller = make_seller(session, _flush=False, village=world.other_village)
    product = make_product(session, seller=seller, cluster=world.cluster)
    session.commit()
    assert product.village_id == world.other_village.id


def _found(session, q: str) -> set[int]:
    return {p.id for p in services.search_products(session, SearchParams(q=q, per_page=10)).items}


def _stored_text(session, product_id: int) -> str:
    return session.scalar(sa.select(Product.search_text).where(Product.id == product_id))


def test_search_text_follows_a_shop_that_moves(session, world):
    products = [
        make_product(session, seller=world.seller, cluster=world.cluster, title_id=f"Udeng {n}")
        for n in range(2)
    ]
    other = make_product(session, seller=world.other_seller, cluster=world.cluster, title_id="Udeng tani")
    session.commit()
    loaded = session.get(Product, products[0].id)
    assert "Pakistaji" in loaded.search_text
    destination = make_village(session, name="Gombolirang", slug="gombolirang", parent=world.kecamatan)
    session.commit()

    world.seller.village_id = destination.id
    session.flush()
    assert loaded not in session.dirty
    session.commit()
    assert _found(session, "gombolirang") == {p.id for p in products}
    assert _found(session, "pakistaji") == set()
    assert _found(session, "tambong") == {other.id}
    # The loaded product reads the stored text, which is what the Python hook would build.
    assert "Gombolirang" in loaded.search_text and "Pakistaji" not in loaded.search_text
    for product in products:
        assert _stored_text(session, product.id) == search_index.build_search_text(product, session)


def test_search_text_follows_a_move_to_a_new_desa_through_the_relationship(session, world):
    product = make_product(session, seller=world.seller, cluster=world.cluster)
    session.commit()
    world.seller.village = make_village(session, _flush=False, name="Macan Putih", slug="macan-putih")
    session.commit()
    assert _found(session, "macan putih") == {product.id}
    assert _found(session, "pakistaji") == set()


def test_search_text_follows_a_shop_renamed(session, world):
    product = make_product(session, seller=world.seller, cluster=world.cluster, title_id="Tas anyaman")
    other = make_product(session, seller=world.other_seller, cluster=world.cluster, title_id="Tas pandan")
    session.commit()
    assert _found(session, "sekar") == {product.id}
    world.seller.name = "Omah Gandrung"
    session.commit()
    assert _found(session, "gandrung") == {product.id}
    assert _found(session, "sekar") == set()
    assert _found(session, "tani") == {other.id}
    assert _stored_text(session, product.id) == search_index.build_search_text(product, session)


def test_search_text_follows_a_desa_renamed(session, world):
    product = make_product(session, seller=world.seller, cluster=world.cluster, title_id="Kopi robusta")
    other = make_product(session, seller=world.other_seller, cluster=world.cluster, title_id="Kopi luwak")
    session.commit()
    assert _found(session, "pakistaji") == {product.id}
    world.village.name = "Pakis Aji"
    session.commit()
    assert _found(session, "aji") == {product.id}
    assert _found(session, "pakistaji") == set()
    assert _found(session, "tambong") == {other.id}
    assert _stored_text(session, other.id) == search_index.build_search_text(other, session)


def test_search_text_follows_a_cluster_renamed(session, world):
    product = make_product(session, seller=world.seller, cluster=world.other_cluster, title_id="Beras merah")
    session.commit()
    world.other_cluster.name_id = "Hasil bumi"
    world.other_cluster.name_en = "Harvest"
    session.commit()
    assert _found(session, "harvest") == {product.id}
    assert _found(session, "pertanian") == set()


def test_search_text_sql_matches_the_hook(session, world):
    """The set-based rebuild writes exactly what `build_search_text` would, empty parts skipped."""
    bare = make_product(
        session, seller=world.seller, cluster=world.cluster, title_id="Kain", title_en="",
        description_id="", description_en="Line one\nline two",
    )  # fmt: skip
    full = make_product(
        session, seller=world.seller, cluster=world.other_cluster, title_id="Kain batik",
        title_en="Batik cloth", description_id="Tulis.", description_en="Hand-drawn.",
    )  # fmt: skip
    session.commit()
    expected = {p.id: p.search_text for p in (bare, full)}
    table = Product.__table__
    session.execute(
        sa.update(table).where(table.c.id.in_(expected)).values(search_text=search_index._search_text_sql())
    )
    stored = dict(
        session.execute(sa.select(table.c.id, table.c.search_text).where(table.c.id.in_(expected))).all()
    )
    assert stored == expected


def test_rebuild_text_command_repairs_only_stale_rows(app, session, world):
    """Text left stale by a rename before renames were followed (here: by raw SQL, which no hook
    sees) is repaired by `flask search rebuild-text`, which writes the stale rows only."""
    stale = make_product(session, seller=world.seller, cluster=world.cluster, title_id="Sarung tenun")
    fresh = make_product(session, seller=world.other_seller, cluster=world.cluster, title_id="Sarung")
    session.commit()
    sellers = world.seller.__table__
    session.execute(sa.update(sellers).where(sellers.c.id == world.seller.id).values(name="Omah Gandrung"))
    session.commit()
    assert _found(session, "gandrung") == set()

    result = app.test_cli_runner().invoke(args=["search", "rebuild-text"])
    assert result.exit_code == 0, result.output
    assert "search text rebuilt for 1 product(s)" in result.output
    session.expire_all()
    assert _found(session, "gandrung") == {stale.id}
    assert _found(session, "sekar") == set()
    assert _stored_text(session, fresh.id) == search_index.build_search_text(fresh, session)
    again = app.test_cli_runner().invoke(args=["search", "rebuild-text"])
    assert "search text rebuilt for 0 product(s)" in again.output
