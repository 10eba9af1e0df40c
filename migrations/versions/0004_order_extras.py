"""order extras: the buyer's note for the sellers on an order

Revision ID: 0004_order_extras
Revises: 0003_jobs
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_order_extras'
down_revision = '0003_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.String(length=500), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('note')
