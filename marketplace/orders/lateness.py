"""Late parcels and the on-time share: one rule for the reminder, the curators' list and naik kelas.

A paid part is due `paid_at` + its processing days + the grace (config LATE_GRACE_DAYS, default
2). Its processing days are the shop's (`Seller.processing_days`, default 3) or, when longer, the
slowest of its products' (a batik tulis made to order takes weeks). Not shipped by then: late.
Dates are computed in Python, or in SQL by `types.add_days` (the same arithmetic on both databases)
where every parcel ever paid is counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session, attributes

from marketplace.accounts.models import User
from marketplace.catalogue.models import Product
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.orders.models import (
    Fulfilment,
    FulfilmentStatus,
    LateParcelReminder,
    Order,
    OrderLine,
    OrderStatus,
)
from marketplace.seller.models import Seller
from marketplace.types import UTCDateTime, add_days

DEFAULT_GRACE_DAYS = 2
#: Parcels that may still be late: paid, not shipped, not cancelled.
OPEN_STATUSES = (FulfilmentStatus.PENDING, FulfilmentStatus.PROCESSING)


@dataclass(frozen=True)
class LatePart:
    fulfilment: Fulfilment
    order: Order
    seller: Seller
    due_at: datetime
    days_overdue: int


def due_at(paid_at: datetime, processing_days: int, grace_days: int) -> datetime:
    return paid_at + timedelta(days=max(int(processing_days or 0), 0) + max(int(grace_days), 0))


def slowest_product_days():
    """The slowest product's processing days of the part in the outer query (None: no product).

    Correlated on the lines' fulfilment_id index, read per part found: grouping every order line
    first cost seconds at a million lines."""
    return (
        sa.select(sa.func.max(sa.func.coalesce(Product.processing_days, 0)))
        .select_from(OrderLine)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.fulfilment_id == Fulfilment.id)
        .correlate(Fulfilment)
        .scalar_subquery()
    )


def due_expression(slowest, grace_days: int):
    """`due_at` in SQL for a part joined with its order and shop, given its slowest product's days."""
    shop = sa.func.coalesce(Seller.processing_days, 0)
    days = sa.case((slowest > shop, slowest), else_=shop)
    days = sa.case((days > 0, days), else_=0) + max(int(grace_days), 0)
    return add_days(Order.paid_at, days)


def _parts(session: Session, *conditions):
    """(fulfilment, order, seller, processing days) of paid parts matching `conditions` (one query;
    the lines are read only for a part without `slowest_days`)."""
    rows = session.execute(
        sa.select(
            Fulfilment, Order, Seller, sa.func.coalesce(Fulfilment.slowest_days, slowest_product_days(), 0)
        )
        .join(Order, Order.id == Fulfilment.order_id)
        .join(Seller, Seller.id == Fulfilment.seller_id)
        .where(Order.paid_at.is_not(None), *conditions)
        .order_by(Order.paid_at, Fulfilment.id)
    ).all()
    return [(f, o, s, max(int(days or 0), int(s.processing_days or 0))) for f, o, s, days in rows]


def _late_conditions(now: datetime, grace_days: int, seller_ids: Sequence[int] | None) -> list:
    slowest = sa.func.coalesce(Fulfilment.slowest_days, slowest_product_days(), 0)
    conditions = [
        Order.status == OrderStatus.PAID,
        Fulfilment.status.in_(OPEN_STATUSES),
        Order.paid_at <= now - timedelta(days=grace_days),
        due_expression(slowest, grace_days) < now,
    ]
    if seller_ids is not None:
        conditions.append(Fulfilment.seller_id.in_(list(seller_ids)))
    return conditions


def list_late_parts(
    session: Session,
    *,
    now: datetime,
    grace_days: int = DEFAULT_GRACE_DAYS,
    seller_ids: Sequence[int] | None = None,
) -> list[LatePart]:
    """Paid parts not shipped past their due time, most overdue first. The due time is compared
    in SQL too (`due_expression`, exact on both databases), so only the late parts are loaded,
    not every open one (issue 16: 414 of 1,582 at a million lines)."""
    conditions = _late_conditions(now, grace_days, seller_ids)
    late = []
    for fulfilment, order, seller, days in _parts(session, *conditions):
        due = due_at(order.paid_at, days, grace_days)
        if now > due:
            late.append(LatePart(fulfilment, order, seller, due, max((now - due).days, 0) + 1))
    return sorted(late, key=lambda part: (-part.days_overdue, part.fulfilment.id))


