"""ledger sum per parcel: `fulfilments.ledger_idr` and a partial index on the parcels not delivered,
for payouts' pending sums (issue 16)

`fulfilments.ledger_idr` is the sum of the parcel's payout ledger entries, kept by
payouts/totals.py in the transaction that writes or removes them. Pending money is its sum over
the parcels not delivered, read from `ix_fulfilments_undelivered` (seller_id INCLUDE ledger_idr,
WHERE status <> 'delivered') instead of joining the ledger with those parcels. Filled here with
the GROUP BY of `ledger_entries` (`payouts.totals.rebuild_parcel_sums`, copied as SQL).

Revision ID: 0024_seller_sales
Revises: 0022_fulfilment_counts
Create Date: 2026-12-06 16:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0024_seller_sales"
down_revision = "0022_fulfilment_counts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("fulfilments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ledger_idr", sa.BigInteger(), server_default="0", nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE fulfilments SET ledger_idr = s.amount FROM "
            "(SELECT fulfilment_id, sum(amount_idr) AS amount FROM ledger_entries WHERE fulfilment_id IS NOT NULL GROUP BY fulfilment_id) s "
            "WHERE fulfilments.id = s.fulfilment_id AND s.amount != 0"
        )
    else:
        op.execute(
            "UPDATE fulfilments SET ledger_idr = (SELECT sum(amount_idr) FROM ledger_entries "
            "WHERE fulfilment_id = fulfilments.id) "
            "WHERE id IN (SELECT fulfilment_id FROM ledger_entries WHERE fulfilment_id IS NOT NULL)"
        )
    with op.batch_alter_table("fulfilments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fulfilments_undelivered",
            ["seller_id"],
            unique=False,
            postgresql_include=["ledger_idr"],
            postgresql_where=sa.text("status <> 'delivered'"),
            sqlite_where=sa.text("status <> 'delivered'"),
        )


def downgrade():
    with op.batch_alter_table("fulfilments", schema=None) as batch_op:
        batch_op.drop_index("ix_fulfilments_undelivered")
        batch_op.drop_column("ledger_idr")
