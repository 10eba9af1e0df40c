"""A seller's parcel after payment: processing, shipped, delivered; the order follows its parcels."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace import signals
from marketplace.errors import ValidationError
from marketplace.i18n import message as _l
from marketplace.orders.history import add_event, claim_order
from marketplace.orders.models import Fulfilment, FulfilmentStatus, Order, OrderStatus, ShippingMethod
from marketplace.shipping.models import ShippingZone
from marketplace.shipping.rates import DOMESTIC_AUTO_COMPLETE_DAYS

AUTO_COMPLETE_LABEL = "system: auto-complete"


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
    courier_code: str | None = None,
    actor_id: int | None = None,
    actor_label: str,
    now: datetime,
) -> bool:
    """A seller handed their parcel to the courier. Idempotent; True the first time.

    `courier_code` names a shipping.models.Courier (its tracking page is linked), None for another
    courier typed by the seller.

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
        values={
            "courier": courier,
            "courier_code": (courier_code or None) and courier_code[:20],
            "tracking_number": tracking_number,
            "shipped_at": now,
        },
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
        note=f"{courier} {tracking_number}".strip(),
    ):
        return False
    advance_order_when_all_shipped(session, order, actor_id=actor_id, actor_label=actor_label, now=now)
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
    unless_case_open: bool = False,
    note: str = "",
) -> bool:
    """The parcel arrived (or was picked up). Idempotent; the order is DELIVERED when all parcels are.

    `unless_case_open`: leave a parcel with an open problem case alone (the auto-complete job).
    """
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
        note=note,
        extra_where=(Fulfilment.has_open_case.is_(False),) if unless_case_open else (),
    ):
        return False
    signals.fulfilment_delivered.send(session=session, fulfilment=fulfilment, order=order, now=now)
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


def auto_complete_days():
    """The SQL for a parcel's days from shipping to completing by itself: its order's zone's
    `auto_complete_days`, DOMESTIC_AUTO_COMPLETE_DAYS without a zone (pickup). For a select that
    has `Order`; the job below and the seller's payout page (payouts/schedule.py) read the same rule."""
    return sa.func.coalesce(
        sa.select(ShippingZone.auto_complete_days)
        .where(ShippingZone.code == Order.shipping_zone)
        .scalar_subquery(),
        DOMESTIC_AUTO_COMPLETE_DAYS,
    )


def auto_complete_fulfilments(session: Session, *, now: datetime, limit: int = 500) -> int:
    """Parcels shipped `auto_complete_days` ago (their order's zone; 14 without one) are delivered.

    Run by the job runner. Each parcel moves with one conditional UPDATE that also requires no
    open problem case (`has_open_case`), so a buyer confirming receipt, a case being opened and
    two overlapping runs all race safely: exactly one changes the row. Returns parcels completed.
    """
    days = auto_complete_days()
    shortest = session.scalar(sa.select(sa.func.min(ShippingZone.auto_complete_days)))
    oldest_due = now - timedelta(
        days=min(shortest or DOMESTIC_AUTO_COMPLETE_DAYS, DOMESTIC_AUTO_COMPLETE_DAYS)
    )
    candidates = session.execute(
        sa.select(Fulfilment.id, Fulfilment.shipped_at, days)
        .join(Order, Order.id == Fulfilment.order_id)
        .where(
            Fulfilment.status == FulfilmentStatus.SHIPPED,
            Fulfilment.has_open_case.is_(False),
            Fulfilment.shipped_at <= oldest_due,
        )
        .order_by(Fulfilment.shipped_at, Fulfilment.id)
        .limit(limit)
    ).all()
    completed = 0
    for fulfilment_id, shipped_at, zone_days in candidates:
        if shipped_at > now - timedelta(days=int(zone_days)):
            continue
        fulfilment = session.get(Fulfilment, fulfilment_id)
        if fulfilment is not None and mark_fulfilment_delivered(
            session,
            fulfilment,
            actor_label=AUTO_COMPLETE_LABEL,
            now=now,
            unless_case_open=True,
            note=f"auto-complete after {int(zone_days)} days",
        ):
            completed += 1
    return completed


def claim_fulfilment_for_case(session: Session, fulfilment: Fulfilment) -> bool:
    """Mark a shipped parcel as having an open problem case; False when it is not shipped any
    more (delivered, auto-completed) or already has one. One conditional UPDATE: it and the
    auto-complete job cannot both win."""
    result = session.execute(
        sa.update(Fulfilment)
        .where(
            Fulfilment.id == fulfilment.id,
            Fulfilment.status == FulfilmentStatus.SHIPPED,
            Fulfilment.has_open_case.is_(False),
        )
        .values(has_open_case=True)
        .execution_options(synchronize_session=False)
    )
    session.expire(fulfilment)
    return result.rowcount == 1


def release_fulfilment_case(session: Session, fulfilment: Fulfilment) -> bool:
    """The parcel's case closed: it may complete again. False when no case was open."""
    result = session.execute(
        sa.update(Fulfilment)
        .where(Fulfilment.id == fulfilment.id, Fulfilment.has_open_case.is_(True))
        .values(has_open_case=False)
        .execution_options(synchronize_session=False)
    )
    session.expire(fulfilment)
    return result.rowcount == 1


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
    extra_where: Sequence = (),
) -> bool:
    """One conditional UPDATE from `from_status`, so a double submit moves the parcel once."""
    order = fulfilment.order
    result = session.execute(
        sa.update(Fulfilment)
        .where(Fulfilment.id == fulfilment.id, Fulfilment.status == from_status, *extra_where)
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


def advance_order_when_all_shipped(
    session: Session, order: Order, *, actor_id: int | None, actor_label: str, now: datetime
) -> None:
    """A paid order becomes shipped once every part not cancelled has shipped (or arrived): after a
    part ships, or after the last unshipped part is cancelled."""
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
