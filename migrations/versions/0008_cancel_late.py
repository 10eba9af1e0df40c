"""cancel_late: cancellations (buyer and seller), bank refund requests, late-parcel reminders,
sellers' processing days

Revision ID: 0008_cancel_late
Revises: 0007_delivery_cases
Create Date: 2026-12-06 03:44:59.717888

"""
from alembic import op
import sqlalchemy as sa

import marketplace.types


# revision identifiers, used by Alembic.
revision = "0008_cancel_late"
down_revision = "0007_delivery_cases"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('late_parcel_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fulfilment_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', marketplace.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['fulfilment_id'], ['fulfilments.id'], name=op.f('fk_late_parcel_reminders_fulfilment_id_fulfilments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_late_parcel_reminders')),
    sa.UniqueConstraint('fulfilment_id', name=op.f('uq_late_parcel_reminders_fulfilment_id'))
    )
    op.create_table('order_cancellations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('fulfilment_id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('cancelled_by', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('units', sa.JSON(), nullable=False),
    sa.Column('shipping', sa.Boolean(), nullable=False),
    sa.Column('full', sa.Boolean(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_order_cancellations_cancellation_amount_not_negative')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_order_cancellations_actor_id_users')),
    sa.ForeignKeyConstraint(['fulfilment_id'], ['fulfilments.id'], name=op.f('fk_order_cancellations_fulfilment_id_fulfilments')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_cancellations_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_order_cancellations_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_cancellations'))
    )
    with op.batch_alter_table('order_cancellations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_cancellations_fulfilment_id'), ['fulfilment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_cancellations_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_cancellations_seller_id'), ['seller_id'], unique=False)

    op.create_table('bank_refund_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('cancellation_id', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('bank_name', sa.String(length=80), nullable=False),
    sa.Column('account_number', sa.String(length=34), nullable=False),
    sa.Column('account_holder', sa.String(length=120), nullable=False),
    sa.Column('refund_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', marketplace.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_bank_refund_requests_bank_request_amount_not_negative')),
    sa.ForeignKeyConstraint(['cancellation_id'], ['order_cancellations.id'], name=op.f('fk_bank_refund_requests_cancellation_id_order_cancellations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_bank_refund_requests_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['refund_id'], ['refunds.id'], name=op.f('fk_bank_refund_requests_refund_id_refunds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_refund_requests')),
    sa.UniqueConstraint('cancellation_id', name=op.f('uq_bank_refund_requests_cancellation_id'))
    )
    with op.batch_alter_table('bank_refund_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_refund_requests_done_at'), ['done_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_refund_requests_order_id'), ['order_id'], unique=False)

    with op.batch_alter_table('fulfilments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', marketplace.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by', sa.String(length=16), server_default='', nullable=False))
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_quantity', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_order_lines_cancelled_within_quantity'),
            'cancelled_quantity >= 0 AND cancelled_quantity <= quantity',
        )

    with op.batch_alter_table('sellers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('processing_days', sa.Integer(), server_default='3', nullable=False))



def downgrade():
    with op.batch_alter_table('sellers', schema=None) as batch_op:
        batch_op.drop_column('processing_days')

    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_order_lines_cancelled_within_quantity'), type_='check')
        batch_op.drop_column('cancelled_quantity')

    with op.batch_alter_table('fulfilments', schema=None) as batch_op:
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_by')
        batch_op.drop_column('cancelled_at')

    with op.batch_alter_table('bank_refund_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_refund_requests_order_id'))
        batch_op.drop_index(batch_op.f('ix_bank_refund_requests_done_at'))

    op.drop_table('bank_refund_requests')
    with op.batch_alter_table('order_cancellations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_cancellations_seller_id'))
        batch_op.drop_index(batch_op.f('ix_order_cancellations_order_id'))
        batch_op.drop_index(batch_op.f('ix_order_cancellations_fulfilment_id'))

    op.drop_table('order_cancellations')
    op.drop_table('late_parcel_reminders')
