"""What each REFUND entry of a seller's ledger took back: units per product and shipping, read
from the refund's lines, so the sales page says "1 × Kaos batik" beside the order number."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.orders.models import OrderLine
from marketplace.payouts.models import LedgerEntry, LedgerKind
from marketplace.refunds.models import RefundLine


def refund_items(session: Session, entries: list[LedgerEntry]) -> dict[int, list[tuple[int, str, str]]]:
    """{entry id: [(units, title_id, title_en)]} for REFUND entries; shipping is (0, "", "").

    One query for the whole page (lines joined to their order lines' titles)."""
    wanted = {
        (e.refund_id, e.fulfilment_id): e.id
        for e in entries
        if e.kind == LedgerKind.REFUND and e.refund_id and e.fulfilment_id and e.amount_idr < 0
    }
    if not wanted:
        return {}
    rows = session.execute(
        sa.select(
            RefundLine.refund_id,
            RefundLine.fulfilment_id,
            RefundLine.quantity,
            OrderLine.title_id,
            OrderLine.title_en,
        )
        .outerjoin(OrderLine, OrderLine.id == RefundLine.order_line_id)
        .where(RefundLine.refund_id.in_({refund_id for refund_id, _f in wanted}))
        .order_by(RefundLine.id)
    ).all()
    items: dict[int, list[tuple[int, str, str]]] = {}
    for refund_id, fulfilment_id, quantity, title_id, title_en in rows:
        entry_id = wanted.get((refund_id, fulfilment_id))
        if entry_id is not None:
            items.setdefault(entry_id, []).append((quantity, title_id or "", title_en or ""))
    return items
