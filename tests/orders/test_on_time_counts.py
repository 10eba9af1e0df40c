"""The on-time share counted in SQL (issue 16) follows `lateness.due_at` to the microsecond:
shipped exactly at the due time is on time, a microsecond later is late, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from marketplace.catalogue.models import Product
from marketplace.orders import services as orders
from marketplace.orders.lateness import due_at, on_time_counts
from marketplace.orders.models import Fulfilment, FulfilmentStatus
from marketplace.types import add_days
from tests.factories import make_product, make_seller
from tests.orders.helpers import make_cart, place

PAID = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)


def _parcel(session, seller, *, processing_days: int = 0, **changes) -> Fulfilment:
    product = make_product(session, seller=seller, stock=5, processing_days=processing_days)
    order = place(session, make_cart(session, {product: 1}), address=None, shipping_method="pickup", now=PAID)
    assert orders.mark_order_paid(session, order, actor_label="test", now=PAID)
    [parcel] = order.fulfilments
    for name, value in changes.items():
        setattr(parcel, name, value)
    session.commit()
    return parcel


def test_add_days_matches_python_to_the_microsecond(app, session):
    for days in (0, 1, 5, 40):
        assert session.scalar(sa.select(add_days(sa.literal(PAID, add_days.type), days))) == PAID + timedelta(
            days=days
        )


def test_shipped_at_the_due_time_is_on_time_a_microsecond_later_late(app, session):
    on_time_shop = make_seller(session, processing_days=3)
    late_shop = make_seller(session, processing_days=3)
    slow_product_shop = make_seller(session, processing_days=1)
    cancelled_shop = make_seller(session, processing_days=3)
    due = due_at(PAID, 3, 2)
    _parcel(session, on_time_shop, shipped_at=due, status=FulfilmentStatus.SHIPPED)
    _parcel(session, late_shop, shipped_at=due + timedelta(microseconds=1), status=FulfilmentStatus.SHIPPED)
    # A product made in 10 days: due after 10 + 2 days, not the shop's 1 + 2.
    _parcel(
        session,
        slow_product_shop,
        processing_days=10,
        shipped_at=due_at(PAID, 10, 2),
        status=FulfilmentStatus.DELIVERED,
    )
    _parcel(  # cancelled before it was due: not measured
        session, cancelled_shop, status=FulfilmentStatus.CANCELLED, cancelled_at=due - timedelta(seconds=1)
    )
    _parcel(  # cancelled after it was due: late
        session, cancelled_shop, status=FulfilmentStatus.CANCELLED, cancelled_at=due + timedelta(seconds=1)
    )
    unshipped = make_seller(session, processing_days=3)
    _parcel(session, unshipped)  # processing, never shipped

    counts = on_time_counts(session, None, now=due, grace_days=2)
    assert counts[on_time_shop.id] == (1, 1)
    assert counts[late_shop.id] == (0, 1)
    assert counts[slow_product_shop.id] == (1, 1)
    assert counts[cancelled_shop.id] == (0, 1)
    assert unshipped.id not in counts  # due now, not past due: not measured yet
    later = on_time_counts(session, None, now=due + timedelta(microseconds=1), grace_days=2)
    assert later[unshipped.id] == (0, 1)
    assert on_time_counts(session, [on_time_shop.id], now=due, grace_days=2) == {on_time_shop.id: (1, 1)}
    assert on_time_counts(session, None, now=due, grace_days=2, since=PAID + timedelta(seconds=1)) == {}


def test_a_products_new_processing_days_count_for_parts_already_paid(app, session):
    """Each part stores its slowest product's days (Fulfilment.slowest_days); a product's change
    rewrites them in the same flush, and a part without them is counted from its lines."""
    shop = make_seller(session, processing_days=1)
    parcel = _parcel(
        session, shop, processing_days=1, shipped_at=due_at(PAID, 5, 2), status=FulfilmentStatus.SHIPPED
    )
    later = PAID + timedelta(days=30)
    assert parcel.slowest_days == 1
    assert on_time_counts(session, [shop.id], now=later, grace_days=2) == {shop.id: (0, 1)}

    product = session.get(Product, parcel.lines[0].product_id)
    product.processing_days = 5
    session.commit()
    session.expire_all()
    assert session.get(Fulfilment, parcel.id).slowest_days == 5
    assert on_time_counts(session, [shop.id], now=later, grace_days=2) == {shop.id: (1, 1)}

    session.execute(sa.update(Fulfilment).where(Fulfilment.id == parcel.id).values(slowest_days=None))
    session.commit()
    assert on_time_counts(session, [shop.id], now=later, grace_days=2) == {shop.id: (1, 1)}
