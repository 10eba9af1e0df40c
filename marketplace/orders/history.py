"""An order's history and its one-writer status moves, shared by placement, payment and fulfilment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.orders.models import Order, OrderEvent, OrderStatus

#: `actor_label` of changes nobody made by hand (the expiry job).
SYSTEM = "system"

#: How an event's note starts when a card refund failed at Stripe (refunds/failures.py): the buyer
#: reads it as "The refund did not reach your card", never as a step or a refund.
REFUND_NOT_MADE_NOTE = "card refund"

#: Statuses in which the goods were paid for.
PAID_STATUSES = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED})


def event_values(
    *,
    from_status,
    to_status,
    actor_label: str,
    now: datetime,
    actor_id: int | None = None,
    note: str = "",
    fulfilment_id: int | None = None,
) -> dict:
    """An order event's columns besides its order (the checkout inserts its first one with Core)."""
    return {
        "fulfilment_id": fulfilment_id,
        "actor_id": actor_id,
        "actor_label": (actor_label or "")[:60],
        "from_status": str(from_status) if from_status is not None else None,
        "to_status": str(to_status),
        "note": note,
        "created_at": now,
    }


def add_event(session: Session, order: Order, **values) -> OrderEvent:
    """Add an event to `order` (its columns: `event_values`)."""
    event = OrderEvent(order=order, **event_values(**values))
    session.add(event)
    return event


def claim_order(
    session: Session, order: Order, *, from_statuses: Sequence[OrderStatus], values: dict
) -> bool:
    """Move the order out of `from_statuses` with one conditional UPDATE; True if this caller won.

    The database serializes concurrent claims on the row, so exactly one caller gets True.
    """
    result = session.execute(
        sa.update(Order)
        .where(Order.id == order.id, Order.status.in_(list(from_statuses)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.expire(order)
    return result.rowcount == 1
