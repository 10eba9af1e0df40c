"""A refund that failed at Stripe leaves the sellers' ledger: its entries are reversed.

The REFUND (−) and COMMISSION_REVERSAL (+) entries `record_refund` wrote for it stay (the seller
saw them; a payout may have been counted on them) and each gets its opposite, keyed
"failed:<its key>", dated when the failure was heard: the balance is as if the refund never
happened, and the sales page says what came back. A later refund of the same units (by card
again, or by bank transfer) enters the ledger as any refund does.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.payouts.models import LedgerEntry, LedgerKind
from marketplace.payouts.totals import add_to_totals

FAILED_PREFIX = "failed:"


def reverse_refund_entries(session: Session, refund, *, now: datetime) -> int:
    """Write the opposite of each ledger entry of `refund`; idempotent. Returns how many were written."""
    entries = list(
        session.scalars(
            sa.select(LedgerEntry)
            .where(
                LedgerEntry.refund_id == refund.id,
                LedgerEntry.kind.in_([LedgerKind.REFUND, LedgerKind.COMMISSION_REVERSAL]),
                LedgerEntry.key.not_like(f"{FAILED_PREFIX}%"),
            )
            .order_by(LedgerEntry.id)
        )
    )
    if not entries:
        return 0
    keys = [FAILED_PREFIX + entry.key for entry in entries]
    existing = set(session.scalars(sa.select(LedgerEntry.key).where(LedgerEntry.key.in_(keys))))
    fresh = [
        LedgerEntry(
            seller_id=entry.seller_id,
            kind=entry.kind,
            key=key,
            amount_idr=-entry.amount_idr,
            order_id=entry.order_id,
            fulfilment_id=entry.fulfilment_id,
            refund_id=entry.refund_id,
            commission_percent=entry.commission_percent,
            reference=entry.reference,
            occurred_at=now,
            created_at=now,
        )
        for entry, key in zip(entries, keys, strict=True)
        if key not in existing
    ]
    session.add_all(fresh)
    session.flush()
    add_to_totals(session, fresh)
    return len(fresh)
