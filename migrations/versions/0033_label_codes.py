"""label codes: each product's verified label types and their validity on its row

A search under a label filter (`label=halal`) on PostgreSQL started from the label's products
(8,000 at 100,000 products), looked each up by id and sorted them before testing a word: 30-85 ms
of the stream's tail (issue 16). `products.label_codes` holds " code :YYYYMMDD ... " - every type
the product has a verified label of, with the furthest `valid_until` among them (99991231: no end)
- so the filter tests the row, and expiry still needs no job (the date is compared with today).
Kept by triggers on product_labels (insert, delete, update of status / type / product / validity
of a verified label) and label_types (a code renamed), whatever writes them; PostgreSQL gets a GIN
index over the row's words so a label's products are an index lookup. Backfilled here.
The SQL is `labels.label_codes`' (copied, so the migration stays as written).

Revision ID: 0033_label_codes
Revises: 0032_search
Create Date: 2026-12-07 03:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033_label_codes"
down_revision = "0032_search"
branch_labels = None
depends_on = None

SQLITE_STATEMENTS = (
    "CREATE TRIGGER IF NOT EXISTS product_labels_codes_ai AFTER INSERT ON product_labels WHEN NEW.status = 'verified' BEGIN UPDATE products SET label_codes = coalesce((SELECT ' ' || group_concat(token, ' ') || ' ' FROM (SELECT lt.code || ' :' || replace(max(coalesce(pl.valid_until, '9999-12-31')), '-', '') AS token FROM product_labels pl JOIN label_types lt ON lt.id = pl.label_type_id WHERE pl.product_id = products.id AND pl.status = 'verified' GROUP BY lt.code ORDER BY lt.code) AS tokens), '') WHERE products.id = NEW.product_id; END",
    "CREATE TRIGGER IF NOT EXISTS product_labels_codes_ad AFTER DELETE ON product_labels WHEN OLD.status = 'verified' BEGIN UPDATE products SET label_codes = coalesce((SELECT ' ' || group_concat(token, ' ') || ' ' FROM (SELECT lt.code || ' :' || replace(max(coalesce(pl.valid_until, '9999-12-31')), '-', '') AS token FROM product_labels pl JOIN label_types lt ON lt.id = pl.label_type_id WHERE pl.product_id = products.id AND pl.status = 'verified' GROUP BY lt.code ORDER BY lt.code) AS tokens), '') WHERE products.id = OLD.product_id; END",
    "CREATE TRIGGER IF NOT EXISTS product_labels_codes_au AFTER UPDATE OF status, label_type_id, product_id, valid_until ON product_labels WHEN OLD.status = 'verified' OR NEW.status = 'verified' BEGIN UPDATE products SET label_codes = coalesce((SELECT ' ' || group_concat(token, ' ') || ' ' FROM (SELECT lt.code || ' :' || replace(max(coalesce(pl.valid_until, '9999-12-31')), '-', '') AS token FROM product_labels pl JOIN label_types lt ON lt.id = pl.label_type_id WHERE pl.product_id = products.id AND pl.status = 'verified' GROUP BY lt.code ORDER BY lt.code) AS tokens), '') WHERE products.id = OLD.product_id; UPDATE products SET label_codes = coalesce((SELECT ' ' || group_concat(token, ' ') || ' ' FROM (SELECT lt.code || ' :' || replace(max(coalesce(pl.valid_until, '9999-12-31')), '-', '') AS token FROM product_labels pl JOIN label_types lt ON lt.id = pl.label_type_id WHERE pl.product_id = products.id AND pl.status = 'verified' GROUP BY lt.code ORDER BY lt.code) AS tokens), '') WHERE products.id = NEW.product_id; END",
    "CREATE TRIGGER IF NOT EXISTS label_types_codes_au AFTER UPDATE OF code ON label_types WHEN OLD.code <> NEW.code BEGIN UPDATE products SET label_codes = coalesce((SELECT ' ' || group_concat(token, ' ') || ' ' FROM (SELECT lt.code || ' :' || replace(max(coalesce(pl.valid_until, '9999-12-31')), '-', '') AS token FROM product_labels pl JOIN label_types lt ON lt.id = pl.label_type_id WHERE pl.product_id = products.id AND pl.status = 'verified' GROUP BY lt.code ORDER BY lt.code) AS tokens), '') WHERE products.id IN (SELECT product_id FROM product_labels WHERE label_type_id = NEW.id AND status = 'verified'); END",
)

SQLITE_DROP = (
    'DROP TRIGGER IF EXISTS label_types_codes_au',
    'DROP TRIGGER IF EXISTS product_labels_codes_au',
    'DROP TRIGGER IF EXISTS product_labels_codes_ad',
    'DROP TRIGGER IF EXISTS product_labels_codes_ai',
)

POSTGRES_STATEMENTS = (
    "CREATE OR REPLACE FUNCTION product_labels_codes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP <> 'INSERT' THEN UPDATE products SET label_codes = coalesce((SELECT ' ' || string_agg(token, ' ' ORDER BY token) || ' ' FROM (SELECT lt.code || ' :' || to_char(max(coalesce(pl.valid_until, DATE '9999-12-31')), 'YYYYMMDD') AS token FROM product_labels pl JOIN label_types lt ON lt.id = pl.label_type_id WHERE pl.product_id = products.id AND pl.status = 'verified' GROUP BY lt.code ORDER BY lt.code) AS tokens), '') WHERE products.id = OLD.product_id; END IF; IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.product_id <> OLD.product_id) THEN UPDATE products SET label_codes = coalesce((SELECT ' ' || string_agg(token, ' ' ORDER BY token) || ' ' FROM (SELECT lt.code || ' :' || to_char(max(coalesce(pl.valid_until, DATE '9999-12-31')), 'YYYYMMDD') AS token FROM product_labels pl JOIN label_types lt ON lt.id = pl.label_type_id WHERE pl.product_id = products.id AND pl.status = 'verified' GROUP BY lt.code ORDER BY lt.code) AS tokens), '') WHERE products.id = NEW.product_id; END IF; RETURN NULL; END $$",
    "CREATE OR REPLACE TRIGGER product_labels_codes_ai AFTER INSERT ON product_labels FOR EACH ROW WHEN (NEW.status = 'verified') EXECUTE FUNCTION product_labels_codes()",
    "CREATE OR REPLACE TRIGGER product_labels_codes_ad AFTER DELETE ON product_labels FOR EACH ROW WHEN (OLD.status = 'verified') EXECUTE FUNCTION product_labels_codes()",
    "CREATE OR REPLACE TRIGGER product_labels_codes_au AFTER UPDATE OF status, label_type_id, product_id, valid_until ON product_labels FOR EACH ROW WHEN (OLD.status = 'verified' OR NEW.status = 'verified') EXECUTE FUNCTION product_labels_codes()",
    "CREATE OR REPLACE FUNCTION label_types_codes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE products SET label_codes = coalesce((SELECT ' ' || string_agg(token, ' ' ORDER BY token) || ' ' FROM (SELECT lt.code || ' :' || to_char(max(coalesce(pl.valid_until, DATE '9999-12-31')), 'YYYYMMDD') AS token FROM product_labels pl JOIN label_types lt ON lt.id = pl.label_type_id WHERE pl.product_id = products.id AND pl.status = 'verified' GROUP BY lt.code ORDER BY lt.code) AS tokens), '') WHERE products.id IN (SELECT product_id FROM product_labels WHERE label_type_id = NEW.id AND status = 'verified'); RETURN NULL; END $$",
    'CREATE OR REPLACE TRIGGER label_types_codes_au AFTER UPDATE OF code ON label_types FOR EACH ROW WHEN (OLD.code <> NEW.code) EXECUTE FUNCTION label_types_codes()',
    "CREATE INDEX IF NOT EXISTS ix_products_label_codes ON products USING gin (string_to_array(label_codes, ' '))",
)

POSTGRES_DROP = (
    'DROP INDEX IF EXISTS ix_products_label_codes',
    'DROP TRIGGER IF EXISTS label_types_codes_au ON label_types',
    'DROP FUNCTION IF EXISTS label_types_codes() CASCADE',
    'DROP FUNCTION IF EXISTS product_labels_codes() CASCADE',
)

BACKFILL = {
    'sqlite': "UPDATE products SET label_codes = coalesce((SELECT ' ' || group_concat(token, ' ') || ' ' FROM (SELECT lt.code || ' :' || replace(max(coalesce(pl.valid_until, '9999-12-31')), '-', '') AS token FROM product_labels pl JOIN label_types lt ON lt.id = pl.label_type_id WHERE pl.product_id = products.id AND pl.status = 'verified' GROUP BY lt.code ORDER BY lt.code) AS tokens), '') WHERE label_codes IS NOT coalesce((SELECT ' ' || group_concat(token, ' ') || ' ' FROM (SELECT lt.code || ' :' || replace(max(coalesce(pl.valid_until, '9999-12-31')), '-', '') AS token FROM product_labels pl JOIN label_types lt ON lt.id = pl.label_type_id WHERE pl.product_id = products.id AND pl.status = 'verified' GROUP BY lt.code ORDER BY lt.code) AS tokens), '')",
    'postgresql': "UPDATE products SET label_codes = coalesce((SELECT ' ' || string_agg(token, ' ' ORDER BY token) || ' ' FROM (SELECT lt.code || ' :' || to_char(max(coalesce(pl.valid_until, DATE '9999-12-31')), 'YYYYMMDD') AS token FROM product_labels pl JOIN label_types lt ON lt.id = pl.label_type_id WHERE pl.product_id = products.id AND pl.status = 'verified' GROUP BY lt.code ORDER BY lt.code) AS tokens), '') WHERE label_codes IS DISTINCT FROM coalesce((SELECT ' ' || string_agg(token, ' ' ORDER BY token) || ' ' FROM (SELECT lt.code || ' :' || to_char(max(coalesce(pl.valid_until, DATE '9999-12-31')), 'YYYYMMDD') AS token FROM product_labels pl JOIN label_types lt ON lt.id = pl.label_type_id WHERE pl.product_id = products.id AND pl.status = 'verified' GROUP BY lt.code ORDER BY lt.code) AS tokens), '')",
}


def upgrade():
    dialect = op.get_bind().dialect.name
    # A plain ADD COLUMN on both databases (no batch copy on SQLite: it would drop the full-text
    # triggers of products).
    op.add_column("products", sa.Column("label_codes", sa.Text(), nullable=False, server_default=""))
    op.execute(BACKFILL[dialect])
    for statement in SQLITE_STATEMENTS if dialect == "sqlite" else POSTGRES_STATEMENTS:
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DROP if dialect == "sqlite" else POSTGRES_DROP:
        op.execute(statement)
    op.drop_column("products", "label_codes")
