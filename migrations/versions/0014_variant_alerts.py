"""variant alerts: "tell me when it is back" for one sold-out variant (stock_alerts.variant_id)

Revision ID: 0014_variant_alerts
Revises: 0013_variants
Create Date: 2026-12-06 06:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014_variant_alerts"
down_revision = "0013_variants"
branch_labels = None
depends_on = None

PENDING = "sent_at IS NULL"
PRODUCT_WIDE = "sent_at IS NULL AND variant_id IS NULL"
ONE_VARIANT = "sent_at IS NULL AND variant_id IS NOT NULL"


def upgrade():
    with op.batch_alter_table("stock_alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variant_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_stock_alerts_variant_id_product_variants"),
            "product_variants",
            ["variant_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_index("uq_stock_alerts_pending", sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING))
        batch_op.create_index(
            "uq_stock_alerts_pending", ["product_id", "email"], unique=True,
            sqlite_where=sa.text(PRODUCT_WIDE), postgresql_where=sa.text(PRODUCT_WIDE),
        )
        batch_op.create_index(
            "uq_stock_alerts_pending_variant", ["variant_id", "email"], unique=True,
            sqlite_where=sa.text(ONE_VARIANT), postgresql_where=sa.text(ONE_VARIANT),
        )


def downgrade():
    op.execute("DELETE FROM stock_alerts WHERE variant_id IS NOT NULL")
    with op.batch_alter_table("stock_alerts", schema=None) as batch_op:
        batch_op.drop_index("uq_stock_alerts_pending_variant", sqlite_where=sa.text(ONE_VARIANT), postgresql_where=sa.text(ONE_VARIANT))
        batch_op.drop_index("uq_stock_alerts_pending", sqlite_where=sa.text(PRODUCT_WIDE), postgresql_where=sa.text(PRODUCT_WIDE))
        batch_op.create_index(
            "uq_stock_alerts_pending", ["product_id", "email"], unique=True,
            sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING),
        )
        batch_op.drop_constraint(batch_op.f("fk_stock_alerts_variant_id_product_variants"), type_="foreignkey")
        batch_op.drop_column("variant_id")
