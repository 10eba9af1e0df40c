"""`products.label_codes`: the product's verified label types and how long each is valid, on its row.

Format: " halal :20271216 kurasi :99991231 " - each type code (lowercase letters, digits, dots,
dashes, underscores: no space or colon) followed by its furthest `valid_until` among the product's
verified labels of that type as ":YYYYMMDD" (":99991231" when one has no end), ordered by code,
space-separated with a space at each end; "" without verified labels. A label of that type is
visible on day D exactly when its date is D or later, so a search tests the row it reads
(`visibility.has_listed_label_filter`) and expiry still needs no job.

Kept by database triggers on `product_labels` (a label inserted, verified, rejected, moved,
re-dated or deleted, whatever writes it: the ORM, `decide_label`'s conditional UPDATE, a bulk
insert) and on `label_types` (a code renamed), in the statement that makes the change. On
PostgreSQL a GIN index over the row's words (`ix_products_label_codes`) finds a label's products.
The statements are here for the metadata's `create_all` (tests) and copied by migration
0033_label_codes.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event

from marketplace.labels.models import LabelStatus, ProductLabel

#: No end date, as the stored date (later than any real one).
NO_END = "99991231"

_VERIFIED = f"'{LabelStatus.VERIFIED.value}'"


def label_codes_sql(dialect: str, product_id: str) -> str:
    """SQL of the `label_codes` value of the product whose id is the SQL `product_id`."""
    if dialect == "postgresql":
        day = "to_char(max(coalesce(pl.valid_until, DATE '9999-12-31')), 'YYYYMMDD')"
        joined = "string_agg(token, ' ' ORDER BY token)"
    else:
        day = "replace(max(coalesce(pl.valid_until, '9999-12-31')), '-', '')"
        joined = "group_concat(token, ' ')"  # the tokens come ordered from the subquery
    return (
        f"coalesce((SELECT ' ' || {joined} || ' ' FROM ("  # noqa: S608 (our own SQL fragments, no input)
        f"SELECT lt.code || ' :' || {day} AS token"
        " FROM product_labels pl JOIN label_types lt ON lt.id = pl.label_type_id"
        f" WHERE pl.product_id = {product_id} AND pl.status = {_VERIFIED}"
        " GROUP BY lt.code ORDER BY lt.code) AS tokens), '')"
    )


def _refresh(dialect: str, product_id: str) -> str:
    return (
        f"UPDATE products SET label_codes = {label_codes_sql(dialect, 'products.id')}"  # noqa: S608
        f" WHERE products.id = {product_id}"
    )


def _renamed(dialect: str) -> str:
    return (
        f"UPDATE products SET label_codes = {label_codes_sql(dialect, 'products.id')}"  # noqa: S608
        " WHERE products.id IN (SELECT product_id FROM product_labels"
        f" WHERE label_type_id = NEW.id AND status = {_VERIFIED})"
    )


#: Which label writes can change a product's value: a verified label added, removed or changed.
_LABEL_COLUMNS = "status, label_type_id, product_id, valid_until"

SQLITE_STATEMENTS = (
    "CREATE TRIGGER IF NOT EXISTS product_labels_codes_ai AFTER INSERT ON product_labels"
    f" WHEN NEW.status = {_VERIFIED} BEGIN {_refresh('sqlite', 'NEW.product_id')}; END",
    "CREATE TRIGGER IF NOT EXISTS product_labels_codes_ad AFTER DELETE ON product_labels"
    f" WHEN OLD.status = {_VERIFIED} BEGIN {_refresh('sqlite', 'OLD.product_id')}; END",
    f"CREATE TRIGGER IF NOT EXISTS product_labels_codes_au AFTER UPDATE OF {_LABEL_COLUMNS}"
    f" ON product_labels WHEN OLD.status = {_VERIFIED} OR NEW.status = {_VERIFIED} BEGIN"
    f" {_refresh('sqlite', 'OLD.product_id')}; {_refresh('sqlite', 'NEW.product_id')}; END",
    "CREATE TRIGGER IF NOT EXISTS label_types_codes_au AFTER UPDATE OF code ON label_types"
    f" WHEN OLD.code <> NEW.code BEGIN {_renamed('sqlite')}; END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS label_types_codes_au",
    "DROP TRIGGER IF EXISTS product_labels_codes_au",
    "DROP TRIGGER IF EXISTS product_labels_codes_ad",
    "DROP TRIGGER IF EXISTS product_labels_codes_ai",
)

_PG_LABEL_FUNCTION = (
    "CREATE OR REPLACE FUNCTION product_labels_codes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    f" IF TG_OP <> 'INSERT' THEN {_refresh('postgresql', 'OLD.product_id')}; END IF;"
    " IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.product_id <> OLD.product_id) THEN"
    f" {_refresh('postgresql', 'NEW.product_id')}; END IF;"
    " RETURN NULL; END $$"
)
_PG_TYPE_FUNCTION = (
    "CREATE OR REPLACE FUNCTION label_types_codes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    f" {_renamed('postgresql')}; RETURN NULL; END $$"
)
#: The GIN index over the row's words ('halal', ':20271216'…): a label's products by index.
POSTGRES_INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS ix_products_label_codes ON products"
    " USING gin (string_to_array(label_codes, ' '))"
)
POSTGRES_STATEMENTS = (
    _PG_LABEL_FUNCTION,
    "CREATE OR REPLACE TRIGGER product_labels_codes_ai AFTER INSERT ON product_labels FOR EACH ROW"
    f" WHEN (NEW.status = {_VERIFIED}) EXECUTE FUNCTION product_labels_codes()",
    "CREATE OR REPLACE TRIGGER product_labels_codes_ad AFTER DELETE ON product_labels FOR EACH ROW"
    f" WHEN (OLD.status = {_VERIFIED}) EXECUTE FUNCTION product_labels_codes()",
    f"CREATE OR REPLACE TRIGGER product_labels_codes_au AFTER UPDATE OF {_LABEL_COLUMNS} ON product_labels"
    f" FOR EACH ROW WHEN (OLD.status = {_VERIFIED} OR NEW.status = {_VERIFIED})"
    " EXECUTE FUNCTION product_labels_codes()",
    _PG_TYPE_FUNCTION,
    "CREATE OR REPLACE TRIGGER label_types_codes_au AFTER UPDATE OF code ON label_types FOR EACH ROW"
    " WHEN (OLD.code <> NEW.code) EXECUTE FUNCTION label_types_codes()",
    POSTGRES_INDEX_SQL,
)
POSTGRES_DROP = (
    "DROP INDEX IF EXISTS ix_products_label_codes",
    "DROP TRIGGER IF EXISTS label_types_codes_au ON label_types",
    "DROP FUNCTION IF EXISTS label_types_codes() CASCADE",
    "DROP FUNCTION IF EXISTS product_labels_codes() CASCADE",
)


def create_label_codes_sql(dialect: str) -> tuple[str, ...]:
    return {"sqlite": SQLITE_STATEMENTS, "postgresql": POSTGRES_STATEMENTS}.get(dialect, ())


def drop_label_codes_sql(dialect: str) -> tuple[str, ...]:
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, ())


def backfill_sql(dialect: str) -> str:
    """One UPDATE setting every product's value (the migration's backfill; `rebuild_label_codes`)."""
    fresh = label_codes_sql(dialect, "products.id")
    differs = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return f"UPDATE products SET label_codes = {fresh} WHERE label_codes {differs} {fresh}"  # noqa: S608


def rebuild_label_codes(connection: sa.Connection) -> int:
    """Rewrite the rows whose `label_codes` differs from their labels (rows written before the
    triggers, or with them disabled); returns how many."""
    return connection.exec_driver_sql(backfill_sql(connection.dialect.name)).rowcount


# The label types and products tables exist by then (product_labels refers to both).
@event.listens_for(ProductLabel.__table__, "after_create")
def _create_upkeep(target, connection, **kw):
    for statement in create_label_codes_sql(connection.dialect.name):
        connection.exec_driver_sql(statement)


@event.listens_for(ProductLabel.__table__, "before_drop")
def _drop_upkeep(target, connection, **kw):
    for statement in drop_label_codes_sql(connection.dialect.name):
        connection.exec_driver_sql(statement)
