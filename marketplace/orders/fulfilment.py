"""A seller's parcel after payment: processing, shipped, delivered; the order follows its parcels."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace import signals
from marketplace.errors import ValidationError
from marketplace.i18n import message as _l
from marketplace.orders.history import add_event, claim_order
from marketplace.orders.models import Fulfilment, FulfilmentStatus, Order, OrderStatus, ShippingMethod


def mark_fulfilment_processing(
    session: Session,
    fulfilment: Fulfilment,
    *,
    actor_id: int | None = None,
    actor_label: str,
    now: datetime,
) -> bool:
    """Pending → processing, only once the order is paid (payment normally does this already).

    One conditional UPDATE, so a double submit moves the parcel once; False when nothing changed.
    """
    result = session.execute(
        sa.update(Fulfilment)
        .where(
            Fulfilment.id == fulfilment.id,
            Fulfilment.status == FulfilmentStatus.PENDING,
            Fulfilment.order_id.in_(sa.select(Order.id).where(Order.status == OrderStatus.PAID)),
        )
        .values(status=FulfilmentStatus.PROCESSING)
        .execution_options(synchronize_session=False)
    )
    session.expire(fulfilment)
    if result.rowcount != 1:
        return False
    add_event(
        session,
        fulfilment.order,
        from_status=FulfilmentStatus.PENDING,
        to_status=FulfilmentStatus.PROCESSING,
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
        fulfilment_id=fulfilment.id,
    )
    session.flush()
    return True


def mark_fulfilment_shipped(
    session: Session,
    fulfilment: Fulfilment,
    *,
    courier: str,
    tracking_number: str,
    actor_id: int | None = None,
    actor_label: str,
    now: datetime,
) -> bool:
    """A seller handed their parcel to the courier. Idempotent; True the first time.

    Only a paid order's fulfilment that is being prepared can ship (ValidationError otherwise, or
    for a missing tracking number on courier delivery). The order becomes SHIPPED when every
    fulfilment that is not cancelled has shipped. Sends `signals.fulfilment_shipped` (the email).
    """
    courier = (courier or "").strip()[:60]
    tracking_number = (tracking_number or "").strip()[:80]
    order = fulfilment.order
    if fulfilment.status in (FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED):
        return False
    if fulfilment.status != FulfilmentStatus.PROCESSING or order.status != OrderStatus.PAID:
        raise ValidationError(str(_l("Only a paid order that is being prepared can be shipped.")))
    if order.shipping_method == ShippingMethod.COURIER and not tracking_number:
        raise ValidationError(str(_l("Enter the courier's tracking number.")), field="tracking_number")
    if not _move_fulfilment(
        session,
        fulfilment,
        from_status=FulfilmentStatus.PROCESSING,
        to_status=FulfilmentStatus.SHIPPED,
        values={"courier": courier, "tracking_number": tracking_number, "shipped_at": now},
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
        note=f"{courier} {tracking_number}".strip(),
    ):
        return False
    _advance_order_when_parcels_are(
        session,
        order,
        parcel_statuses={FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED},
        from_statuses=[OrderStatus.PAID],
        to_status=OrderStatus.SHIPPED,
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
    )
    # The "shipped" email with the tracking number (orders.notifications listens).
    signals.fulfilment_shipped.send(session=session, fulfilment=fulfilment, order=order, now=now)
    return True


def mark_fulfilment_delivered(
    session: Session,
    fulfilment: Fulfilment,
    *,
    actor_id: int | None = None,
    actor_label: str,
    now: datetime,
) -> bool:
    """The parcel arrived (or was picked up). Idempotent; the order is DELIVERED when all parcels are."""
    order = fulfilment.order
    if not _move_fulfilment(
        session,
        fulfilment,
        from_status=FulfilmentStatus.SHIPPED,
        to_status=FulfilmentStatus.DELIVERED,
        values={"delivered_at": now},
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
    ):
        return False
    _advance_order_when_parcels_are(
        session,
        order,
        parcel_statuses={FulfilmentStatus.DELIVERED},
        from_statuses=[OrderStatus.PAID, OrderStatus.SHIPPED],
        to_status=OrderStatus.DELIVERED,
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
    )
    return True


def _move_fulfilment(
    session: Session,
    fulfilment: Fulfilment,
    *,
    from_status: FulfilmentStatus,
    to_status: FulfilmentStatus,
    values: dict,
    actor_id: int | None,
    actor_label: str,
    now: datetime,
    note: str = "",
) -> bool:
    """One conditional UPDATE from `from_status`, so a double submit moves the parcel once."""
    order = fulfilment.order
    result = session.execute(
        sa.update(Fulfilment)
        .where(Fulfilment.id == fulfilment.id, Fulfilment.status == from_status)
        .values(status=to_status, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    session.expire(fulfilment)
    add_event(
        session,
        order,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
        fulfilment_id=fulfilment.id,
        note=note,
    )
    session.flush()
    return True


def _advance_order_when_parcels_are(
    session: Session,
    order: Order,
    *,
    parcel_statuses: set[FulfilmentStatus],
    from_statuses: Sequence[OrderStatus],
    to_status: OrderStatus,
    actor_id: int | None,
    actor_label: str,
    now: datetime,
) -> None:
    """Move the order to `to_status` once every parcel that is not cancelled is in `parcel_statuses`."""
    open_statuses = {f.status for f in order.fulfilments if f.status != FulfilmentStatus.CANCELLED}
    if not open_statuses or not open_statuses <= parcel_statuses:
        return
    previous = order.status
    if claim_order(
        session, order, from_statuses=from_statuses, values={"status": to_status, "updated_at": now}
    ):
        add_event(
            session,
            order,
            from_status=previous,
            to_status=to_status,
            actor_id=actor_id,
            actor_label=actor_label,
            now=now,
        )
        session.flush()
