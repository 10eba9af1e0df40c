"""checkout: an outbound email rendered at delivery (`outbound_emails.render_from`) (issue 16)

The order confirmation is queued as the order's reference ("order:<id>"), template and language,
with empty bodies; the job runner renders it when it sends it and stores what it sent.

Revision ID: 0028_checkout
Revises: 0025_monitoring_links
Create Date: 2026-12-06 20:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_checkout"
down_revision = "0025_monitoring_links"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("render_from", sa.String(length=80), nullable=True))


def downgrade():
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.drop_column("render_from")
