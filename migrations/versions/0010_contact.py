"""contact: sellers' WhatsApp contact (number, opt-in); buyers' questions on products, their
reports

Revision ID: 0010_contact
Revises: 0009_origin_tag
Create Date: 2026-12-06 05:40:58.196299

"""
from alembic import op
import sqlalchemy as sa

import marketplace.types


# revision identifiers, used by Alembic.
revision = "0010_contact"
down_revision = "0009_origin_tag"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('product_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('asker_id', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('asked_at', marketplace.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), server_default='', nullable=False),
    sa.Column('answered_at', marketplace.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_at', marketplace.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sa.Text(), server_default='', nullable=False),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('open_reports', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_product_questions_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['asker_id'], ['users.id'], name=op.f('fk_product_questions_asker_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_product_questions_hidden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_questions_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_product_questions_seller_id_sellers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_questions'))
    )
    with op.batch_alter_table('product_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_questions_asker_id'), ['asker_id'], unique=False)
        batch_op.create_index('ix_product_questions_product_answered', ['product_id', 'answered_at'], unique=False)
        batch_op.create_index('ix_product_questions_seller_answered', ['seller_id', 'answered_at'], unique=False)

    op.create_table('question_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('reported_at', marketplace.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['product_questions.id'], name=op.f('fk_question_reports_question_id_product_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_question_reports_reporter_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_reports')),
    sa.UniqueConstraint('question_id', 'reporter_id', name=op.f('uq_question_reports_question_id'))
    )
    with op.batch_alter_table('question_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_reports_reporter_id'), ['reporter_id'], unique=False)

    with op.batch_alter_table('sellers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('whatsapp_number', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('whatsapp_public', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('sellers', schema=None) as batch_op:
        batch_op.drop_column('whatsapp_public')
        batch_op.drop_column('whatsapp_number')

    with op.batch_alter_table('question_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_reports_reporter_id'))

    op.drop_table('question_reports')
    with op.batch_alter_table('product_questions', schema=None) as batch_op:
        batch_op.drop_index('ix_product_questions_seller_answered')
        batch_op.drop_index('ix_product_questions_product_answered')
        batch_op.drop_index(batch_op.f('ix_product_questions_asker_id'))

    op.drop_table('product_questions')
