"""case refund account: where a bank-transfer refund of a problem report goes

A buyer who paid by bank transfer and reported a problem was never asked for a bank account, so
the district office had nowhere to transfer a refund to. The report form now asks for it (bank,
account number, name on the account), the buyer may correct it while the case is open, and the
curator who decides the refund sees it beside the transfer reference. Empty for card orders and
for reports made before.

Revision ID: 0035_case_refund_account
Revises: 0034_answer_edits
Create Date: 2026-12-08 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0035_case_refund_account"
down_revision = "0034_answer_edits"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("refund_bank_name", sa.String(length=80), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("refund_account_number", sa.String(length=34), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("refund_account_holder", sa.String(length=120), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("refund_account_holder")
        batch_op.drop_column("refund_account_number")
        batch_op.drop_column("refund_bank_name")
