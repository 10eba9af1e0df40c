"""sort columns: the rating average stored beside its counters, and indexes for the rating and
best-selling sorts

The rating sort ordered by a CASE expression over `rating_sum / rating_count` and best selling by
`units_sold`, with no index in either order: every public product (or every match of a common word)
was sorted for one page (100-275 ms at 100,000 products). `rating_average` is a generated column
(the average in 10^-12 stars, floored, 0 without reviews: the fraction's own order for products of
up to a million reviews) computed by the database in the statement that changes the counters, so
it needs no code to keep it and the ALTER fills it for existing rows (the backfill); PostgreSQL
stores it (the ALTER rewrites the table), SQLite computes it on read and stores it in the index.
The indexes hold each sort's whole order, newest and id last. The expression is
`catalogue.models.RATING_AVERAGE_SQL`, copied so the migration stays as written.

Revision ID: 0021_sort_columns
Revises: 0020_sales_summary
Create Date: 2026-12-06 13:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_sort_columns"
down_revision = "0020_sales_summary"
branch_labels = None
depends_on = None

RATING_AVERAGE_SQL = (
    "CASE WHEN rating_count > 0 THEN (rating_sum / rating_count) * 1000000000000"
    " + (rating_sum % rating_count) * 1000000000000 / rating_count ELSE 0 END"
)


def upgrade():
    # Plain ALTER TABLE ... ADD COLUMN on both databases: SQLite can add only a virtual generated
    # column in place (the model's is stored: same values; copying the table to make it stored
    # would drop the full-text triggers), PostgreSQL only a stored one.
    stored = op.get_bind().dialect.name != "sqlite"
    op.add_column(
        "products",
        sa.Column(
            "rating_average", sa.BigInteger(), sa.Computed(RATING_AVERAGE_SQL, persisted=stored or None)
        ),
    )
    op.create_index(
        "ix_products_status_rating",
        "products",
        ["status", "rating_average", "rating_count", "published_at", "id"],
    )
    op.create_index("ix_products_status_sold", "products", ["status", "units_sold", "published_at", "id"])


def downgrade():
    op.drop_index("ix_products_status_sold", table_name="products")
    op.drop_index("ix_products_status_rating", table_name="products")
    op.drop_column("products", "rating_average")
