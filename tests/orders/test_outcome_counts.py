"""The shops' kept parcel counts (orders/outcomes.py, issue 16) against the live computation they
replace: `lateness.on_time_counts`, `cancellation.shop_cancellation_counts` and a grouped count of
shipped parcels, after every step of the parcels' lives, through the real services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from marketplace.catalogue.models import Product
from marketplace.orders import outcomes
from marketplace.orders import services as orders
from marketplace.orders.cancellation import (
    BankAccount,
    cancel_by_buyer,
    cancel_by_seller,
    shop_cancellation_counts,
)
from marketplace.orders.fulfilment import mark_fulfilment_delivered, mark_fulfilment_shipped
from marketplace.orders.lateness import on_time_counts
from marketplace.orders.models import Fulfilment, FulfilmentCount, FulfilmentStatus
from marketplace.orders.payment_reversal import reverse_order_payment
from tests.factories import make_product, make_seller
from tests.orders.helpers import make_cart, place

PAID = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)


def _shipped_live(session) -> dict[int, int]:
    return dict(
        session.execute(
            sa.select(Fulfilment.seller_id, sa.func.count(Fulfilment.id))
            .where(Fulfilment.status.in_([FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED]))
            .group_by(Fulfilment.seller_id)
        ).all()
    )


def _stored(session) -> dict[int, tuple]:
    return {
        row.seller_id: (row.paid, row.shop_cancelled, row.shipped, row.measured, row.on_time)
        for row in session.scalars(sa.select(FulfilmentCount))
        if (row.paid, row.shop_cancelled, row.shipped, row.measured, row.on_time) != (0, 0, 0, 0, 0)
    }


def assert_same(session, *, now: datetime, grace_days: int = 2) -> None:
    session.commit()
    session.expire_all()
    for seller_ids in (None, [row[0] for row in session.execute(sa.select(Fulfilment.seller_id)).all()][:1]):
        assert outcomes.on_time_counts(session, seller_ids, now=now, grace_days=grace_days) == on_time_counts(
            session, seller_ids, now=now, grace_days=grace_days
        )
        assert outcomes.cancellation_counts(session, seller_ids) == shop_cancellation_counts(
            session, seller_ids
        )
    assert outcomes.shipped_counts(session, None) == _shipped_live(session)
    kept = _stored(session)
    outcomes.rebuild(session, grace_days=grace_days)
    session.commit()
    assert _stored(session) == kept


def _order(session, products: dict, *, now=PAID):
    order = place(session, make_cart(session, products), address=None, shipping_method="pickup", now=now)
    session.commit()
    return order


def test_counts_follow_every_step_of_a_parcels_life(app, session):
    quick = make_seller(session, processing_days=1)
    slow = make_seller(session, processing_days=3)
    a = make_product(session, seller=quick, stock=50, processing_days=0)
    b = make_product(session, seller=slow, stock=50, processing_days=2)
    c = make_product(session, seller=slow, stock=50, processing_days=0)
    later = PAID + timedelta(days=40)

    unpaid = _order(session, {a: 1, b: 1})
    assert_same(session, now=later)
    assert _stored(session) == {}  # placing an order adds nothing

    paid = _order(session, {a: 2, b: 1, c: 1})
    assert orders.mark_order_paid(session, paid, actor_label="test", now=PAID)
    assert_same(session, now=PAID)
    assert_same(session, now=later)  # open parts became late by time passing

    quick_part, slow_part = sorted(paid.fulfilments, key=lambda f: f.seller_id != quick.id)
    assert mark_fulfilment_shipped(
        session, quick_part, courier="JNE", tracking_number="1", actor_label="t", now=PAID + timedelta(days=2)
    )
    assert_same(session, now=later)
    assert mark_fulfilment_delivered(session, quick_part, actor_label="t", now=PAID + timedelta(days=5))
    assert_same(session, now=later)

    # The shop cancels one unit, then the rest after the part was due (late).
    line = next(line for line in slow_part.lines if line.product_id == c.id)
    cancel_by_seller(
        session, slow_part, quantities={line.id: 1}, reason="Habis", actor_id=None, actor_label="t",
        now=PAID + timedelta(days=1),
    )  # fmt: skip
    assert_same(session, now=later)
    rest = {line.id: line.quantity - line.cancelled_quantity for line in slow_part.lines}
    cancel_by_seller(
        session, slow_part, quantities={k: v for k, v in rest.items() if v}, reason="Habis", actor_id=None,
        actor_label="t", now=PAID + timedelta(days=9),
    )  # fmt: skip
    assert session.get(Fulfilment, slow_part.id).status == FulfilmentStatus.CANCELLED
    assert_same(session, now=later)

    # A buyer's cancellation: measured only when after the due time, never the shop's.
    bought = _order(session, {b: 1})
    assert orders.mark_order_paid(session, bought, actor_label="test", now=PAID)
    cancel_by_buyer(
        session, bought, fulfilment_ids=None, actor_id=None, actor_label="t", now=PAID + timedelta(days=1),
        bank_account=BankAccount("BRI", "0123 456 789", "Siti Rahayu"),
    )  # fmt: skip
    assert_same(session, now=later)

    # A payment undone: the order's parts leave the counts.
    undone = _order(session, {a: 1})
    assert orders.mark_order_paid(session, undone, actor_label="test", now=PAID)
    assert_same(session, now=later)
    assert reverse_order_payment(
        session, undone, paid_since=PAID - timedelta(days=1), payment_due_at=later, actor_id=None,
        actor_label="t", note="", now=PAID + timedelta(hours=1),
    )  # fmt: skip
    assert_same(session, now=later)

    # Processing days count retroactively: the shop's and a product's.
    shipped_late = _order(session, {b: 1})
    assert orders.mark_order_paid(session, shipped_late, actor_label="test", now=PAID)
    [part] = shipped_late.fulfilments
    assert mark_fulfilment_shipped(
        session, part, courier="JNE", tracking_number="2", actor_label="t", now=PAID + timedelta(days=6)
    )
    assert_same(session, now=later)
    slow.processing_days = 4
    session.commit()
    assert_same(session, now=later)
    session.get(Product, b.id).processing_days = 0
    session.commit()
    assert_same(session, now=later)
    session.get(Product, b.id).processing_days = 9
    session.commit()
    assert_same(session, now=later)
    assert unpaid.paid_at is None


def test_a_parcel_written_by_hand_is_counted(app, session):
    shop = make_seller(session, processing_days=3)
    product = make_product(session, seller=shop, stock=5)
    order = _order(session, {product: 1})
    assert orders.mark_order_paid(session, order, actor_label="test", now=PAID)
    [part] = order.fulfilments
    part.status = FulfilmentStatus.SHIPPED
    part.shipped_at = PAID + timedelta(days=1)
    assert_same(session, now=PAID + timedelta(days=30))
    assert outcomes.on_time_counts(session, None, now=PAID, grace_days=2) == {shop.id: (1, 1)}
    part = session.get(Fulfilment, part.id)
    part.shipped_at = PAID + timedelta(days=6)
    assert_same(session, now=PAID + timedelta(days=30))
    assert outcomes.on_time_counts(session, None, now=PAID, grace_days=2) == {shop.id: (0, 1)}


def test_open_parts_written_by_hand_are_measured_as_live(app, session):
    """Parts the services never write: marked shipped without a shipping time (open, late by time
    passing), and without their slowest product's days (read from the lines)."""
    shop = make_seller(session, processing_days=1)
    other = make_seller(session, processing_days=3)
    product = make_product(session, seller=shop, stock=5, processing_days=6)
    slow = make_product(session, seller=other, stock=5, processing_days=0)
    order = _order(session, {product: 1, slow: 1})
    assert orders.mark_order_paid(session, order, actor_label="test", now=PAID)
    mine, theirs = sorted(order.fulfilments, key=lambda part: part.seller_id != shop.id)
    session.execute(
        sa.update(Fulfilment)
        .where(Fulfilment.id == mine.id)
        .values(status=FulfilmentStatus.SHIPPED, shipped_at=None, slowest_days=None)
    )
    session.execute(sa.update(Fulfilment).where(Fulfilment.id == theirs.id).values(slowest_days=None))
    outcomes.rebuild(session, grace_days=2)  # written past the flush that keeps the counts
    for days in (2, 4, 9, 10, 30):  # due: the shop's 1 day or the product's 6, + 2 days' grace
        assert_same(session, now=PAID + timedelta(days=days))
    assert outcomes.on_time_counts(session, None, now=PAID + timedelta(days=6), grace_days=2) == {
        other.id: (0, 1)
    }
    assert outcomes.on_time_counts(session, None, now=PAID + timedelta(days=9), grace_days=2) == {
        shop.id: (0, 1),
        other.id: (0, 1),
    }


