"""search titles: the seller's desa stored on products, and a title-only FTS5 table (SQLite)

Two things a search at 100,000 products read too much for (issue 16):
- A village filter was a subquery over sellers, so neither the newest-first window nor the
  full-text match could narrow by it early. `products.village_id` copies the seller's desa
  (`storefront.search_index` keeps it: set in the flush that writes a product, moved in the flush
  that moves a shop), indexed (village_id, status, published_at) and (village_id, status,
  price_minor) for the newest and price windows under a village filter; backfilled here.
- SQLite relevance over a word most descriptions hold ranked every match with LIKE on its titles
  (80-215 ms). `products_title_fts` (FTS5, trigram: any 3+ letter substring of either title, as the
  LIKE test finds them) answers "which products have this word in a title?" as PostgreSQL's
  title index does. Kept by triggers like products_fts; filled here with FTS5's 'rebuild'.
The SQL is `search_index.SQLITE_TITLE_STATEMENTS`, copied so the migration stays as written.
PostgreSQL: the column and its indexes only.

Revision ID: 0023_search_titles
Revises: 0022_fulfilment_counts
Create Date: 2026-12-06 15:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023_search_titles"
down_revision = "0022_fulfilment_counts"
branch_labels = None
depends_on = None

SQLITE_TITLE_STATEMENTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS products_title_fts USING fts5("
    "title_id, title_en, content='products', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS products_title_fts_ai AFTER INSERT ON products BEGIN "
    "INSERT INTO products_title_fts(rowid, title_id, title_en) "
    "VALUES (new.id, new.title_id, new.title_en); END",
    "CREATE TRIGGER IF NOT EXISTS products_title_fts_ad AFTER DELETE ON products BEGIN "
    "INSERT INTO products_title_fts(products_title_fts, rowid, title_id, title_en) "
    "VALUES ('delete', old.id, old.title_id, old.title_en); END",
    "CREATE TRIGGER IF NOT EXISTS products_title_fts_au AFTER UPDATE OF title_id, title_en ON products BEGIN "
    "INSERT INTO products_title_fts(products_title_fts, rowid, title_id, title_en) "
    "VALUES ('delete', old.id, old.title_id, old.title_en); "
    "INSERT INTO products_title_fts(rowid, title_id, title_en) "
    "VALUES (new.id, new.title_id, new.title_en); END",
)
SQLITE_TITLE_DROP = (
    "DROP TRIGGER IF EXISTS products_title_fts_au",
    "DROP TRIGGER IF EXISTS products_title_fts_ad",
    "DROP TRIGGER IF EXISTS products_title_fts_ai",
    "DROP TABLE IF EXISTS products_title_fts",
)


def upgrade():
    # A plain ADD COLUMN on both databases (no batch copy on SQLite: it would drop the full-text
    # triggers); no foreign key, as in the model: the column is a copy of sellers.village_id.
    op.add_column("products", sa.Column("village_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE products SET village_id ="
        " (SELECT sellers.village_id FROM sellers WHERE sellers.id = products.seller_id)"
    )
    op.create_index(
        "ix_products_village_status_published", "products", ["village_id", "status", "published_at"]
    )
    op.create_index("ix_products_village_status_price", "products", ["village_id", "status", "price_minor"])
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TITLE_STATEMENTS:
            op.execute(statement)
        op.execute("INSERT INTO products_title_fts(products_title_fts) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TITLE_DROP:
            op.execute(statement)
    op.drop_index("ix_products_village_status_price", table_name="products")
    op.drop_index("ix_products_village_status_published", table_name="products")
    op.drop_column("products", "village_id")
