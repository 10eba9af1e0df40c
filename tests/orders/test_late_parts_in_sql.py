"""The late parcels list filters by due time in SQL (issue 16): the same parts, in the same order,
as loading every open part and comparing each due time in Python, down to the microsecond, with
the slowest product's days stored or read from the lines and the shop's days larger or not."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marketplace.orders import lateness, services
from marketplace.orders.models import Fulfilment, Order, OrderStatus
from marketplace.types import utcnow
from tests.factories import make_product, make_seller
from tests.orders.helpers import make_cart, place


def _from_open_parts(session, *, now, grace_days):
    """list_late_parts as it was: every open paid part loaded, its due time compared here."""
    parts = lateness._parts(
        session,
        Order.status == OrderStatus.PAID,
        Fulfilment.status.in_(lateness.OPEN_STATUSES),
        Order.paid_at <= now - timedelta(days=grace_days),
    )
    late = [
        (f.id, max((now - lateness.due_at(o.paid_at, days, grace_days)).days, 0) + 1)
        for f, o, _s, days in parts
        if now > lateness.due_at(o.paid_at, days, grace_days)
    ]
    return sorted(late, key=lambda row: (-row[1], row[0]))


def test_late_parts_filtered_in_sql_are_those_late_by_python(app, session):
    now = utcnow().replace(microsecond=500_000)
    slow_shop = make_seller(session, processing_days=6)
    quick_shop = make_seller(session, processing_days=0)
    ids = []
    # (shop, product days, stored slowest_days?, paid this long before now)
    cases = [
        (quick_shop, 3, True, timedelta(days=5, microseconds=1)),  # due 1 µs ago: late
        (quick_shop, 3, True, timedelta(days=5)),  # due exactly now: not late yet
        (quick_shop, 3, False, timedelta(days=5, microseconds=1)),  # days read from the lines
        (quick_shop, 3, False, timedelta(days=4, hours=23)),
        (slow_shop, 1, True, timedelta(days=8, seconds=1)),  # the shop's 6 days count
        (slow_shop, 1, True, timedelta(days=7, hours=23)),
        (quick_shop, 10, True, timedelta(days=30)),
        (quick_shop, 0, True, timedelta(days=2, microseconds=1)),
    ]
    for shop, days, stored, ago in cases:
        product = make_product(session, seller=shop, stock=5, processing_days=days)
        order = place(session, make_cart(session, {product: 1}))
        services.mark_order_paid(session, order, actor_label="curator", now=now - ago)
        session.commit()
        ids.append(order.fulfilments[0].id)
        if not stored:
            session.execute(sa.update(Fulfilment).where(Fulfilment.id == ids[-1]).values(slowest_days=None))
            session.commit()
    for grace_days in (2, 0):
        expected = _from_open_parts(session, now=now, grace_days=grace_days)
        got = lateness.list_late_parts(session, now=now, grace_days=grace_days)
        assert [(p.fulfilment.id, p.days_overdue) for p in got] == expected
    late = {p.fulfilment.id for p in lateness.list_late_parts(session, now=now, grace_days=2)}
    assert late == {ids[0], ids[2], ids[4], ids[6], ids[7]}


def test_pages_of_late_parts_are_the_list_cut_in_order(app, session):
    """`page_late_parts` (the curators' pages) gives the slices of `list_late_parts`, and the total."""
    now = utcnow()
    shop = make_seller(session, processing_days=1)
    for days_ago in (9, 7, 7, 5, 12, 4, 7):
        product = make_product(session, seller=shop, stock=5, processing_days=0)
        order = place(session, make_cart(session, {product: 1}))
        services.mark_order_paid(session, order, actor_label="curator", now=now - timedelta(days=days_ago))
        session.commit()
    whole = [(p.fulfilment.id, p.days_overdue, p.due_at) for p in lateness.list_late_parts(session, now=now)]
    assert len(whole) == 7
    for size in (1, 3, 7, 10):
        pages = []
        for offset in range(0, 12, size):
            parts, total = lateness.page_late_parts(session, now=now, offset=offset, limit=size)
            assert total == 7
            pages += [(p.fulfilment.id, p.days_overdue, p.due_at) for p in parts]
        assert pages == whole
