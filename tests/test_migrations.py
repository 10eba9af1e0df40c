"""The migrations build exactly the models' schema, on SQLite and on PostgreSQL, and undo cleanly."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from marketplace import create_app
from marketplace.extensions import db
from marketplace.storefront.search_index import include_in_migrations


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """A database of the same backend as `database_url`, but empty and private to this test."""
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"{url.database}_migrations"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _schema_diff(connection: sa.Connection) -> list:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": include_in_migrations}
    )
    return compare_metadata(context, db.metadata)


@pytest.mark.slow
def test_migrations_match_models_and_downgrade(empty_database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "TESTING": True})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            assert _schema_diff(connection) == []
            inspector = sa.inspect(connection)
            if connection.dialect.name == "sqlite":
                assert "products_fts" in inspector.get_table_names()
            else:
                indexes = {ix["name"] for ix in inspector.get_indexes("products")}
                assert "ix_products_search" in indexes
                columns = {column["name"] for column in inspector.get_columns("products")}
                assert "search_vector" in columns
        downgrade(revision="base")
        with db.engine.connect() as connection:
            remaining = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
            assert remaining == set()
        db.engine.dispose()
