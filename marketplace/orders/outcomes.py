"""Per-shop counts of parcels by settled outcome (`FulfilmentCount`), for naik kelas and monitoring's
"levels" (issue 16): the on-time share, the shop's cancellations and the parcels shipped, without
reading every parcel ever paid on each page.

Each part stores in `counted_as` the bits it adds to its shop's row (PAID, SHOP_CANCELLED, SHIPPED,
MEASURED, ON_TIME, below). After every flush (`_after_flush`), the parts that flush may have changed
are recounted in SQL: the bits they should add now, compared with those stored; the differences go
to the shops' rows as an upsert that adds, and the new bits to the parts. Recounting a part that did
not change costs one read and writes nothing, so the triggers are generous: a part written through
the ORM; every part of an order whose payment time changed or that got an `OrderEvent` (every
status change writes one, including the conditional UPDATEs of orders/fulfilment.py and
orders/history.py, which the ORM does not see); the part of an `OrderCancellation`; every part of a
shop whose processing days changed; every part holding a product whose processing days changed
(after lateness.py has rewritten their `slowest_days`).

Only settled outcomes are stored: a part shipped (on time or late by its due time) or cancelled
(late if after its due time). A part still open becomes late by time passing; those are few (paid,
not shipped, not cancelled) and are read at query time (`on_time_counts`). The on-time bits depend
on LATE_GRACE_DAYS: a row remembers the setting it was counted with, and a row counted with another
(or with two) is read live, through `lateness.on_time_counts`, until `rebuild` counts again.

Concurrency: a part's state and its stored bits are read in one statement, and the bits change
only with the state (whose writers take the part's row), so two transactions never add the same
difference. A race the app itself does not exclude (a payment undone while a parcel of the order
ships) could leave one part miscounted; `flask orders recount-parcels` counts everything again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, attributes

from marketplace.orders import lateness
from marketplace.orders.models import (
    CancelledBy,
    Fulfilment,
    FulfilmentCount,
    FulfilmentStatus,
    Order,
    OrderCancellation,
    OrderEvent,
)
from marketplace.seller.models import Seller
from marketplace.upserts import adding_upsert

PAID, SHOP_CANCELLED, SHIPPED, MEASURED, ON_TIME = 1, 2, 4, 8, 16
#: FulfilmentCount's columns, one per bit.
COLUMNS = (("paid", PAID), ("shop_cancelled", SHOP_CANCELLED), ("shipped", SHIPPED),
           ("measured", MEASURED), ("on_time", ON_TIME))  # fmt: skip
#: A row counted with two different grace settings.
MIXED = -1
#: The statuses lateness.on_time_counts measures.
_MEASURED_STATUSES = (*lateness.OPEN_STATUSES, FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED,
                      FulfilmentStatus.CANCELLED)  # fmt: skip
#: Fulfilment columns whose change may change a part's bits.
_PART_COLUMNS = ("status", "shipped_at", "cancelled_at", "slowest_days", "seller_id", "order_id")


def _due(grace_days: int):
    slowest = sa.func.coalesce(Fulfilment.slowest_days, lateness.slowest_product_days(), 0)
    return lateness.due_expression(slowest, grace_days)


def bits_expression(grace_days: int):
    """The bits a part adds now, for a select of parts joined with their order and shop."""
    due = _due(grace_days)
    paid = Order.paid_at.is_not(None)
    measured_status = Fulfilment.status.in_(_MEASURED_STATUSES)
    shipped_at = Fulfilment.shipped_at.is_not(None)
    shop_cancelled = (
        sa.select(OrderCancellation.id)
        .where(
            OrderCancellation.fulfilment_id == Fulfilment.id,
            OrderCancellation.cancelled_by == CancelledBy.SELLER.value,
        )
        .correlate(Fulfilment)
        .exists()
    )
    cancelled_late = sa.and_(
        Fulfilment.status == FulfilmentStatus.CANCELLED,
        Fulfilment.cancelled_at.is_not(None),
        Fulfilment.cancelled_at > due,
    )
    return (
        sa.case((paid, PAID), else_=0)
        + sa.case((sa.and_(paid, shop_cancelled), SHOP_CANCELLED), else_=0)
        + sa.case(
            (Fulfilment.status.in_([FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED]), SHIPPED), else_=0
        )
        + sa.case((sa.and_(paid, measured_status, sa.or_(shipped_at, cancelled_late)), MEASURED), else_=0)
        + sa.case(
            (sa.and_(paid, measured_status, shipped_at, Fulfilment.shipped_at <= due), ON_TIME), else_=0
        )
    )


def _joined(*columns):
    return (
        sa.select(*columns)
        .select_from(Fulfilment)
        .join(Order, Order.id == Fulfilment.order_id)
        .join(Seller, Seller.id == Fulfilment.seller_id)
    )


#: The id lists `recount` takes, each an expanding bind parameter of its cached select.
_RECOUNT_LISTS = {
    "part_ids": lambda ids: Fulfilment.id.in_(ids),
    "order_ids": lambda ids: Fulfilment.order_id.in_(ids),
    "seller_ids": lambda ids: Fulfilment.seller_id.in_(ids),
    "product_ids": lambda ids: Fulfilment.id.in_(lateness.parts_holding(ids)),
}
#: recount's select per (grace days, the lists given): built once,
#: their compiled form and cache key kept with them (building the bits' expression and compiling
#: a VALUES list per flush cost ~5 ms of every payment, shipment and cancellation). A few entries.
_RECOUNT_SELECTS: dict[tuple[int, tuple[str, ...]], sa.Select] = {}


def _recount_select(grace_days: int, lists: tuple[str, ...]) -> sa.Select:
    key = (grace_days, lists)
    statement = _RECOUNT_SELECTS.get(key)
    if statement is None:
        condition = sa.or_(*(_RECOUNT_LISTS[name](sa.bindparam(name, expanding=True)) for name in lists))
        statement = _RECOUNT_SELECTS.setdefault(
            key,
            _joined(Fulfilment.id, Fulfilment.seller_id, Fulfilment.counted_as, bits_expression(grace_days))
            .where(condition)
            .order_by(Fulfilment.id),
        )
    return statement


def recount(session: Session, *, grace_days: int, **id_lists: Sequence[int]) -> int:
    """Recount the parts in the non-empty id lists (`_RECOUNT_LISTS`: parts, their orders, shops,
    products): new bits to the parts, differences to the shops' rows. Returns how many parts
    changed. Flushes nothing (runs inside after_flush)."""
    lists = {name: sorted(ids) for name, ids in id_lists.items() if ids}
    if not lists:
        return 0
    conn = session.connection()
    rows = conn.execute(_recount_select(int(grace_days), tuple(sorted(lists))), lists).all()
    changed = [
        (part_id, seller_id, old or 0, int(new)) for part_id, seller_id, old, new in rows if old != new
    ]
    if not changed:
        return 0
    table = Fulfilment.__table__
    conn.execute(
        sa.update(table).where(table.c.id == sa.bindparam("part_id")).values(counted_as=sa.bindparam("bits")),
        [{"part_id": part_id, "bits": new} for part_id, _seller, _old, new in changed],
    )
    deltas: dict[int, list[int]] = defaultdict(lambda: [0] * len(COLUMNS))
    for _part, seller_id, old, new in changed:
        for index, (_name, bit) in enumerate(COLUMNS):
            deltas[seller_id][index] += bool(new & bit) - bool(old & bit)
    _add(conn, deltas, grace_days)
    return len(changed)


def _add(conn, deltas: dict[int, list[int]], grace_days: int) -> None:
    rows = [
        {
            "seller_id": seller_id,
            "grace_days": grace_days,
            **{name: d for (name, _bit), d in zip(COLUMNS, values, strict=True)},
        }
        for seller_id, values in sorted(deltas.items())  # one lock order: no deadlocks
        if any(values)
    ]
    if rows:
        conn.execute(
            adding_upsert(
                FulfilmentCount.__table__,
                ("seller_id",),
                tuple(name for name, _bit in COLUMNS),
                conn.dialect.name,
                also={"grace_days": _mixed_grace},
            ),
            rows,
        )


def _mixed_grace(table, excluded):
    """A shop's row counted with one grace setting keeps it; added to with another, it is MIXED."""
    return sa.case((table.c.grace_days == excluded.grace_days, table.c.grace_days), else_=MIXED)


