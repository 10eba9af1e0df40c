"""favourites: saved products of accounts, back-in-stock alerts

Revision ID: 0011_favourites
Revises: 0010_contact
Create Date: 2026-12-06 05:40:24.123925

"""
from alembic import op
import sqlalchemy as sa

import marketplace.types


# revision identifiers, used by Alembic.
revision = "0011_favourites"
down_revision = "0010_contact"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('favourites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('created_at', marketplace.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_favourites_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_favourites_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_favourites')),
    sa.UniqueConstraint('user_id', 'product_id', name='uq_favourites_user_product')
    )
    with op.batch_alter_table('favourites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_favourites_product_id'), ['product_id'], unique=False)

    op.create_table('stock_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('created_at', marketplace.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', marketplace.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_alerts_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_stock_alerts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_alerts'))
    )
    with op.batch_alter_table('stock_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_alerts_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_alerts_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_stock_alerts_pending', ['product_id', 'email'], unique=True, sqlite_where=sa.text('sent_at IS NULL'), postgresql_where=sa.text('sent_at IS NULL'))



def downgrade():
    with op.batch_alter_table('stock_alerts', schema=None) as batch_op:
        batch_op.drop_index('uq_stock_alerts_pending', sqlite_where=sa.text('sent_at IS NULL'), postgresql_where=sa.text('sent_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_stock_alerts_user_id'))
        batch_op.drop_index(batch_op.f('ix_stock_alerts_product_id'))

    op.drop_table('stock_alerts')
    with op.batch_alter_table('favourites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_favourites_product_id'))

    op.drop_table('favourites')
