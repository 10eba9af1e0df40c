"""fulfilment counts: each shop's parcels by settled outcome (paid, cancelled by the shop, shipped,
measured on time or late, on time), for naik kelas and monitoring's "levels" (issue 16)

`fulfilments.counted_as` holds the bits a part adds to its shop's `fulfilment_counts` row, kept by
orders/outcomes.py in the flush that changes the part. Filled here with the rule of
`outcomes.bits_expression` / `outcomes.rebuild`, copied as SQL so the migration stays as written,
with the LATE_GRACE_DAYS of the app running it (default 2).

Revision ID: 0022_fulfilment_counts
Revises: 0021_sort_columns
Create Date: 2026-12-06 15:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0022_fulfilment_counts"
down_revision = "0021_sort_columns"
branch_labels = None
depends_on = None

F = "fulfilments"
SLOWEST = (
    f"COALESCE({F}.slowest_days, (SELECT max(COALESCE(p.processing_days, 0)) FROM order_lines l "
    f"JOIN products p ON p.id = l.product_id WHERE l.fulfilment_id = {F}.id), 0)"
)
SHOP = "COALESCE(s.processing_days, 0)"


def _days(grace: int) -> str:
    longest = f"CASE WHEN {SLOWEST} > {SHOP} THEN {SLOWEST} ELSE {SHOP} END"
    return f"(CASE WHEN {longest} > 0 THEN {longest} ELSE 0 END + {grace})"


def _due(dialect: str, grace: int) -> str:
    days = _days(grace)
    if dialect == "postgresql":
        return f"(o.paid_at + ({days}) * INTERVAL '24 hours')"
    return f"(strftime('%Y-%m-%d %H:%M:%S', o.paid_at, '+' || ({days}) || ' days') || substr(o.paid_at, 20))"


def _bits(dialect: str, grace: int) -> str:
    due = _due(dialect, grace)
    paid = "o.paid_at IS NOT NULL"
    measured = f"{F}.status IN ('pending', 'processing', 'shipped', 'delivered', 'cancelled')"
    shop_cancelled = (
        f"EXISTS (SELECT 1 FROM order_cancellations c WHERE c.fulfilment_id = {F}.id "
        "AND c.cancelled_by = 'seller')"
    )
    cancelled_late = (
        f"({F}.status = 'cancelled' AND {F}.cancelled_at IS NOT NULL AND {F}.cancelled_at > {due})"
    )
    return (
        f"(CASE WHEN {paid} THEN 1 ELSE 0 END"
        f" + CASE WHEN {paid} AND {shop_cancelled} THEN 2 ELSE 0 END"
        f" + CASE WHEN {F}.status IN ('shipped', 'delivered') THEN 4 ELSE 0 END"
        f" + CASE WHEN {paid} AND {measured} AND ({F}.shipped_at IS NOT NULL OR {cancelled_late})"
        " THEN 8 ELSE 0 END"
        f" + CASE WHEN {paid} AND {measured} AND {F}.shipped_at IS NOT NULL AND {F}.shipped_at <= {due}"
        " THEN 16 ELSE 0 END)"
    )


def _grace_days() -> int:
    try:
        from flask import current_app, has_app_context

        if has_app_context():
            return int(current_app.config.get("LATE_GRACE_DAYS", 2))
    except ImportError:  # pragma: no cover
        pass
    return 2


def upgrade():
    with op.batch_alter_table("fulfilments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counted_as", sa.SmallInteger(), server_default="0", nullable=False))
    op.create_table(
        "fulfilment_counts",
        sa.Column("seller_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("paid", sa.Integer(), nullable=False),
        sa.Column("shop_cancelled", sa.Integer(), nullable=False),
        sa.Column("shipped", sa.Integer(), nullable=False),
        sa.Column("measured", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seller_id", name=op.f("pk_fulfilment_counts")),
    )
    dialect = op.get_bind().dialect.name
    grace = max(_grace_days(), 0)
    op.execute(
        f"UPDATE {F} SET counted_as = (SELECT {_bits(dialect, grace)} FROM orders o "  # noqa: S608
        f"JOIN sellers s ON s.id = {F}.seller_id WHERE o.id = {F}.order_id)"
    )
    sums = ", ".join(f"sum(CASE WHEN counted_as & {bit} != 0 THEN 1 ELSE 0 END)" for bit in (1, 2, 4, 8, 16))
    op.execute(
        "INSERT INTO fulfilment_counts (seller_id, grace_days, paid, shop_cancelled, shipped, measured, on_time) "
        f"SELECT seller_id, {grace}, {sums} FROM {F} WHERE counted_as != 0 GROUP BY seller_id"  # noqa: S608
    )


def downgrade():
    op.drop_table("fulfilment_counts")
    with op.batch_alter_table("fulfilments", schema=None) as batch_op:
        batch_op.drop_column("counted_as")