def rebuild(session: Session, *, grace_days: int) -> None:
    """Count every part again, set-based (the migration's backfill, bench/scale_seed.py, a change
    of LATE_GRACE_DAYS). Flushes only."""
    session.flush()
    conn = session.connection()
    conn.execute(
        sa.update(Fulfilment)
        .values(
            counted_as=sa.select(bits_expression(grace_days))
            .select_from(Order)
            .join(Seller, Seller.id == Fulfilment.seller_id)
            .where(Order.id == Fulfilment.order_id)
            .correlate(Fulfilment)
            .scalar_subquery()
        )
        .execution_options(synchronize_session=False)
    )
    conn.execute(sa.delete(FulfilmentCount))
    sums = [
        sa.func.coalesce(sa.func.sum(sa.case((Fulfilment.counted_as.op("&")(bit) != 0, 1), else_=0)), 0)
        for _name, bit in COLUMNS
    ]
    conn.execute(
        sa.insert(FulfilmentCount).from_select(
            ["seller_id", "grace_days", *(name for name, _bit in COLUMNS)],
            sa.select(Fulfilment.seller_id, sa.literal(int(grace_days)), *sums)
            .where(Fulfilment.counted_as != 0)
            .group_by(Fulfilment.seller_id),
        )
    )
    session.expire_all()


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def _rows(session: Session, seller_ids: Sequence[int] | None) -> list[FulfilmentCount]:
    stmt = sa.select(FulfilmentCount)
    if seller_ids is not None:
        stmt = stmt.where(FulfilmentCount.seller_id.in_(list(seller_ids)))
    return list(session.scalars(stmt))


