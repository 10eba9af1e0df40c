"""Undoing a payment confirmation: a paid order back to awaiting payment, when nothing followed.

A curator who marked the wrong bank transfer received undoes it (payments.transfers decides who
and how long). The move is one conditional UPDATE, so of two undos, or an undo racing a seller's
"shipped", exactly one changes the order. Payment rows and the payout ledger follow through
`signals.order_payment_reversed`; flush only, the caller commits.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace import signals
from marketplace.orders.history import add_event
from marketplace.orders.models import Fulfilment, FulfilmentStatus, Order, OrderStatus
from marketplace.stock.services import withdraw_sale

#: Fulfilment states in which nothing has happened yet to a paid order's parcel.
UNTOUCHED = (FulfilmentStatus.PENDING, FulfilmentStatus.PROCESSING)


def reverse_order_payment(
    session: Session,
    order: Order,
    *,
    paid_since: datetime,
    payment_due_at: datetime,
    actor_id: int | None,
    actor_label: str,
    note: str,
    now: datetime,
) -> bool:
    """Move a PAID order marked paid at or after `paid_since` back to AWAITING_PAYMENT.

    Only while every parcel is untouched (not shipped, not cancelled by its seller). The units
    stay reserved (the order holds them again until `payment_due_at`), the stock ledger's SALE
    rows of the order go (delta 0: they only said "paid"), parcels return to pending, an event
    is written, then `signals.order_payment_reversed` (whose receivers may refuse by raising).
    Returns False, changing nothing, when the order no longer qualifies.
    """
    paid_at = order.paid_at
    touched = (
        sa.select(Fulfilment.id)
        .where(Fulfilment.order_id == Order.id, Fulfilment.status.not_in(list(UNTOUCHED)))
        .exists()
    )
    result = session.execute(
        sa.update(Order)
        .where(
            Order.id == order.id,
            Order.status == OrderStatus.PAID,
            Order.paid_at >= paid_since,
            ~touched,
        )
        .values(
            status=OrderStatus.AWAITING_PAYMENT,
            paid_at=None,
            payment_due_at=payment_due_at,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.expire(order)
    if result.rowcount != 1:
        return False
    for fulfilment in order.fulfilments:
        fulfilment.status = FulfilmentStatus.PENDING
    withdraw_sale(session, order)
    add_event(
        session,
        order,
        from_status=OrderStatus.PAID,
        to_status=OrderStatus.AWAITING_PAYMENT,
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
        note=note,
    )
    session.flush()
    # The bank Payment goes back to pending, the payout ledger's sale is withdrawn.
    signals.order_payment_reversed.send(
        session=session, order=order, paid_at=paid_at, actor_id=actor_id, now=now
    )
    return True