def test_another_grace_setting_is_read_live(app, session):
    shop = make_seller(session, processing_days=3)
    product = make_product(session, seller=shop, stock=5)
    order = _order(session, {product: 1})
    assert orders.mark_order_paid(session, order, actor_label="test", now=PAID)
    [part] = order.fulfilments
    assert mark_fulfilment_shipped(
        session, part, courier="JNE", tracking_number="3", actor_label="t", now=PAID + timedelta(days=4)
    )
    session.commit()
    later = PAID + timedelta(days=30)
    # Counted with the default 2 grace days: shipped after 3 + 2 - 1 days, on time; with 0, late.
    assert outcomes.on_time_counts(session, None, now=later, grace_days=2) == {shop.id: (1, 1)}
    assert outcomes.on_time_counts(session, None, now=later, grace_days=0) == {shop.id: (0, 1)}
    outcomes.rebuild(session, grace_days=0)  # after a change of LATE_GRACE_DAYS
    session.commit()
    assert session.get(FulfilmentCount, shop.id).grace_days == 0
    assert_same(session, now=later, grace_days=0)


def test_recount_cli_rebuilds_the_counts(runner, session):
    shop = make_seller(session, processing_days=3)
    product = make_product(session, seller=shop, stock=5)
    order = _order(session, {product: 1})
    assert orders.mark_order_paid(session, order, actor_label="test", now=PAID)
    session.commit()
    session.execute(sa.delete(FulfilmentCount))
    session.commit()
    result = runner.invoke(args=["orders", "recount-parcels"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert session.get(FulfilmentCount, shop.id).paid == 1
