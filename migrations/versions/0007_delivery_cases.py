"""delivery_cases: couriers (seeded), auto-complete days per zone, courier and case flags on
fulfilments, problem cases with their messages and photos

Revision ID: 0007_delivery_cases
Revises: 0006_transfer_buyer
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_delivery_cases"
down_revision = "0006_transfer_buyer"
branch_labels = None
depends_on = None

# As marketplace.shipping.couriers.DEFAULT_COURIERS at the time of this migration (frozen here).
COURIERS = (
    ("jne", "JNE", "https://www.jne.co.id/tracking-package?awb={tracking}", False),
    ("jnt", "J&T Express", "https://jet.co.id/track?awb={tracking}", False),
    ("sicepat", "SiCepat", "https://www.sicepat.com/checkAwb?awb={tracking}", False),
    ("pos", "POS Indonesia", "https://www.posindonesia.co.id/id/tracking?barcode={tracking}", False),
    ("anteraja", "AnterAja", "https://anteraja.id/tracking?awb={tracking}", False),
    ("ems", "EMS / POS international", "https://www.posindonesia.co.id/en/tracking?barcode={tracking}", True),
    ("dhl", "DHL Express", "https://www.dhl.com/id-en/home/tracking.html?tracking-id={tracking}", True),
    ("fedex", "FedEx", "https://www.fedex.com/fedextrack/?trknbr={tracking}", True),
)


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


def upgrade():
    couriers = op.create_table('couriers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('tracking_url', sa.String(length=300), nullable=False),
    sa.Column('international', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.CheckConstraint("tracking_url LIKE 'https://%'", name=op.f('ck_couriers_tracking_url_https')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_couriers')),
    sa.UniqueConstraint('code', name=op.f('uq_couriers_code'))
    )
    op.bulk_insert(couriers, [
        {"code": code, "name": name, "tracking_url": url, "international": international,
         "position": position, "active": True}
        for position, (code, name, url, international) in enumerate(COURIERS)
    ])
    with op.batch_alter_table('shipping_zones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_complete_days', sa.Integer(), server_default='14', nullable=False))
    op.execute(sa.text("UPDATE shipping_zones SET auto_complete_days = 30 WHERE international"))

    with op.batch_alter_table('fulfilments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('courier_code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('has_open_case', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('ix_fulfilments_status_shipped_at', ['status', 'shipped_at'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('fulfilment_id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=True),
    sa.Column('problem', _enum('case_problem', 'not_received', 'damaged', 'wrong_item'), nullable=False),
    sa.Column('status', _enum('case_status', 'open', 'closed'), nullable=False),
    sa.Column('amount_idr', sa.BigInteger(), nullable=False),
    sa.Column('resolution', _enum('case_resolution', 'refund', 'partial_refund', 'reject'), nullable=True),
    sa.Column('refund_minor', sa.BigInteger(), nullable=False),
    sa.Column('refund_id', sa.Integer(), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('refund_minor >= 0', name=op.f('ck_cases_case_refund_not_negative')),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_cases_buyer_id_users')),
    sa.ForeignKeyConstraint(['fulfilment_id'], ['fulfilments.id'], name=op.f('fk_cases_fulfilment_id_fulfilments')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_cases_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['refund_id'], ['refunds.id'], name=op.f('fk_cases_refund_id_refunds')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_cases_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_cases_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_status_opened', ['status', 'opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_fulfilment_id'), ['fulfilment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_seller_id'), ['seller_id'], unique=False)

    op.create_table('case_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('side', sa.String(length=12), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_messages_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_messages_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_messages'))
    )
    with op.batch_alter_table('case_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_messages_case_id'), ['case_id'], unique=False)

    op.create_table('case_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_photos_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_photos')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_case_photos_storage_key'))
    )
    with op.batch_alter_table('case_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_photos_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_photos_case_id'))
    op.drop_table('case_photos')
    with op.batch_alter_table('case_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_messages_case_id'))
    op.drop_table('case_messages')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_seller_id'))
        batch_op.drop_index(batch_op.f('ix_cases_order_id'))
        batch_op.drop_index(batch_op.f('ix_cases_fulfilment_id'))
        batch_op.drop_index('ix_cases_status_opened')
    op.drop_table('cases')
    with op.batch_alter_table('fulfilments', schema=None) as batch_op:
        batch_op.drop_index('ix_fulfilments_status_shipped_at')
        batch_op.drop_column('has_open_case')
        batch_op.drop_column('courier_code')
    with op.batch_alter_table('shipping_zones', schema=None) as batch_op:
        batch_op.drop_column('auto_complete_days')
    op.drop_table('couriers')