def page_late_parts(
    session: Session,
    *,
    now: datetime,
    grace_days: int = DEFAULT_GRACE_DAYS,
    offset: int = 0,
    limit: int,
) -> tuple[list[LatePart], int]:
    """One page of `list_late_parts` (the same parts in the same order) and how many are late.

    The order (days overdue, then id) is taken from four columns per late part; only the page's
    parts are loaded as objects with their orders and shops (issue 16: 50 of 414, not all)."""
    keys = []
    for fulfilment_id, paid_at, shop_days, slowest in session.execute(
        sa.select(
            Fulfilment.id,
            Order.paid_at,
            Seller.processing_days,
            sa.func.coalesce(Fulfilment.slowest_days, slowest_product_days(), 0),
        )
        .join(Order, Order.id == Fulfilment.order_id)
        .join(Seller, Seller.id == Fulfilment.seller_id)
        .where(Order.paid_at.is_not(None), *_late_conditions(now, grace_days, None))
    ):
        due = due_at(paid_at, max(int(slowest or 0), int(shop_days or 0)), grace_days)
        if now > due:
            keys.append((-(max((now - due).days, 0) + 1), fulfilment_id))
    keys.sort()
    wanted = [fulfilment_id for _days, fulfilment_id in keys[offset : offset + limit]]
    if not wanted:
        return [], len(keys)
    found = {}
    for fulfilment, order, seller, days in _parts(session, Fulfilment.id.in_(wanted)):
        due = due_at(order.paid_at, days, grace_days)
        found[fulfilment.id] = LatePart(fulfilment, order, seller, due, max((now - due).days, 0) + 1)
    return [found[fulfilment_id] for fulfilment_id in wanted if fulfilment_id in found], len(keys)


def late_fulfilment_ids(session: Session, order: Order, *, now: datetime, grace_days: int) -> set[int]:
    """Ids of this order's late parts (for the buyer's page)."""
    if order.status != OrderStatus.PAID or order.paid_at is None:
        return set()
    parts = _parts(session, Fulfilment.order_id == order.id, Fulfilment.status.in_(OPEN_STATUSES))
    return {f.id for f, o, _s, days in parts if now > due_at(o.paid_at, days, grace_days)}


def open_part_dues(
    session: Session, order_ids: Sequence[int], *, grace_days: int
) -> dict[int, tuple[int, datetime]]:
    """{fulfilment id: (order id, due time)} of the paid, unsent parts of these orders, in one
    query whatever their number (the buyer's order list: "sent by …", or late once past it)."""
    if not order_ids:
        return {}
    parts = _parts(
        session,
        Fulfilment.order_id.in_(list(order_ids)),
        Order.status == OrderStatus.PAID,
        Fulfilment.status.in_(OPEN_STATUSES),
    )
    return {f.id: (o.id, due_at(o.paid_at, days, grace_days)) for f, o, _s, days in parts}


