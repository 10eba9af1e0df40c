"""transfer_buyer: the buyer's "I have transferred" (transfer_claims) and the bank reference a
curator matched when marking a transfer received (payments.bank_reference)

Revision ID: 0006_transfer_buyer
Revises: 0005_payout_hold
Create Date: 2026-12-06 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006_transfer_buyer"
down_revision = "0005_payout_hold"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('transfer_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('sender_name', sa.String(length=120), server_default='', nullable=False),
    sa.Column('sender_bank', sa.String(length=80), server_default='', nullable=False),
    sa.Column('receipt_key', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_transfer_claims_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_claims')),
    sa.UniqueConstraint('order_id', name=op.f('uq_transfer_claims_order_id'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_reference', sa.String(length=120), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('bank_reference')
    op.drop_table('transfer_claims')
