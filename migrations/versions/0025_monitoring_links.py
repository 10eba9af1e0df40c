"""monitoring links: each buyer row's previous day in its group (`sales_day_buyers.prev_day`,
`prev_any_day`, `first_day`) and the top products' month grain (`sales_month_products`) (issue 16)

Distinct buyers of a day range are the range's rows whose previous day is before the range, a
count instead of grouping every row by buyer; the new/repeat split reads the buyer's first day on
the row; both read through covering indexes (index-only scans on PostgreSQL; run VACUUM
ANALYZE on both tables after this migration so that the scans skip the heap). Top products read whole months from `sales_month_products` and only the partial months'
days from `sales_day_products`. Kept by monitoring/summary.py (`relink`, `_by_month`), filled here
as `summary.rebuild_sql` does (copied: migrations stay as written).

Revision ID: 0025_monitoring_links
Revises: 0024_seller_sales
Create Date: 2026-12-06 18:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0025_monitoring_links"
down_revision = "0024_seller_sales"
branch_labels = None
depends_on = None


MONTH_OF_DAY = {
    "postgresql": "CAST(date_trunc('month', day) AS DATE)",
    "sqlite": "date(day, 'start of month')",
}
KEY = ("village_id", "cluster_id", "day", "buyer", "domestic")


def upgrade():
    with op.batch_alter_table("sales_day_buyers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_day", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("prev_any_day", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("first_day", sa.Date(), nullable=True))
    # Rows without orders (an undone payment) keep NULL links, as relink leaves them.
    links = (
        "SELECT village_id, cluster_id, day, buyer, domestic, "
        "lag(day) OVER (PARTITION BY village_id, cluster_id, buyer, domestic ORDER BY day) AS prev_day, "
        "lag(day) OVER (PARTITION BY village_id, cluster_id, buyer ORDER BY day, domestic) AS prev_any_day, "
        "min(CASE WHEN village_id = 0 AND cluster_id = 0 THEN day END) OVER (PARTITION BY buyer) "
        "AS first_day "
        "FROM sales_day_buyers WHERE orders > 0"
    )
    matches = " AND ".join(f"sales_day_buyers.{name} = w.{name}" for name in KEY)
    op.execute(
        "UPDATE sales_day_buyers SET prev_day = w.prev_day, prev_any_day = w.prev_any_day, "
        f"first_day = w.first_day FROM ({links}) AS w WHERE {matches}"
    )
    with op.batch_alter_table("sales_day_buyers", schema=None) as batch_op:
        batch_op.create_index("ix_sales_day_buyers_buyer", ["buyer"], unique=False)
        batch_op.create_index(
            "ix_sales_day_buyers_range",
            ["village_id", "cluster_id", "day"],
            unique=False,
            postgresql_include=[
                "domestic", "orders", "units", "sales_idr", "prev_day", "prev_any_day", "first_day"
            ],
        )  # fmt: skip

    op.create_table(
        "sales_month_products",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seller_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("sales_idr", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("month", "product_id", "seller_id", name=op.f("pk_sales_month_products")),
    )
    with op.batch_alter_table("sales_month_products", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sales_month_products_range",
            ["month"],
            unique=False,
            postgresql_include=["product_id", "seller_id", "orders", "units", "sales_idr"],
        )
    month = MONTH_OF_DAY[op.get_bind().dialect.name]
    op.execute(
        "INSERT INTO sales_month_products (month, product_id, seller_id, orders, units, sales_idr) "
        f"SELECT {month} AS month, product_id, seller_id, sum(orders), sum(units), sum(sales_idr) "
        "FROM sales_day_products GROUP BY 1, product_id, seller_id"
    )


def downgrade():
    op.drop_table("sales_month_products")
    with op.batch_alter_table("sales_day_buyers", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_day_buyers_range")
        batch_op.drop_index("ix_sales_day_buyers_buyer")
        batch_op.drop_column("first_day")
        batch_op.drop_column("prev_any_day")
        batch_op.drop_column("prev_day")
