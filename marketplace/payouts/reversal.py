"""Withdrawing a sale from the payout ledger when its payment confirmation is undone.

The SALE and COMMISSION entries of a payment that never arrived are removed (not offset): the
sale never happened, and a later confirmation records them again under the same keys. The
curator's undo is in the audit log. Refused when anything else already rests on them.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.errors import ValidationError
from marketplace.i18n import message as _l
from marketplace.orders.models import Order
from marketplace.payouts.models import LedgerEntry, LedgerKind, Payout
from marketplace.payouts.totals import add_to_totals


def withdraw_sales(session: Session, order: Order, *, paid_at: datetime | None) -> int:
    """Delete the order's SALE and COMMISSION entries; returns how many went.

    Raises ValidationError when the order has other entries (a refund) or when one of its
    sellers was paid out since `paid_at` (the payout may have included this sale).
    """
    entries = list(session.scalars(sa.select(LedgerEntry).where(LedgerEntry.order_id == order.id)))
    if any(entry.kind not in (LedgerKind.SALE, LedgerKind.COMMISSION) for entry in entries):
        raise ValidationError(str(_l("This sale already has refunds in the sellers' ledger: it stays.")))
    seller_ids = {entry.seller_id for entry in entries}
    if seller_ids and paid_at is not None:
        paid_out = session.scalar(
            sa.select(sa.func.count())
            .select_from(Payout)
            .where(Payout.seller_id.in_(seller_ids), Payout.created_at >= paid_at)
        )
        if paid_out:
            raise ValidationError(
                str(_l("A seller of this order was paid out since the confirmation: it stays."))
            )
    add_to_totals(session, entries, sign=-1)
    for entry in entries:
        session.delete(entry)
    session.flush()
    return len(entries)
