"""checkout speed: open bank transfers' totals by range (orders.status, payment_method, total_minor)

Placing a bank-transfer order picks a unique code so its total differs from every open transfer's;
without this index that query read every order awaiting payment, more with every order of the day.

Revision ID: 0018_checkout_speed
Revises: 0017_scale_indexes
Create Date: 2026-12-06 10:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0018_checkout_speed"
down_revision = "0017_scale_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_status_method_total", ["status", "payment_method", "total_minor"], unique=False
        )


def downgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_status_method_total")
