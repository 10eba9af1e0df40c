"""payout_hold: holds on payouts while a case is open; artisan payout accounts with consent

Revision ID: 0005_payout_hold
Revises: 0004_order_extras
Create Date: 2026-12-08 10:00:00

Availability itself needs no column: a ledger entry is payable once its parcel (fulfilment) is
delivered, read from the fulfilment's status at query time (ledger_entries.fulfilment_id is
indexed, the join is on fulfilments' primary key).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005_payout_hold"
down_revision = "0004_order_extras"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payout_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('fulfilment_id', sa.Integer(), nullable=False),
    sa.Column('amount_idr', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount_idr > 0', name=op.f('ck_payout_holds_payout_hold_amount_positive')),
    sa.ForeignKeyConstraint(['fulfilment_id'], ['fulfilments.id'], name=op.f('fk_payout_holds_fulfilment_id_fulfilments')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_payout_holds_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_holds'))
    )
    with op.batch_alter_table('payout_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_holds_fulfilment_id'), ['fulfilment_id'], unique=False)
        batch_op.create_index('ix_payout_holds_seller_open', ['seller_id', 'released_at'], unique=False)

    with op.batch_alter_table('sellers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('artisan_name', sa.String(length=120), server_default='', nullable=False))

    with op.batch_alter_table('seller_payout_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_via', sa.String(length=20), server_default='owner', nullable=False))
        batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('consent_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('consent_evidence_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('holder_explanation', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_seller_payout_accounts_recorded_by_id_users'), 'users', ['recorded_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('seller_payout_accounts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_seller_payout_accounts_recorded_by_id_users'), type_='foreignkey')
        batch_op.drop_column('holder_explanation')
        batch_op.drop_column('consent_evidence_key')
        batch_op.drop_column('consent_on')
        batch_op.drop_column('recorded_by_id')
        batch_op.drop_column('recorded_via')

    with op.batch_alter_table('sellers', schema=None) as batch_op:
        batch_op.drop_column('artisan_name')

    with op.batch_alter_table('payout_holds', schema=None) as batch_op:
        batch_op.drop_index('ix_payout_holds_seller_open')
        batch_op.drop_index(batch_op.f('ix_payout_holds_fulfilment_id'))

    op.drop_table('payout_holds')
