"""search: the rating and best-selling orders within a cluster

A text search sorted by rating or best selling under a cluster filter sorted every match in the
cluster (12,000 for a common word at 100,000 products: 40-80 ms on SQLite), because the window
(the first 1,000 public products in the sort's order, each tested against the full-text index)
walked `ix_products_status_rating` / `ix_products_status_sold` testing the cluster of each row.
These two hold the same orders with the cluster first, so a window walks the cluster's own
products (`storefront.search`: SQLite uses it; PostgreSQL's full match counts exactly, which a
window would turn into "more than N"). A listing of a cluster sorted so reads them too.

Revision ID: 0032_search
Revises: 0030_console_levels
Create Date: 2026-12-06 23:45:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0032_search"
down_revision = "0030_console_levels"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_products_cluster_status_rating",
        "products",
        ["cluster_id", "status", "rating_average", "rating_count", "published_at", "id"],
    )
    op.create_index(
        "ix_products_cluster_status_sold",
        "products",
        ["cluster_id", "status", "units_sold", "published_at", "id"],
    )


def downgrade():
    op.drop_index("ix_products_cluster_status_sold", table_name="products")
    op.drop_index("ix_products_cluster_status_rating", table_name="products")
