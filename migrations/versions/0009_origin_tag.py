"""origin_tag: a product's origin tag (the code its hang-tags' QR codes carry) and its revocation

Revision ID: 0009_origin_tag
Revises: 0008_cancel_late
Create Date: 2026-12-06 06:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import marketplace.types


# revision identifiers, used by Alembic.
revision = "0009_origin_tag"
down_revision = "0008_cancel_late"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('origin_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('created_at', marketplace.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', marketplace.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_origin_tags_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_origin_tags_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_origin_tags_revoked_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_origin_tags')),
    sa.UniqueConstraint('code', name=op.f('uq_origin_tags_code')),
    sa.UniqueConstraint('product_id', name=op.f('uq_origin_tags_product_id'))
    )


def downgrade():
    op.drop_table('origin_tags')
