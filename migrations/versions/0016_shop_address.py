"""shop address: the street and house number a shop sends parcels from (sellers.address_line)

Revision ID: 0016_shop_address
Revises: 0015_shop_profile
Create Date: 2026-12-06 08:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016_shop_address"
down_revision = "0015_shop_profile"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sellers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address_line", sa.String(length=200), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("sellers", schema=None) as batch_op:
        batch_op.drop_column("address_line")
