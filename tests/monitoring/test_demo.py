"""The demo activity behind `seed-demo`: real paid orders the dashboard counts, notes, idempotent."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from marketplace.markets.services import ensure_demo_rates
from marketplace.mentoring.models import MentoringNote
from marketplace.monitoring import services
from marketplace.monitoring.demo import KEEP_ON_SALE, ORDER_COUNT, seed_demo_activity
from marketplace.orders.models import Order, OrderLine, OrderStatus, PaymentMethod
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.shipping.services import ensure_default_shipping_rates
from marketplace.stock.models import StockMovement
from marketplace.timezones import jakarta_date
from marketplace.types import utcnow
from tests.factories import make_product, make_seller, make_sized_product, make_user


def test_demo_activity_is_real_paid_orders_and_runs_once(session):
    make_user(session, email="curator@demo.test", is_curator=True)
    make_user(session, email="buyer@demo.test")
    sellers = [make_seller(session) for _ in range(3)]
    for n in range(6):
        make_product(session, seller=sellers[n % 3], stock=40, exportable=n % 2 == 0, hs_code="4602.10")
    ensure_default_shipping_rates(session)
    now = utcnow()
    ensure_demo_rates(session, today=jakarta_date(now))
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
    ensure_demo_rates(session, today=jakarta_date(utcnow()))
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


def test_demo_orders_from_abroad_are_paid_in_the_buyers_currency_and_counted_in_rupiah(session):
    """Singapore pays in SGD and the Netherlands in EUR (a card abroad pays in its own currency,
    README), at the demo's rate frozen on the order; monitoring still adds them up in rupiah."""
    make_user(session, email="curator@demo.test", is_curator=True)
    sellers = [make_seller(session) for _ in range(3)]
    for n in range(6):
        make_product(session, seller=sellers[n % 3], stock=40, exportable=True, hs_code="4602.10")
    ensure_default_shipping_rates(session)
    now = utcnow()
    ensure_demo_rates(session, today=jakarta_date(now))
    seed_demo_activity(session, now=now)
    session.commit()
    orders = session.scalars(sa.select(Order)).all()
    abroad = [o for o in orders if o.ship_country != "ID"]
    assert {(o.ship_country, o.currency) for o in abroad} == {("SG", "SGD"), ("NL", "EUR")}
    for order in abroad:
        assert order.payment_method == PaymentMethod.STRIPE and order.lang == "en"
        assert order.exchange_rate is not None
        # Goods and shipping in euros or dollars: a rupiah shipping price would be six digits.
        assert (
            0 < order.shipping_minor < 100_00
            and order.total_minor == order.subtotal_minor + order.shipping_minor
        )
        lines = session.scalars(sa.select(OrderLine).where(OrderLine.order_id == order.id)).all()
        assert order.subtotal_minor == sum(line.unit_price_minor * line.quantity for line in lines)
        assert all(line.unit_price_minor < line.unit_price_idr for line in lines)
    assert all(o.currency == "IDR" for o in orders if o.ship_country == "ID")

    today = jakarta_date(now)
    filters = services.Filters(start=date(today.year - 1, today.month, 1), end=today)
    months = services.compute_figure(session, "months", filters, now=now)
    rupiah = session.scalar(sa.select(sa.func.sum(OrderLine.unit_price_idr * OrderLine.quantity)))
    assert sum(row["sales_idr"] for row in months) == rupiah
    assert sum(row["orders"] for row in months) == len(orders)


def test_demo_orders_leave_products_sold_in_sizes_alone_and_none_is_lost(session):
    """A cart line of a product with sizes needs its size, so the demo's orders (which once
    lost every order that drew one) buy products without sizes: the sizes keep the stock the demo
    shows, and every order is placed."""
    make_user(session, email="curator@demo.test", is_curator=True)
    seller = make_seller(session)
    shirt = make_sized_product(session, {"M": 3, "L": 60}, seller=seller, exportable=True, hs_code="6205.20")
    for _ in range(4):
        make_product(session, seller=seller, stock=60, exportable=True, hs_code="4602.10")
    ensure_default_shipping_rates(session)
    now = utcnow()
    ensure_demo_rates(session, today=jakarta_date(now))
    added = seed_demo_activity(session, now=now)
    session.commit()
    assert added["orders"] == ORDER_COUNT
    assert not session.scalars(sa.select(OrderLine).where(OrderLine.product_id == shirt.id)).all()
    session.refresh(shirt)
    assert [(v.value1, v.stock) for v in shirt.variants] == [("M", 3), ("L", 60)]


def test_demo_orders_never_sell_a_products_last_units(session):
    """The demo's featured batik cloth has four units: its own orders once sold it out, so the
    first product a newcomer opened said "Out of stock"."""
    make_user(session, email="curator@demo.test", is_curator=True)
    seller = make_seller(session)
    few = [
        make_product(session, seller=seller, stock=4, exportable=True, hs_code="4602.10") for _ in range(3)
    ]
    make_product(session, seller=seller, stock=500, exportable=True, hs_code="4602.10")
    ensure_default_shipping_rates(session)
    now = utcnow()
    ensure_demo_rates(session, today=jakarta_date(now))
    assert seed_demo_activity(session, now=now)["orders"] == ORDER_COUNT
    session.commit()
    for product in few:
        session.refresh(product)
        assert product.stock >= KEEP_ON_SALE
