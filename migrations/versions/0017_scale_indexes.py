"""scale indexes: a shop's order lines and parcels, orders by payment time, payments to refund (issue 16)

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


def upgrade():
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