def on_time_counts(
    session: Session,
    seller_ids: Sequence[int] | None,
    *,
    now: datetime,
    grace_days: int = DEFAULT_GRACE_DAYS,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[int, tuple[int, int]]:
    """(parts on time, parts measured) per seller, over every part paid in [since, until).

    No window by default: a parcel unshipped for eleven months counts as late, not as forgotten.
    Shipped by its due time: on time; shipped later, or still unshipped (or cancelled) after it:
    late; not due yet, or cancelled before it was due: not measured. Counted in SQL (one
    grouped query: years of parcels are never loaded), with `due_at`'s rule as an expression.
    """
    # Every part is counted: its slowest product's days are stored on it (Fulfilment.slowest_days,
    # kept below), so years of parts are never joined with their lines; only a part without them
    # (rows written by hand) has its lines grouped. (One reference each: the expression is
    # repeated in every CASE below, and a correlated subquery there made PostgreSQL's JIT compile
    # twenty subplans.)
    unknown = (
        sa.select(
            OrderLine.fulfilment_id, sa.func.max(sa.func.coalesce(Product.processing_days, 0)).label("days")
        )
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.fulfilment_id.in_(sa.select(Fulfilment.id).where(Fulfilment.slowest_days.is_(None))))
        .group_by(OrderLine.fulfilment_id)
        .subquery("unknown")
    )
    due = due_expression(sa.func.coalesce(Fulfilment.slowest_days, unknown.c.days, 0), grace_days)
    shipped = Fulfilment.shipped_at.is_not(None)
    measured = sa.case(
        (shipped, 1),
        (
            Fulfilment.status == FulfilmentStatus.CANCELLED,
            sa.case(
                (sa.and_(Fulfilment.cancelled_at.is_not(None), Fulfilment.cancelled_at > due), 1), else_=0
            ),
        ),
        (sa.literal(now, UTCDateTime()) > due, 1),
        else_=0,
    )
    on_time = sa.case((sa.and_(shipped, Fulfilment.shipped_at <= due), 1), else_=0)
    conditions = [
        Order.paid_at.is_not(None),
        Fulfilment.status.in_(
            [*OPEN_STATUSES, FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED, FulfilmentStatus.CANCELLED]
        ),
    ]
    if seller_ids is not None:
        conditions.append(Fulfilment.seller_id.in_(list(seller_ids)))
    if since is not None:
        conditions.append(Order.paid_at >= since)
    if until is not None:
        conditions.append(Order.paid_at < until)
    rows = session.execute(
        sa.select(Fulfilment.seller_id, sa.func.sum(on_time), sa.func.sum(measured))
        .join(Order, Order.id == Fulfilment.order_id)
        .join(Seller, Seller.id == Fulfilment.seller_id)
        .outerjoin(unknown, unknown.c.fulfilment_id == Fulfilment.id)
        .where(*conditions)
        .group_by(Fulfilment.seller_id)
        .having(sa.func.sum(measured) > 0)
    )
    return {seller_id: (int(good), int(total)) for seller_id, good, total in rows}


def products_with_new_days(session: Session) -> list[int]:
    """Ids of the products whose processing days the flush under way changes (after_flush)."""
    return sorted(
        obj.id
        for obj in session.dirty
        if isinstance(obj, Product) and attributes.get_history(obj, "processing_days").added
    )


def parts_holding(product_ids: list[int]):
    """A select of the ids of the parts holding these products."""
    return sa.select(OrderLine.fulfilment_id).where(OrderLine.product_id.in_(product_ids))


def rewrite_slowest_days(session: Session, product_ids: list[int]) -> None:
    """A product's processing days count for every part holding it, paid or not (as due_at reads
    them): rewrite those parts' `slowest_days` in the same flush (orders/outcomes.py's after_flush
    calls this first, then recounts the parts)."""
    if not product_ids:
        return
    holding = parts_holding(product_ids)
    session.connection().execute(
        sa.update(Fulfilment)
        .where(Fulfilment.id.in_(holding))
        .values(slowest_days=sa.func.coalesce(slowest_product_days(), 0))
        .execution_options(synchronize_session=False)
    )


def remind_late_sellers(session: Session, *, now: datetime, grace_days: int = DEFAULT_GRACE_DAYS) -> int:
    """Email each late part's seller once (a LateParcelReminder row, unique per part); returns emails.

    Idempotent: parts already reminded are skipped, and the unique key refuses a second row
    should two runs overlap (the later run rolls back, sending nothing). Shops without an
    account are skipped (the curators' late list shows them). Flushes only.
    """
    reminded = set(session.scalars(sa.select(LateParcelReminder.fulfilment_id)))
    sent = 0
    for part in list_late_parts(session, now=now, grace_days=grace_days):
        if part.fulfilment.id in reminded or part.seller.user_id is None:
            continue
        user = session.get(User, part.seller.user_id)
        if user is None or not user.email:
            continue
        session.add(LateParcelReminder(fulfilment_id=part.fulfilment.id, sent_at=now))
        session.flush()
        lang = user.locale or "id"
        send_email(
            session,
            to=user.email,
            template="late_parcel",
            lang=lang,
            context={
                "name": user.name or "",
                "shop": part.seller.name,
                "order_number": part.order.number,
                "days": part.days_overdue,
                "link": external_url("seller.order", fulfilment_id=part.fulfilment.id),
            },
        )
        sent += 1
    return sent


def grace_days_setting() -> int:
    """LATE_GRACE_DAYS from the app's config (the default outside an app context)."""
    if has_app_context():
        return int(current_app.config.get("LATE_GRACE_DAYS", DEFAULT_GRACE_DAYS))
    return DEFAULT_GRACE_DAYS
