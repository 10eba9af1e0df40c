"""The demo activity behind `seed-demo`: real paid orders the dashboard counts, notes, idempotent."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from marketplace.mentoring.models import MentoringNote
from marketplace.monitoring import services
from marketplace.monitoring.demo import seed_demo_activity
from marketplace.orders.models import Order, OrderStatus, PaymentMethod
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.shipping.services import ensure_default_shipping_rates
from marketplace.stock.models import StockMovement
from marketplace.timezones import jakarta_date
from marketplace.types import utcnow
from tests.factories import make_product, make_seller, make_user


def test_demo_activity_is_real_paid_orders_and_runs_once(session):
    make_user(session, email="curator@demo.test", is_curator=True)
    make_user(session, email="buyer@demo.test")
    sellers = [make_seller(session) for _ in range(3)]
    for n in range(6):
        make_product(session, seller=sellers[n % 3], stock=40, exportable=n % 2 == 0, hs_code="4602.10")
    ensure_default_shipping_rates(session)
    now = utcnow()
    added = seed_demo_activity(session, now=now)
    session.commit()
    assert added["orders"] >= 30 and added["mentoring notes"] == 5
    orders = session.scalars(sa.select(Order)).all()
    assert len(orders) == added["orders"]
    assert all(o.status == OrderStatus.PAID and o.paid_at is not None for o in orders)
    assert any(o.ship_country != "ID" for o in orders)
    assert session.scalar(sa.select(sa.func.count()).select_from(StockMovement)) > 0

    today = jakarta_date(now)
    filters = services.Filters(start=date(today.year - 1, today.month, 1), end=today)
    months = services.compute_figure(session, "months", filters, now=now)
    assert sum(row["orders"] for row in months) == len(orders)
    assert sum(1 for row in months if row["orders"]) >= 10  # spread over the year

    assert seed_demo_activity(session, now=now) == {"orders": 0, "mentoring notes": 0}
    assert session.scalar(sa.select(sa.func.count()).select_from(MentoringNote)) == 5


def test_demo_orders_have_the_payment_rows_real_ones_have(session):
    curator = make_user(session, email="curator@demo.test", is_curator=True)
    sellers = [make_seller(session) for _ in range(2)]
    for n in range(4):
        make_product(session, seller=sellers[n % 2], stock=40, exportable=True, hs_code="4602.10")
    ensure_default_shipping_rates(session)
    seed_demo_activity(session, now=utcnow())
    session.commit()
    orders = session.scalars(sa.select(Order)).all()
    payments = {p.order_id: p for p in session.scalars(sa.select(Payment))}
    assert len(payments) == len(orders) == session.scalar(sa.select(sa.func.count()).select_from(Payment))
    methods = set()
    for order in orders:
        payment = payments[order.id]
        methods.add(payment.method)
        assert payment.method == order.payment_method and payment.status == PaymentStatus.SUCCEEDED
        assert (payment.amount_minor, payment.currency) == (order.total_minor, order.currency)
        if payment.method == PaymentMethod.STRIPE:  # as Stripe's webhook leaves it
            assert payment.provider_reference == f"cs_demo_{order.number}"
            assert payment.payment_intent_id == f"pi_demo_{order.number}" and payment.confirmed_by_id is None
        else:  # as the curators' transfer desk leaves it
            assert payment.confirmed_by_id == curator.id and payment.bank_reference.startswith("DEMO-TRF-")
    assert methods == {PaymentMethod.STRIPE, PaymentMethod.BANK_TRANSFER}
