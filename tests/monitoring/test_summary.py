"""The monitoring summaries (issue 16) stay equal to the paid order lines they summarise.

Two checks after every change: the rows equal what `summary.rebuild_sql` (the migration's backfill)
computes from the order lines, and every summary-backed figure equals the old straight-from-the-
lines computation (tests/monitoring/raw_sales.py), for every village/cluster filter combination.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from marketplace.monitoring import services, summary
from marketplace.monitoring.filters import preset_range
from marketplace.monitoring.models import (
    SalesBuyer,
    SalesDayBuyer,
    SalesDayGroup,
    SalesDayProduct,
    SalesMonthProduct,
    SalesMonthRunning,
    SalesProductTotal,
)
from marketplace.monitoring.services import Filters
from marketplace.orders import services as orders
from marketplace.payments import transfers
from marketplace.timezones import jakarta_date
from marketplace.types import utcnow
from tests.factories import make_product
from tests.monitoring import raw_sales
from tests.monitoring.conftest import utc
from tests.monitoring.helpers import make_order
from tests.orders.helpers import make_cart, place

ORACLE = {
    "months": raw_sales.sales_by_month,
    "buyers": raw_sales.buyers,
    "villages": raw_sales.sales_by_village,
    "clusters": raw_sales.sales_by_cluster,
    "top-products": raw_sales.top_products,
    "no-sales": raw_sales.sellers_without_sales,
}


def _rows(session) -> dict[str, list[tuple]]:
    def rows(model, *columns):
        return [
            tuple(row)
            for row in session.execute(sa.select(*columns).where(model.orders != 0).order_by(*columns))
        ]

    g, b, p, m = SalesDayGroup, SalesDayBuyer, SalesDayProduct, SalesMonthProduct
    return {
        "groups": rows(g, g.village_id, g.cluster_id, g.day, g.orders, g.units, g.sales_idr),
        "buyers": rows(
            b,
            b.village_id,
            b.cluster_id,
            b.day,
            b.buyer,
            b.domestic,
            b.orders,
            b.units,
            b.sales_idr,
            # the links (summary.relink) against the window functions of rebuild_sql
            b.prev_day,
            b.prev_any_day,
            b.first_day,
        ),  # fmt: skip
        "products": rows(p, p.day, p.product_id, p.seller_id, p.orders, p.units, p.sales_idr),
        "months": rows(m, m.month, m.product_id, m.seller_id, m.orders, m.units, m.sales_idr),
        "running": _running(session),
        "firsts": [
            tuple(r)
            for r in session.execute(
                sa.select(SalesBuyer.buyer, SalesBuyer.first_day).order_by(SalesBuyer.buyer)
            )
        ],
    }


def _running(session) -> list[tuple]:
    """(product, shop, month, orders, units, sales) through the end of each month from 2024 on, as
    top products read them (`sales._running_at`), non-zero only; a missing month of a product's
    span (SalesMonthRunning must hold every month from its first to its last) is a KeyError."""
    t = SalesProductTotal
    running = {
        (r.product_id, r.seller_id, r.month): (r.orders, r.units, r.sales_idr)
        for r in session.execute(sa.select(SalesMonthRunning.__table__))
    }
    months = list(summary._months(date(2024, 1, 1), jakarta_date(utcnow()).replace(day=1)))
    found = []
    for total in session.execute(sa.select(t.__table__).order_by(t.product_id, t.seller_id)):
        key = (total.product_id, total.seller_id)
        for month in months:
            if total.first_month is None or month < total.first_month:
                values = (0, 0, 0)
            elif month >= total.last_month:
                values = (total.orders, total.units, total.sales_idr)
            else:
                values = running[(*key, month)]
            if any(values):
                found.append((*key, month, *values))
    return found


def assert_summary_matches_the_lines(session, world, half: int = 0) -> None:
    """`half` (0 or 1) picks every other (range, place) pair: the checkpoints of one test alternate
    halves, so every pair is checked after every other step at half the cost of the oracle."""
    session.flush()
    kept = _rows(session)
    now = utcnow()
    today = jakarta_date(now)
    ranges = [
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2025, 1, 1), today),
        # partial months at either end (top products: days there, running totals between), within a
        # month, and starting on a buyer's later day (distinct buyers: the links to earlier days)
        (date(2026, 1, 15), date(2026, 3, 3)),
        (date(2026, 2, 2), date(2026, 2, 20)),
        # top products' other choices: the days of a late-starting month added and an early-ending
        # month's days taken away; two part months side by side; one month less its two ends; and
        # the default "Last 12 months", which starts on a year ago's day
        (date(2026, 1, 25), date(2026, 3, 28)),
        (date(2026, 1, 25), date(2026, 2, 3)),
        (date(2026, 2, 2), date(2026, 2, 26)),
        preset_range("12m", today),
        (today - timedelta(days=1), today),
        (today, today),
    ]
    places = [
        (None, "", None, ""),
        (world.tambong.id, "tambong", None, ""),
        (None, "", world.batik.id, "batik"),
        (world.kabat.id, "kabat", world.food.id, "pangan"),
    ]
    for r, (start, end) in enumerate(ranges):
        for p, where in enumerate(places):
            if (r + p + half) % 2:
                continue
            filters = Filters(start, end, *where)
            for key, oracle in ORACLE.items():
                expected = oracle(session, filters, today=today, now=now)
                assert services.compute_figure(session, key, filters, now=now) == expected, (key, filters)
    for statement in summary.rebuild_sql(session.get_bind().dialect.name):
        session.execute(sa.text(statement))
    assert kept == _rows(session)
    assert all(kept.values())


def test_summary_follows_payments_undos_and_moves(app, session, world):
    assert_summary_matches_the_lines(session, world)
    curator = world.curator
    now = utcnow()

    # Paid through checkout: two shops in two villages, a product in each cluster (orders once per group).
    p4 = make_product(session, seller=world.s3, cluster=world.batik, price_minor=15_000, stock=20)
    cart = make_cart(session, {world.p1: 1, world.p3: 2, p4: 3, world.p2: 1})
    two_shops = place(session, cart, now=now, address=None, shipping_method="pickup")
    assert orders.mark_order_paid(session, two_shops, actor_label="test", now=now)
    session.commit()
    assert_summary_matches_the_lines(session, world, half=1)

    # Abroad, paid in EUR (counted in rupiah), and a line of a deleted product beside a known one.
    make_order(
        session,
        [(world.p2, 2, 25_000, world.s2), (None, 1, 10_000, world.s3), (p4, 1, 15_000, world.s3)],
        paid_at=now - timedelta(days=1),
        ship_country="NL",
        currency="EUR",
    )
    session.commit()
    assert_summary_matches_the_lines(session, world)

    # A transfer confirmation undone takes the order (and its buyer's first day) out; confirming it
    # again puts it back.
    undone = place(
        session,
        make_cart(session, {world.p2: 2, p4: 1}),
        now=now,
        email="Undone@Example.test",
        address=None,
        shipping_method="pickup",
    )
    assert orders.mark_order_paid(session, undone, actor_label="test", now=now)
    session.commit()
    transfers.undo_bank_transfer(session, undone, actor=curator, now=now, payment_window=timedelta(days=1))
    session.commit()
    assert_summary_matches_the_lines(session, world, half=1)
    assert orders.mark_order_paid(session, undone, actor_label="test", now=now + timedelta(minutes=5))
    transfers.undo_bank_transfer(
        session, undone, actor=curator, now=now + timedelta(minutes=6), payment_window=timedelta(days=1)
    )
    assert orders.mark_order_paid(session, undone, actor_label="test", now=now + timedelta(minutes=7))
    session.commit()
    assert_summary_matches_the_lines(session, world)

    # Money arriving for a cancelled order is no sale.
    late = place(session, make_cart(session, {world.p1: 1}), now=now, address=None, shipping_method="pickup")
    assert orders.cancel_unpaid_order(session, late, reason="expired", actor_label="test", now=now)
    assert not orders.mark_order_paid(session, late, actor_label="test", now=now)
    session.commit()
    assert_summary_matches_the_lines(session, world, half=1)

    # A shop moves village and a product changes cluster: the groups follow, in the same flush.
    world.s3.village_id = world.tambong.id
    world.p2.cluster_id = world.batik.id
    session.flush()
    assert_summary_matches_the_lines(session, world)
    world.s3.village_id = world.kabat.id
    session.commit()
    assert_summary_matches_the_lines(session, world, half=1)


def test_summary_is_written_in_the_paying_transaction(app, session, world):
    """A rollback of the payment takes its summary rows with it (no second transaction)."""
    kept = _rows(session)
    order = place(
        session, make_cart(session, {world.p1: 1}), now=utcnow(), address=None, shipping_method="pickup"
    )
    session.commit()
    assert orders.mark_order_paid(session, order, actor_label="test", now=utc(2026, 2, 1, 3))
    assert _rows(session) != kept
    session.rollback()
    assert _rows(session) == kept
