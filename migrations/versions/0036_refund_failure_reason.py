"""refund failure reason: why Stripe could not make a card refund, on the refund's row

A card refund that failed at Stripe kept Stripe's `failure_reason` only in the audit log, so the
curators' queue could not say why and the buyer's email could not either. The refund row keeps it
now (None for every other refund, and when Stripe gave none). Failures recorded before are filled
from their audit row ("refund.failed", `after.failure_reason`).

Revision ID: 0036_refund_failure_reason
Revises: 0035_case_refund_account
Create Date: 2026-12-08 10:00:00

"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0036_refund_failure_reason"
down_revision = "0035_case_refund_account"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failure_reason", sa.String(length=80), nullable=True))

    # The failures recorded so far: few rows, read in Python so SQLite and PostgreSQL agree on JSON.
    connection = op.get_bind()
    audit = sa.table("audit_entries", sa.column("action", sa.String), sa.column("after", sa.JSON))
    refunds = sa.table("refunds", sa.column("id", sa.Integer), sa.column("failure_reason", sa.String))
    for (after,) in connection.execute(sa.select(audit.c.after).where(audit.c.action == "refund.failed")):
        if isinstance(after, str):
            after = json.loads(after)
        if not isinstance(after, dict):
            continue
        refund_id, reason = after.get("refund_id"), after.get("failure_reason")
        if isinstance(refund_id, int) and isinstance(reason, str) and reason:
            connection.execute(
                sa.update(refunds).where(refunds.c.id == refund_id).values(failure_reason=reason[:80])
            )


def downgrade():
    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of the table would DROP it,
    # which SQLite's foreign keys refuse while refund lines point at its rows.
    op.drop_column("refunds", "failure_reason")
