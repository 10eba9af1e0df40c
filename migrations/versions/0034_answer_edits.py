"""answer edits: when a shop last corrected its published answer

A shop could answer a buyer's question once and never correct it (a wrong size, a price that
changed). An edited answer is marked as edited on the product page, with when.

Revision ID: 0034_answer_edits
Revises: 0033_label_codes
Create Date: 2026-12-07 18:00:00

"""

import sqlalchemy as sa
from alembic import op

import marketplace.types

# revision identifiers, used by Alembic.
revision = "0034_answer_edits"
down_revision = "0033_label_codes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("product_questions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("answer_edited_at", marketplace.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("product_questions", schema=None) as batch_op:
        batch_op.drop_column("answer_edited_at")
