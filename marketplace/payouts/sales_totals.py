"""A shop's sales per Jakarta month (`SellerSalesMonth`), kept in step with its paid orders (issue 16).

The seller's sales page shows the last twelve months of orders with `paid_at` set (cancelled ones
included) and the shop's best-selling products over them; read from the order lines, that was a
year of the shop's lines joined with their orders on every request. `paid_at` is set only by
`orders.lifecycle.mark_order_paid` (then `signals.order_paid`) and cleared only by
`orders.payment_reversal` (then `signals.order_payment_reversed`), and a paid order's lines never
change, so those two receivers (payouts/listeners.py) add the order's lines to its shops' rows
and take them away, in the same transaction, as upserts that add (in key order: no deadlocks).
`rebuild_sql` fills the table from the lines (the migration holds a copy; bench/scale_seed.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.orders.models import Order, OrderLine
from marketplace.payouts.models import WHOLE_SHOP, SellerSalesMonth
from marketplace.timezones import jakarta_date
from marketplace.upserts import adding_upsert

_SUMS = ("orders", "units", "revenue_idr")


def add_order(session: Session, order: Order, *, paid_at: datetime, sign: int = 1) -> None:
    """Add the order's lines, paid at `paid_at`, to its shops' months (sign=-1: take them away)."""
    conn = session.connection()
    lines = conn.execute(
        sa.select(
            OrderLine.seller_id, OrderLine.product_id, OrderLine.quantity, OrderLine.unit_price_idr
        ).where(OrderLine.order_id == order.id)
    ).all()
    if not lines:
        return
    month = jakarta_date(paid_at).replace(day=1)
    sums: dict[tuple[int, date, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for seller_id, product_id, quantity, unit_price_idr in lines:
        # The whole shop, then the product (a line whose product is gone is read from the lines).
        for key in [WHOLE_SHOP] + ([product_id] if product_id is not None else []):
            row = sums[(seller_id, month, key)]
            row[0] = 1  # the order, once per shop and per product
            row[1] += quantity
            row[2] += quantity * unit_price_idr
    rows = [
        {
            "seller_id": key[0],
            "month": key[1],
            "product_id": key[2],
            **{name: sign * value for name, value in zip(_SUMS, values, strict=True)},
        }
        for key, values in sorted(sums.items())
    ]
    key = ("seller_id", "month", "product_id")
    conn.execute(adding_upsert(SellerSalesMonth.__table__, key, _SUMS, conn.dialect.name), rows)


JAKARTA_MONTH = {
    "postgresql": "CAST(date_trunc('month', o.paid_at AT TIME ZONE 'Asia/Jakarta') AS DATE)",
    "sqlite": "date(o.paid_at, '+7 hours', 'start of month')",
}


def rebuild_sql(dialect: str) -> list[str]:
    """Statements that empty the table and fill it from the paid orders' lines, set-based."""
    lines = (
        f"SELECT l.seller_id, {JAKARTA_MONTH[dialect]} AS month, l.product_id, l.order_id, "  # noqa: S608
        "l.quantity, l.quantity * l.unit_price_idr AS amount "
        "FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.paid_at IS NOT NULL"
    )
    sums = "count(DISTINCT order_id), sum(quantity), sum(amount)"
    return [
        "DELETE FROM seller_sales_months",
        "INSERT INTO seller_sales_months (seller_id, month, product_id, orders, units, revenue_idr) "  # noqa: S608
        f"WITH paid_lines AS ({lines}) "
        f"SELECT seller_id, month, {WHOLE_SHOP}, {sums} FROM paid_lines GROUP BY seller_id, month "
        f"UNION ALL SELECT seller_id, month, product_id, {sums} FROM paid_lines "
        "WHERE product_id IS NOT NULL GROUP BY seller_id, month, product_id",
    ]