def on_time_counts(
    session: Session,
    seller_ids: Sequence[int] | None,
    *,
    now: datetime,
    grace_days: int,
    rows: list[FulfilmentCount] | None = None,
) -> dict[int, tuple[int, int]]:
    """`lateness.on_time_counts` over every part ever paid, from the shops' settled counts (`rows`,
    read when not given) plus the parts still open (three or four small queries); live when a row
    was counted with another grace setting."""
    if rows is None:
        rows = _rows(session, seller_ids)
    if any(row.grace_days != int(grace_days) for row in rows):
        return lateness.on_time_counts(session, seller_ids, now=now, grace_days=grace_days)
    counts = {row.seller_id: [row.on_time, row.measured] for row in rows}
    for seller_id, late in _open_parts_late(session, seller_ids, now=now, grace_days=grace_days).items():
        counts.setdefault(seller_id, [0, 0])[1] += late
    return {seller_id: (good, total) for seller_id, (good, total) in counts.items() if total > 0}


def _open_parts_late(
    session: Session, seller_ids: Sequence[int] | None, *, now: datetime, grace_days: int
) -> dict[int, int]:
    """{shop: its paid parts still open (not shipped, not cancelled) and past their due time}.

    One statement over the few open parts (the status index), each part's payment time read by a
    correlated lookup on the orders' key, its slowest product's days the same way when not stored,
    and the due time by `lateness.due_at` itself. Joined with the orders, PostgreSQL took the
    cancelled parts for open ones in its estimate and read every order (180 ms); the ~1,700 order
    ids sent back in an IN list cost 13 ms. Parts marked shipped without a shipping time (rows
    written by hand) are found first by id: in the same condition, PostgreSQL estimates ~40,000
    rows (status × a NULL share it takes as independent) and JIT-compiles the lookups (800 ms)."""
    shop_filter = [] if seller_ids is None else [Fulfilment.seller_id.in_(list(seller_ids))]
    unshipped = Fulfilment.shipped_at.is_(None)
    odd = list(
        session.scalars(
            sa.select(Fulfilment.id).where(
                Fulfilment.status.in_([FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED]),
                unshipped,
                *shop_filter,
            )
        )
    )
    is_open = Fulfilment.status.in_(lateness.OPEN_STATUSES)
    paid_at = sa.select(Order.paid_at).where(Order.id == Fulfilment.order_id).correlate(Fulfilment)
    stmt = (
        sa.select(
            Fulfilment.seller_id,
            paid_at.scalar_subquery(),
            sa.func.coalesce(Fulfilment.slowest_days, lateness.slowest_product_days(), 0),
            sa.func.coalesce(Seller.processing_days, 0),
        )
        .join(Seller, Seller.id == Fulfilment.seller_id)
        .where(sa.or_(is_open, Fulfilment.id.in_(odd)) if odd else is_open, unshipped, *shop_filter)
    )
    late: dict[int, int] = defaultdict(int)
    for seller_id, paid, slowest, shop_days in session.execute(stmt):
        if paid is not None and now > lateness.due_at(paid, max(int(slowest), int(shop_days)), grace_days):
            late[seller_id] += 1
    return dict(late)


