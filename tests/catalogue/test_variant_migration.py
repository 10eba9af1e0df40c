"""Migration 0013_variants moves every product to one default variant, losing nothing, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.extensions import db

NOW = dt.datetime(2026, 11, 1, 3, 0, tzinfo=dt.UTC)


def _dummy(column: sa.Column):
    if isinstance(column.type, sa.Enum):
        return column.type.enums[0]
    python_type = column.type.python_type
    if python_type is bool:
        return False
    if python_type is int:
        return 1
    if python_type is dt.datetime:
        return NOW
    if python_type is dt.date:
        return NOW.date()
    return "x"


def _insert(conn: sa.Connection, table_name: str, **values) -> int:
    """A row with `values`, every other required column filled with a harmless value."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
    for column in table.columns:
        if (
            column.name in values
            or column.nullable
            or column.primary_key
            or column.server_default is not None
        ):
            continue
        values[column.name] = _dummy(column)
    return conn.execute(table.insert().values(**values).returning(table.c.id)).scalar_one()


@pytest.fixture
def migration_database_url(database_url, tmp_path):
    """An empty database of the backend under test. On PostgreSQL a schema of its own in the test
    database (created and dropped in milliseconds, unlike a whole database)."""
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'variants.db'}"
        return
    schema = "migration_variants"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    admin.dispose()


@pytest.mark.slow
def test_each_product_becomes_one_default_variant(migration_database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": migration_database_url, "TESTING": True})
    with app.app_context():
        upgrade(revision="0012_reviews")
        with db.engine.begin() as conn:
            user = _insert(conn, "users", email="s@example.test")
            village = _insert(conn, "regions", kind="desa", slug="kabat", name="Kabat")
            seller = _insert(
                conn, "sellers", user_id=user, village_id=village, slug="shop", status="approved"
            )
            cluster = _insert(conn, "clusters", slug="batik")
            common = {
                "seller_id": seller,
                "cluster_id": cluster,
                "currency": "IDR",
                "created_at": NOW,
                "status": "active",
            }
            shirt = _insert(
                conn, "products", slug="shirt", price_minor=250_000, stock=7, weight_grams=300, **common
            )
            sold_out = _insert(
                conn, "products", slug="gone", price_minor=90_000, stock=0, weight_grams=500, **common
            )
            cart = _insert(conn, "carts", user_id=user)
            _insert(conn, "cart_lines", cart_id=cart, product_id=shirt, quantity=2)
            order = _insert(
                conn,
                "orders",
                number="PD-1",
                checkout_token="t",
                subtotal_minor=1,
                total_minor=1,
                status="awaiting_payment",
                payment_method="bank_transfer",
                shipping_method="courier",
            )
            fulfilment = _insert(conn, "fulfilments", order_id=order, seller_id=seller, status="pending")
            _insert(
                conn,
                "order_lines",
                order_id=order,
                fulfilment_id=fulfilment,
                product_id=shirt,
                seller_id=seller,
                quantity=1,
                unit_price_minor=250_000,
                line_total_minor=250_000,
            )
            _insert(
                conn,
                "order_lines",
                order_id=order,
                fulfilment_id=fulfilment,
                product_id=None,
                seller_id=seller,
                quantity=1,
                unit_price_minor=1,
                line_total_minor=1,
            )
            _insert(
                conn, "stock_movements", product_id=shirt, kind="reserve", quantity_delta=-1, order_id=order
            )
        upgrade()
        with db.engine.connect() as conn:
            variants = conn.execute(
                sa.text(
                    "SELECT product_id, id, stock, price_minor, weight_grams, value1, value2, value3 "
                    "FROM product_variants ORDER BY product_id"
                )
            ).all()
            assert [(v.product_id, v.stock) for v in variants] == [(shirt, 7), (sold_out, 0)]
            # Price and weight stay the product's (None = the product's own), no option values.
            assert {(v.price_minor, v.weight_grams, v.value1, v.value2, v.value3) for v in variants} == {
                (None, None, "", "", "")
            }
            shirt_variant = variants[0].id
            assert conn.execute(sa.text("SELECT variant_id FROM cart_lines")).scalars().all() == [
                shirt_variant
            ]
            assert conn.execute(
                sa.text("SELECT variant_id FROM order_lines ORDER BY id")
            ).scalars().all() == [shirt_variant, None]
            assert conn.execute(sa.text("SELECT variant_id FROM stock_movements")).scalars().all() == [
                shirt_variant
            ]
            assert conn.execute(sa.text("SELECT stock, price_minor FROM products ORDER BY id")).all() == [
                (7, 250_000),
                (0, 90_000),
            ]
        db.engine.dispose()
