"""scale: indexes for a shop's order lines and parcels, orders by payment time, payments to refund;
the ledger's month totals (issue 16)

Revision ID: 0017_scale_indexes
Revises: 0016_shop_address
Create Date: 2026-12-06 10:50:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017_scale_indexes"
down_revision = "0016_shop_address"
branch_labels = None
depends_on = None


# The Jakarta month of a UTC time (WIB is UTC+7 all year), per database, for the backfill.
MONTH_OF_OCCURRED = {
    "postgresql": "date_trunc('month', occurred_at AT TIME ZONE 'Asia/Jakarta')::date",
    "sqlite": "date(occurred_at, '+7 hours', 'start of month')",
}


def upgrade():
    op.create_table(
        "ledger_month_totals",
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "sale", "commission", "refund", "commission_reversal", "payout",
                name="ledger_kind", native_enum=False, create_constraint=True, length=24,
            ),
            nullable=False,
        ),
        sa.Column("amount_idr", sa.BigInteger(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["seller_id"], ["sellers.id"], name=op.f("fk_ledger_month_totals_seller_id_sellers")),
        sa.PrimaryKeyConstraint("seller_id", "month", "kind", name=op.f("pk_ledger_month_totals")),
    )  # fmt: skip
    month = MONTH_OF_OCCURRED[op.get_bind().dialect.name]
    op.execute(
        "INSERT INTO ledger_month_totals (seller_id, month, kind, amount_idr, entries) "
        f"SELECT seller_id, {month}, kind, sum(amount_idr), count(*) FROM ledger_entries "
        f"GROUP BY seller_id, {month}, kind"
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_index("ix_order_lines_seller_order", ["seller_id", "order_id"], unique=False)
    with op.batch_alter_table("fulfilments", schema=None) as batch_op:
        # (seller_id, status) serves every lookup by seller_id alone too.
        batch_op.drop_index("ix_fulfilments_seller_id")
        batch_op.create_index("ix_fulfilments_seller_status", ["seller_id", "status"], unique=False)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_paid_at", ["paid_at"], unique=False)
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payments_needs_refund",
            ["needs_refund"],
            unique=False,
            sqlite_where=sa.text("needs_refund = 1"),
            postgresql_where=sa.text("needs_refund"),
        )


def downgrade():
    op.drop_table("ledger_month_totals")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_payments_needs_refund",
            sqlite_where=sa.text("needs_refund = 1"),
            postgresql_where=sa.text("needs_refund"),
        )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_paid_at")
    with op.batch_alter_table("fulfilments", schema=None) as batch_op:
        batch_op.drop_index("ix_fulfilments_seller_status")
        batch_op.create_index("ix_fulfilments_seller_id", ["seller_id"], unique=False)
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_order_lines_seller_order")
