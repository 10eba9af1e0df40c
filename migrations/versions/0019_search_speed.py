"""search speed: a GIN index on the titles' words (PostgreSQL), for relevance without a full scan

A search word most descriptions hold but few titles ("dibuat", "packed") made relevance read every
match (~100 ms at 100,000 products) to find the ones with the word in a title; this index answers
that directly. The SQL is `search_index.POSTGRES_TITLE_INDEX_SQL`, copied so the migration stays
as written. SQLite: nothing.

Revision ID: 0019_search_speed
Revises: 0018_checkout_speed
Create Date: 2026-12-06 11:40:00

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0019_search_speed"
down_revision = "0018_checkout_speed"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_products_search_title ON products USING gin ("
            "(to_tsvector('simple'::regconfig, coalesce(title_id, '') || ' ' || coalesce(title_en, ''))))"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_products_search_title")
