"""`tests/built_once.py`: what a later test gets back is what the builder made, row for row."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from marketplace.catalogue.models import Product, Region
from marketplace.extensions import db
from tests.built_once import built_once
from tests.conftest import empty_all_tables
from tests.factories import make_cluster, make_product, make_seller, make_user, make_village


@dataclass
class Stall:
    product: Product
    note: str


def _build_stall(session) -> Stall:
    village = make_village(session, name="Kalirejo", slug="kalirejo")
    cluster = make_cluster(session, slug="agro", name_id="Agro", name_en="Farm produce")
    user = make_user(session, email="stall@example.test")
    seller = make_seller(session, user_id=user.id, village=village, name="Kopi Kalirejo")
    product = make_product(session, seller=seller, cluster=cluster, price_minor=42_000, stock=7)
    session.commit()
    return Stall(product, note="kept as it was")


def _build_restock(session, stall: Stall) -> Stall:
    stall.product.stock = 9  # a row of the fixture it builds on, changed
    session.commit()
    return stall


def _all_rows(session) -> dict[str, list[tuple]]:
    rows = {}
    for table in db.metadata.sorted_tables:
        found = session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        if found:
            rows[table.name] = [tuple(row) for row in found]
    session.commit()
    return rows


def _empty(session) -> None:
    session.commit()
    with session.get_bind().begin() as connection:
        empty_all_tables(connection)
    session.expunge_all()


def test_a_copied_world_is_the_built_one_row_for_row(session):
    built = built_once(session, _build_stall)
    stock = built_once(session, _build_restock, built).product.stock
    rows = _all_rows(session)
    product_id = built.product.id

    _empty(session)
    copied = built_once(session, _build_stall)
    assert copied.note == "kept as it was" and copied.product.id == product_id
    restocked = built_once(session, _build_restock, copied)
    assert restocked.product.stock == stock == 9
    assert _all_rows(session) == rows
    # The copy is in the database, not only in the session's objects.
    assert session.scalar(sa.select(Product.price_minor).where(Product.id == product_id)) == 42_000


def test_a_builder_starting_from_other_rows_is_run_again(session):
    built_once(session, _build_stall)
    _empty(session)
    make_village(session, name="Bareng", slug="bareng")  # not built once: tables start elsewhere
    session.commit()
    again = built_once(session, _build_stall)
    villages = session.scalars(sa.select(Region.slug)).all()
    assert again.product.id is not None and "bareng" in villages and "kalirejo" in villages
