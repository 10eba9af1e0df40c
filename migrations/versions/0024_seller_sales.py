"""seller sales: each shop's paid orders per Jakarta month (`seller_sales_months`), and the ledger
sum per parcel (`fulfilments.ledger_idr`, a partial index on the parcels not delivered), for the
seller's sales page and payouts' pending sums (issue 16)

`seller_sales_months` (seller, month, product or 0 = the whole shop → orders, units, revenue) is
kept by payouts/sales_totals.py when an order is paid or its payment undone; filled here from the
lines of every order with `paid_at` set, as `sales_totals.rebuild_sql` (copied: migrations stay
as written).

`fulfilments.ledger_idr` is the sum of the parcel's payout ledger entries, kept by
payouts/totals.py in the transaction that writes or removes them. Pending money is its sum over
the parcels not delivered, read from `ix_fulfilments_undelivered` (seller_id INCLUDE ledger_idr,
WHERE status <> 'delivered') instead of joining the ledger with those parcels. Filled here with
the GROUP BY of `ledger_entries` (`payouts.totals.rebuild_parcel_sums`, copied as SQL).

Revision ID: 0024_seller_sales
Revises: 0023_search_titles
Create Date: 2026-12-06 16:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0024_seller_sales"
down_revision = "0023_search_titles"
branch_labels = None
depends_on = None


JAKARTA_MONTH = {
    "postgresql": "CAST(date_trunc('month', o.paid_at AT TIME ZONE 'Asia/Jakarta') AS DATE)",
    "sqlite": "date(o.paid_at, '+7 hours', 'start of month')",
}


def upgrade():
    op.create_table(
        "seller_sales_months",
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("revenue_idr", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_seller_sales_months_seller_id_sellers")
        ),
        sa.PrimaryKeyConstraint("seller_id", "month", "product_id", name=op.f("pk_seller_sales_months")),
    )
    month = JAKARTA_MONTH[op.get_bind().dialect.name]
    lines = (
        f"SELECT l.seller_id, {month} AS month, l.product_id, l.order_id, "
        "l.quantity, l.quantity * l.unit_price_idr AS amount "
        "FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.paid_at IS NOT NULL"
    )
    sums = "count(DISTINCT order_id), sum(quantity), sum(amount)"
    op.execute(
        "INSERT INTO seller_sales_months (seller_id, month, product_id, orders, units, revenue_idr) "
        f"WITH paid_lines AS ({lines}) "
        f"SELECT seller_id, month, 0, {sums} FROM paid_lines GROUP BY seller_id, month "
        f"UNION ALL SELECT seller_id, month, product_id, {sums} FROM paid_lines "
        "WHERE product_id IS NOT NULL GROUP BY seller_id, month, product_id"
    )
    with op.batch_alter_table("fulfilments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ledger_idr", sa.BigInteger(), server_default="0", nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE fulfilments SET ledger_idr = s.amount FROM "
            "(SELECT fulfilment_id, sum(amount_idr) AS amount FROM ledger_entries WHERE fulfilment_id IS NOT NULL GROUP BY fulfilment_id) s "
            "WHERE fulfilments.id = s.fulfilment_id AND s.amount != 0"
        )
    else:
        op.execute(
            "UPDATE fulfilments SET ledger_idr = (SELECT sum(amount_idr) FROM ledger_entries "
            "WHERE fulfilment_id = fulfilments.id) "
            "WHERE id IN (SELECT fulfilment_id FROM ledger_entries WHERE fulfilment_id IS NOT NULL)"
        )
    with op.batch_alter_table("fulfilments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fulfilments_undelivered",
            ["seller_id"],
            unique=False,
            postgresql_include=["ledger_idr"],
            postgresql_where=sa.text("status <> 'delivered'"),
            sqlite_where=sa.text("status <> 'delivered'"),
        )


def downgrade():
    op.drop_table("seller_sales_months")
    with op.batch_alter_table("fulfilments", schema=None) as batch_op:
        batch_op.drop_index("ix_fulfilments_undelivered")
        batch_op.drop_column("ledger_idr")
