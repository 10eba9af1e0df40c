"""What a seller may be paid now: money waiting for delivery, money held by an open case, the rest.

Representation (issue 13, "payouts held until delivery"):

- Nothing is stored for availability. A ledger entry tied to a parcel (SALE, COMMISSION, REFUND,
  COMMISSION_REVERSAL carry `fulfilment_id`) is *pending* until that parcel's status is DELIVERED
  — by the seller, the buyer's "received" or the auto-complete job, whichever path sets it — and
  *settled* afterwards; entries without a parcel (PAYOUT) are always settled. Read at query time
  (issue 16: the whole balance from the month totals of payouts/totals.py, minus the ledger sums
  of the parcels not delivered yet, which totals.py keeps on each parcel's row beside its status),
  so a status set by any UPDATE is seen at once and nothing can fall out of step.
- An open problem report keeps its amount back: a PayoutHold row (placed and released by the
  `case_opened` / `case_closed` signals), not a ledger entry, because it moves no money.
- available = settled − holds on delivered parcels, never above the whole balance;
  held = every open hold; pending = the rest, so pending + held + available = balance.
  A refund lowers whichever side its parcel is on; a CANCELLED parcel stays pending (its money is
  normally refunded; what is left is for a curator to settle, never paid out automatically).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.orders.models import Fulfilment, FulfilmentStatus
from marketplace.payouts.models import PayoutHold
from marketplace.payouts.totals import seller_totals


@dataclass(frozen=True)
class Balances:
    """A seller's balance split three ways (whole rupiah; pending + held + available = total)."""

    total: int = 0
    pending: int = 0
    held: int = 0
    available: int = 0


def list_balances(session: Session, seller_ids: Sequence[int] | None = None) -> dict[int, Balances]:
    """{seller id: Balances} for these sellers (None: every seller with entries): three queries."""
    if seller_ids is not None and not seller_ids:
        return {}
    delivered = Fulfilment.status == FulfilmentStatus.DELIVERED
    # Pending: the ledger sums of the parcels not delivered (yet), kept on the parcels by
    # payouts/totals.py. Written as "!= delivered" to match the partial index
    # ix_fulfilments_undelivered, which holds each such parcel's shop and sum.
    pending_entries = (
        sa.select(Fulfilment.seller_id, sa.func.coalesce(sa.func.sum(Fulfilment.ledger_idr), 0))
        .where(sa.text("fulfilments.status <> 'delivered'"))
        .group_by(Fulfilment.seller_id)
    )
    holds = (
        sa.select(
            PayoutHold.seller_id,
            sa.func.coalesce(sa.func.sum(PayoutHold.amount_idr), 0),
            sa.func.coalesce(sa.func.sum(sa.case((delivered, PayoutHold.amount_idr), else_=0)), 0),
        )
        .join(Fulfilment, Fulfilment.id == PayoutHold.fulfilment_id)
        .where(PayoutHold.released_at.is_(None))
        .group_by(PayoutHold.seller_id)
    )
    if seller_ids is not None:
        pending_entries = pending_entries.where(Fulfilment.seller_id.in_(list(seller_ids)))
        holds = holds.where(PayoutHold.seller_id.in_(list(seller_ids)))
    held = {
        seller_id: (int(all_), int(on_delivered)) for seller_id, all_, on_delivered in session.execute(holds)
    }
    pending_sums = {seller_id: int(amount) for seller_id, amount in session.execute(pending_entries)}
    result = {}
    for seller_id, total in seller_totals(session, seller_ids).items():
        settled_sum = total - pending_sums.get(seller_id, 0)
        held_all, held_delivered = held.get(seller_id, (0, 0))
        available = min(total, settled_sum - held_delivered)
        result[seller_id] = Balances(
            total=total, pending=total - held_all - available, held=held_all, available=available
        )
    return result


def balances_of(session: Session, seller_id: int) -> Balances:
    return list_balances(session, [seller_id]).get(seller_id, Balances())


def available_balance(session: Session, seller_id: int) -> int:
    """What may be paid out now (may be negative after a late refund)."""
    return balances_of(session, seller_id).available


def delivered_fulfilment_ids(session: Session, fulfilment_ids: Sequence[int]) -> set[int]:
    """Which of these parcels are delivered (their ledger entries are settled)."""
    ids = [i for i in set(fulfilment_ids) if i is not None]
    if not ids:
        return set()
    return set(
        session.scalars(
            sa.select(Fulfilment.id).where(
                Fulfilment.id.in_(ids), Fulfilment.status == FulfilmentStatus.DELIVERED
            )
        )
    )


def place_hold(
    session: Session, *, fulfilment: Fulfilment, amount_idr: int, now: datetime
) -> PayoutHold | None:
    """Keep `amount_idr` of the parcel's money back from payouts (an amount ≤ 0 holds nothing)."""
    if not isinstance(amount_idr, int) or isinstance(amount_idr, bool) or amount_idr <= 0:
        return None
    hold = PayoutHold(
        seller_id=fulfilment.seller_id, fulfilment_id=fulfilment.id, amount_idr=amount_idr, created_at=now
    )
    session.add(hold)
    session.flush()
    return hold


def release_hold(session: Session, *, fulfilment: Fulfilment, amount_idr: int | None, now: datetime) -> bool:
    """Release the parcel's open hold of `amount_idr` (else its oldest open hold). False when none
    is open (closing twice releases once). One conditional UPDATE: two closes never release two."""
    open_holds = list(
        session.execute(
            sa.select(PayoutHold.id, PayoutHold.amount_idr)
            .where(PayoutHold.fulfilment_id == fulfilment.id, PayoutHold.released_at.is_(None))
            .order_by(PayoutHold.id)
        )
    )
    if not open_holds:
        return False
    chosen = next((hold_id for hold_id, amount in open_holds if amount == amount_idr), open_holds[0][0])
    result = session.execute(
        sa.update(PayoutHold)
        .where(PayoutHold.id == chosen, PayoutHold.released_at.is_(None))
        .values(released_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return result.rowcount == 1
