"""shop profile: a shop's profile changes waiting for a curator (shop_profile_revisions) and the
photos of its workshop (seller_workshop_photos)

Revision ID: 0015_shop_profile
Revises: 0014_variant_alerts
Create Date: 2026-12-06 07:55:50.537800

"""
from alembic import op
import sqlalchemy as sa

import marketplace.types


# revision identifiers, used by Alembic.
revision = "0015_shop_profile"
down_revision = "0014_variant_alerts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('shop_profile_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', 'withdrawn', name='profile_change_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewer_note', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', marketplace.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', marketplace.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', marketplace.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_shop_profile_revisions_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_shop_profile_revisions_seller_id_sellers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_shop_profile_revisions_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shop_profile_revisions'))
    )
    with op.batch_alter_table('shop_profile_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shop_profile_revisions_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shop_profile_revisions_status'), ['status'], unique=False)
        batch_op.create_index('uq_shop_profile_revisions_pending_per_seller', ['seller_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    op.create_table('seller_workshop_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=True),
    sa.Column('storage_key', sa.String(length=80), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('alt_id', sa.String(length=200), server_default='', nullable=False),
    sa.Column('alt_en', sa.String(length=200), server_default='', nullable=False),
    sa.Column('created_at', marketplace.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_at', marketplace.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['revision_id'], ['shop_profile_revisions.id'], name=op.f('fk_seller_workshop_photos_revision_id_shop_profile_revisions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_seller_workshop_photos_seller_id_sellers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seller_workshop_photos')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_seller_workshop_photos_storage_key'))
    )
    with op.batch_alter_table('seller_workshop_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seller_workshop_photos_revision_id'), ['revision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_seller_workshop_photos_seller_id'), ['seller_id'], unique=False)



def downgrade():
    with op.batch_alter_table('seller_workshop_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seller_workshop_photos_seller_id'))
        batch_op.drop_index(batch_op.f('ix_seller_workshop_photos_revision_id'))

    op.drop_table('seller_workshop_photos')
    with op.batch_alter_table('shop_profile_revisions', schema=None) as batch_op:
        batch_op.drop_index('uq_shop_profile_revisions_pending_per_seller', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_shop_profile_revisions_status'))
        batch_op.drop_index(batch_op.f('ix_shop_profile_revisions_seller_id'))

    op.drop_table('shop_profile_revisions')
