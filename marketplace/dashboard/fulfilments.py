"""Orders to ship: a seller's fulfilments, marked processing and shipped with a tracking number."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from marketplace.errors import InvalidInput, NotFound
from marketplace.i18n import message as _l
from marketplace.orders import services as order_services
from marketplace.orders.models import (
    Fulfilment,
    FulfilmentStatus,
    Order,
    OrderStatus,
)
from marketplace.orders.services import mark_fulfilment_shipped
from marketplace.seller.common import TRACKING, clean_text
from marketplace.shipping.couriers import list_couriers

#: The ship form's choice for a courier not in the couriers table (its name typed by the seller).
OTHER_COURIER = "other"


#: The order the seller's list shows parcels in: to ship, awaiting payment, shipped, then the rest.
LIST_GROUPS: tuple[tuple[FulfilmentStatus, ...], ...] = (
    (FulfilmentStatus.PROCESSING,),
    (FulfilmentStatus.PENDING,),
    (FulfilmentStatus.SHIPPED,),
    (FulfilmentStatus.DELIVERED, FulfilmentStatus.CANCELLED),
)


def list_fulfilments(
    session: Session,
    seller_ids: Sequence[int],
    *,
    limit: int = 200,
    statuses: Sequence[FulfilmentStatus] | None = None,
) -> list[Fulfilment]:
    """The shops' parcels: paid ones to ship first, then awaiting payment, then the rest, newest first.

    `statuses` keeps only parcels in those states (the dashboard's "to ship": PROCESSING).
    One query per group of LIST_GROUPS until `limit` parcels are found, each a LIMIT on the
    shop's (seller_id, status) index: ranking every parcel of a shop with years of orders before
    keeping 200 sorted tens of thousands of rows on each visit.
    """
    if not seller_ids:
        return []
    wanted = set(statuses) if statuses is not None else None
    found: list[Fulfilment] = []
    for group in LIST_GROUPS:
        group = [status for status in group if wanted is None or status in wanted]
        if not group or len(found) >= limit:
            continue
        found += session.scalars(
            sa.select(Fulfilment)
            .join(Order, Order.id == Fulfilment.order_id)
            .where(Fulfilment.seller_id.in_(list(seller_ids)), Fulfilment.status.in_(group))
            .order_by(Order.created_at.desc(), Fulfilment.id.desc())
            .limit(limit - len(found))
        )
    if found:
        # One query each for the parcels' orders and lines, whatever the number of groups.
        session.scalars(
            sa.select(Fulfilment)
            .where(Fulfilment.id.in_([f.id for f in found]))
            .options(selectinload(Fulfilment.order), selectinload(Fulfilment.lines))
        ).all()
    return found


def get_seller_fulfilment(session: Session, fulfilment_id: int, seller_ids: Sequence[int]) -> Fulfilment:
    fulfilment = session.get(Fulfilment, fulfilment_id) if seller_ids else None
    if fulfilment is None or fulfilment.seller_id not in set(seller_ids):
        raise NotFound(_l("Not found."))
    return fulfilment


def mark_processing(
    session: Session, *, fulfilment: Fulfilment, actor_id: int, actor_label: str, now: datetime
) -> bool:
    """Pending → processing, only once the order is paid (the orders rule; payment normally does it)."""
    return order_services.mark_fulfilment_processing(
        session, fulfilment, actor_id=actor_id, actor_label=actor_label, now=now
    )


def ship_fulfilment(
    session: Session,
    *,
    fulfilment: Fulfilment,
    courier: str,
    tracking_number: str,
    actor_id: int,
    actor_label: str,
    now: datetime,
    courier_other: str = "",
) -> bool:
    """Processing → shipped with courier and tracking number; the buyer is emailed.

    `courier` is a courier's code (or name) from the couriers table, whose tracking page the buyer
    then gets a link to, or OTHER_COURIER with the name in `courier_other`; any other text is
    kept as the courier's name, without a link.

    When it was the order's last parcel, the order becomes shipped too. Raises InvalidInput for
    a missing courier or malformed tracking number; returns False if the parcel was not ready to
    ship (unpaid, cancelled, already shipped) — nothing changes then.
    """
    courier, courier_code = _courier_choice(session, clean_text(courier), clean_text(courier_other))
    tracking_number = " ".join(clean_text(tracking_number).split())
    errors = {}
    if not 2 <= len(courier) <= 60:
        errors["courier"] = _l("Choose the courier.")
    if not TRACKING.match(tracking_number):
        errors["tracking_number"] = _l(
            "Enter the tracking number from the courier's receipt (4 to 80 letters and digits)."
        )
    if errors:
        raise InvalidInput(errors)
    if fulfilment.status != FulfilmentStatus.PROCESSING or fulfilment.order.status != OrderStatus.PAID:
        return False
    # The order's own rules take over from here: one conditional UPDATE, the history, the order
    # becoming shipped with its last parcel, and the buyer's "shipped" email.
    return mark_fulfilment_shipped(
        session,
        fulfilment,
        courier=courier,
        courier_code=courier_code,
        tracking_number=tracking_number,
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
    )


def courier_choices(session: Session) -> list[tuple[str, str]]:
    """(value, label) of the ship form's courier select: the offered couriers, then "other"."""
    return [(courier.code, courier.name) for courier in list_couriers(session, active_only=True)]


def _courier_choice(session: Session, chosen: str, other: str) -> tuple[str, str | None]:
    """(courier name, code or None) from the form's select and its "other" text."""
    if chosen == OTHER_COURIER:
        return other, None
    for courier in list_couriers(session):
        if chosen in (courier.code, courier.name) or chosen.casefold() == courier.name.casefold():
            return courier.name, courier.code
    return chosen, None
