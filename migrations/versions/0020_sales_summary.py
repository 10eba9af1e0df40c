"""sales summary: the monitoring dashboard's paid sales per Jakarta day, by village × cluster and
by product; each parcel's slowest product days (issue 16)

`fulfilments.slowest_days` (orders/lateness.py) spares the on-time share a join of every parcel
with its lines.

`sales_day_groups`, `sales_day_buyers` (with `sales_buyers`, each buyer's first paid day) and
`sales_day_products`, kept by `monitoring/summary.py` where orders become
paid and where a payment confirmation is undone, filled here from the paid order lines with the
statements of `summary.rebuild_sql`, copied so the migration stays as written.

Revision ID: 0020_sales_summary
Revises: 0019_search_speed
Create Date: 2026-12-06 13:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020_sales_summary"
down_revision = "0019_search_speed"
branch_labels = None
depends_on = None


# The Jakarta day of a UTC time (WIB is UTC+7 all year), per database, for the backfill.
JAKARTA_DAY = {
    "postgresql": "CAST(o.paid_at AT TIME ZONE 'Asia/Jakarta' AS DATE)",
    "sqlite": "date(o.paid_at, '+7 hours')",
}
ANY, NO_PRODUCT = 0, -1


def upgrade():
    with op.batch_alter_table("fulfilments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slowest_days", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE fulfilments SET slowest_days = COALESCE((SELECT max(COALESCE(p.processing_days, 0)) "
        "FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.fulfilment_id = fulfilments.id), 0)"
    )
    op.create_table(
        "sales_day_groups",
        sa.Column("village_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("cluster_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("sales_idr", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("village_id", "cluster_id", "day", name=op.f("pk_sales_day_groups")),
    )
    op.create_table(
        "sales_day_products",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seller_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("sales_idr", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "product_id", "seller_id", name=op.f("pk_sales_day_products")),
    )
    with op.batch_alter_table("sales_day_products", schema=None) as batch_op:
        batch_op.create_index("ix_sales_day_products_seller_day", ["seller_id", "day"], unique=False)

    op.create_table(
        "sales_day_buyers",
        sa.Column("village_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("cluster_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("buyer", sa.String(length=320), nullable=False),
        sa.Column("domestic", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("sales_idr", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "village_id", "cluster_id", "day", "buyer", "domestic", name=op.f("pk_sales_day_buyers")
        ),
    )
    op.create_table(
        "sales_buyers",
        sa.Column("buyer", sa.String(length=320), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("buyer", name=op.f("pk_sales_buyers")),
    )

    lines = (
        f"SELECT l.order_id, {JAKARTA_DAY[op.get_bind().dialect.name]} AS day, s.village_id, "
        f"COALESCE(p.cluster_id, {NO_PRODUCT}) AS cluster_id, "
        f"COALESCE(l.product_id, {NO_PRODUCT}) AS product_id, "
        "l.seller_id, l.quantity, l.unit_price_idr * l.quantity AS amount, "
        "CASE WHEN o.buyer_id IS NOT NULL THEN CAST(o.buyer_id AS VARCHAR) ELSE lower(o.email) END AS buyer, "
        "CASE WHEN o.ship_country = 'ID' THEN 1 ELSE 0 END AS domestic "
        "FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN sellers s ON s.id = l.seller_id "
        "LEFT JOIN products p ON p.id = l.product_id "
        "WHERE o.paid_at IS NOT NULL AND o.status != 'cancelled'"
    )
    sums = "count(DISTINCT order_id), sum(quantity), sum(amount)"

    def groups(extra):
        return " UNION ALL ".join(
            f"SELECT {village}, {cluster}, day{extra}, {sums} FROM paid_lines GROUP BY {by}{extra}"
            for village, cluster, by in (
                (ANY, ANY, "day"),
                ("village_id", ANY, "village_id, day"),
                (ANY, "cluster_id", "cluster_id, day"),
                ("village_id", "cluster_id", "village_id, cluster_id, day"),
            )
        )

    op.execute(
        "INSERT INTO sales_day_groups (village_id, cluster_id, day, orders, units, sales_idr) "
        f"WITH paid_lines AS ({lines}) {groups('')}"
    )
    op.execute(
        "INSERT INTO sales_day_buyers "
        "(village_id, cluster_id, day, buyer, domestic, orders, units, sales_idr) "
        f"WITH paid_lines AS ({lines}) {groups(', buyer, domestic')}"
    )
    op.execute(
        "INSERT INTO sales_buyers (buyer, first_day) "
        f"WITH paid_lines AS ({lines}) SELECT buyer, min(day) FROM paid_lines GROUP BY buyer"
    )
    op.execute(
        "INSERT INTO sales_day_products (day, product_id, seller_id, orders, units, sales_idr) "
        f"WITH paid_lines AS ({lines}) SELECT day, product_id, seller_id, {sums} FROM paid_lines "
        "GROUP BY day, product_id, seller_id"
    )


def downgrade():
    with op.batch_alter_table("sales_day_products", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_day_products_seller_day")
    op.drop_table("sales_day_products")
    op.drop_table("sales_buyers")
    op.drop_table("sales_day_buyers")
    op.drop_table("sales_day_groups")
    with op.batch_alter_table("fulfilments", schema=None) as batch_op:
        batch_op.drop_column("slowest_days")