def cancellation_counts(session: Session, seller_ids: Sequence[int] | None) -> dict[int, tuple[int, int]]:
    """`cancellation.shop_cancellation_counts` from the shops' counts: (paid parts the shop
    cancelled units of, paid parts) per shop with a paid part."""
    return {row.seller_id: (row.shop_cancelled, row.paid) for row in _rows(session, seller_ids) if row.paid}


def shipped_counts(session: Session, seller_ids: Sequence[int] | None) -> dict[int, int]:
    """Parts shipped or delivered per shop (none: absent)."""
    return {row.seller_id: row.shipped for row in _rows(session, seller_ids) if row.shipped}


def shop_counts(session: Session, seller_ids: Sequence[int] | None, *, now: datetime, grace_days: int):
    """(on time, shop's cancellations, shipped) as the three functions above, reading the shops'
    rows once."""
    rows = _rows(session, seller_ids)
    cancellations = {row.seller_id: (row.shop_cancelled, row.paid) for row in rows if row.paid}
    shipped = {row.seller_id: row.shipped for row in rows if row.shipped}
    return (
        on_time_counts(session, seller_ids, now=now, grace_days=grace_days, rows=rows),
        cancellations,
        shipped,
    )


# ---------------------------------------------------------------------------------------------
# Keeping the counts
# ---------------------------------------------------------------------------------------------


def _changed(obj, names: Sequence[str]) -> bool:
    state = attributes.instance_state(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _unpaid_new_order(session: Session, order) -> bool:
    return order is not None and order in session.new and order.paid_at is None


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    products = lateness.products_with_new_days(session)
    lateness.rewrite_slowest_days(session, products)
    part_ids: set[int] = set()
    order_ids: set[int] = set()
    seller_ids: set[int] = set()
    for obj in session.new:
        if isinstance(obj, Fulfilment):
            # A new part of a new unpaid order adds nothing (checkout): no query for it.
            order = obj.__dict__.get("order")
            if (
                obj.status in (None, FulfilmentStatus.PENDING)
                and obj.shipped_at is None
                and _unpaid_new_order(session, order)
            ):
                continue
            part_ids.add(obj.id)
        elif isinstance(obj, OrderEvent):
            if not _unpaid_new_order(session, obj.__dict__.get("order")):
                order_ids.add(obj.order_id)
        elif isinstance(obj, OrderCancellation):
            part_ids.add(obj.fulfilment_id)
    for obj in session.dirty:
        if isinstance(obj, Fulfilment) and _changed(obj, _PART_COLUMNS):
            part_ids.add(obj.id)
        elif isinstance(obj, Order) and _changed(obj, ("paid_at", "status")):
            order_ids.add(obj.id)
        elif isinstance(obj, Seller) and _changed(obj, ("processing_days",)):
            seller_ids.add(obj.id)
    part_ids.discard(None)
    order_ids.discard(None)
    if part_ids or order_ids or seller_ids or products:
        recount(
            session,
            grace_days=lateness.grace_days_setting(),
            part_ids=part_ids,
            order_ids=order_ids,
            seller_ids=seller_ids,
            product_ids=products,
        )
