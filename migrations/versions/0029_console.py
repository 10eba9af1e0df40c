"""console: running month totals per product for the monitoring's top products (issue 16)

`sales_product_totals` (a product's sales ever, the span of its running rows) and
`sales_month_running` (its sales through the end of each month of that span): a range of whole
months is the difference of two months' rows. Kept by monitoring/summary.py (`_add_running`);
filled here from `sales_month_products` as `summary.running_sql` does (copied: migrations stay as
written). Run `VACUUM ANALYZE sales_month_running, sales_product_totals` afterwards on PostgreSQL
so that the lookups are index-only.

Revision ID: 0029_console
Revises: 0028_checkout
Create Date: 2026-12-06 21:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0029_console"
down_revision = "0028_checkout"
branch_labels = None
depends_on = None


NEXT_MONTH = {
    "postgresql": "CAST(month + interval '1 month' AS DATE)",
    "sqlite": "date(month, '+1 month')",
}


def upgrade():
    op.create_table(
        "sales_product_totals",
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seller_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_month", sa.Date(), nullable=True),
        sa.Column("last_month", sa.Date(), nullable=True),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("sales_idr", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("product_id", "seller_id", name=op.f("pk_sales_product_totals")),
    )
    op.create_table(
        "sales_month_running",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seller_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("sales_idr", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("month", "product_id", "seller_id", name=op.f("pk_sales_month_running")),
    )
    dialect = op.get_bind().dialect.name
    sums = ", ".join(f"sum(COALESCE(s.{name}, 0)) OVER w" for name in ("orders", "units", "sales_idr"))
    op.execute(
        "INSERT INTO sales_product_totals (product_id, seller_id, first_month, last_month, orders, units, "
        "sales_idr) SELECT product_id, seller_id, min(month), max(month), sum(orders), sum(units), "
        "sum(sales_idr) FROM sales_month_products GROUP BY product_id, seller_id"
    )
    op.execute(
        "INSERT INTO sales_month_running (month, product_id, seller_id, orders, units, sales_idr) "
        "WITH RECURSIVE months (month) AS (SELECT min(month) FROM sales_month_products UNION ALL "
        f"SELECT {NEXT_MONTH[dialect]} FROM months "
        "WHERE month < (SELECT max(month) FROM sales_month_products)) "
        f"SELECT m.month, t.product_id, t.seller_id, {sums} FROM sales_product_totals t "
        "JOIN months m ON m.month BETWEEN t.first_month AND t.last_month "
        "LEFT JOIN sales_month_products s ON s.product_id = t.product_id AND s.seller_id = t.seller_id "
        "AND s.month = m.month "
        "WINDOW w AS (PARTITION BY t.product_id, t.seller_id ORDER BY m.month)"
    )
    with op.batch_alter_table("sales_month_running", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sales_month_running_month",
            ["month"],
            unique=False,
            postgresql_include=["product_id", "seller_id", "orders", "units", "sales_idr"],
        )


def downgrade():
    with op.batch_alter_table("sales_month_running", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_month_running_month", postgresql_include=[
            "product_id", "seller_id", "orders", "units", "sales_idr"
        ])  # fmt: skip
    op.drop_table("sales_month_running")
    op.drop_table("sales_product_totals")
