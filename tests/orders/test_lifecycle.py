"""Paying, cancelling, expiring and refunding orders: idempotent, with a ledger row per change."""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Product
from marketplace.extensions import db
from marketplace.orders import services
from marketplace.orders.models import FulfilmentStatus, Order, OrderEvent, OrderStatus
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.stock import services as stock_services
from marketplace.stock.models import StockMovement
from marketplace.types import utcnow
from tests.factories import make_product, make_user
from tests.orders.helpers import make_cart, place


def ledger(session, product):
    rows = session.execute(
        sa.select(StockMovement.kind, StockMovement.quantity_delta)
        .where(StockMovement.product_id == product.id)
        .order_by(StockMovement.id)
    ).all()
    return [(str(kind), delta) for kind, delta in rows]


def stock(session, product):
    session.expire_all()
    return session.get(Product, product.id).stock


def placed(session, quantity=2, stock_=5, **kw):
    product = make_product(session, stock=stock_)
    order = place(session, make_cart(session, {product: quantity}), **kw)
    session.commit()
    return product, order


def test_mark_paid_once(session):
    curator = make_user(session, is_curator=True)
    product, order = placed(session)
    now = utcnow()
    assert services.mark_order_paid(session, order, actor_id=curator.id, actor_label="curator", now=now)
    session.commit()
    assert not services.mark_order_paid(session, order, actor_id=curator.id, actor_label="curator", now=now)
    session.commit()
    order = session.get(Order, order.id)
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    assert [f.status for f in order.fulfilments] == [FulfilmentStatus.PROCESSING]
    assert ledger(session, product) == [("reserve", -2), ("sale", 0)]
    assert stock(session, product) == 3
    payment = session.scalars(sa.select(Payment).where(Payment.order_id == order.id)).one()
    assert payment.status == PaymentStatus.SUCCEEDED and payment.confirmed_by_id == curator.id
    assert [e.to_status for e in order.events] == ["awaiting_payment", "paid"]


def test_cancel_releases_stock_once(session):
    product, order = placed(session)
    assert services.cancel_unpaid_order(
        session, order, reason="buyer asked", actor_label="buyer", now=utcnow()
    )
    session.commit()
    assert not services.cancel_unpaid_order(session, order, reason="again", actor_label="buyer", now=utcnow())
    session.commit()
    assert stock(session, product) == 5
    assert ledger(session, product) == [("reserve", -2), ("release", 2)]
    order = session.get(Order, order.id)
    assert order.status == OrderStatus.CANCELLED
    assert [f.status for f in order.fulfilments] == [FulfilmentStatus.CANCELLED]
    assert session.scalars(sa.select(Payment.status).where(Payment.order_id == order.id)).one() == "expired"


def test_paid_order_cannot_be_cancelled(session):
    product, order = placed(session)
    services.mark_order_paid(session, order, actor_label="curator", now=utcnow())
    session.commit()
    assert not services.cancel_unpaid_order(session, order, reason="x", actor_label="system", now=utcnow())
    assert stock(session, product) == 3


def test_expiry_is_idempotent_and_only_touches_overdue_orders(session):
    product, overdue = placed(session, quantity=1)
    _, fresh = placed(session, quantity=1)
    later = utcnow() + timedelta(hours=25)
    overdue.payment_due_at = utcnow() - timedelta(minutes=1)
    session.commit()
    assert services.expire_unpaid_orders(session, now=utcnow()) == 1
    session.commit()
    assert services.expire_unpaid_orders(session, now=utcnow()) == 0
    session.commit()
    assert session.get(Order, overdue.id).status == OrderStatus.CANCELLED
    assert session.get(Order, fresh.id).status == OrderStatus.AWAITING_PAYMENT
    assert ledger(session, product) == [("reserve", -1), ("release", 1)]
    assert services.expire_unpaid_orders(session, now=later) == 1


def test_payment_after_expiry_leaves_a_refund_due(session):
    product, order = placed(session)
    services.expire_unpaid_orders(session, now=utcnow() + timedelta(days=2))
    session.commit()
    assert not services.mark_order_paid(session, order, actor_label="curator", now=utcnow())
    session.commit()
    assert not services.mark_order_paid(session, order, actor_label="curator", now=utcnow())
    session.commit()
    order = session.get(Order, order.id)
    assert order.status == OrderStatus.CANCELLED
    assert [e.to_status for e in order.events] == ["awaiting_payment", "cancelled", services.REFUND_DUE]
    assert services.orders_needing_refund(session) == [order]
    assert stock(session, product) == 5
    assert services.mark_order_refunded(
        session, order, amount_minor=order.total_minor, actor_label="curator", now=utcnow()
    )
    session.commit()
    assert services.orders_needing_refund(session) == []
    assert stock(session, product) == 5  # released at expiry, not again


def test_refund_of_paid_order_returns_units_once(session):
    product, order = placed(session)
    services.mark_order_paid(session, order, actor_label="stripe", now=utcnow())
    session.commit()
    assert services.mark_order_refunded(
        session, order, amount_minor=1_000, actor_label="stripe", now=utcnow()
    )
    assert session.get(Order, order.id).status == OrderStatus.PAID
    assert services.mark_order_refunded(
        session, order, amount_minor=order.total_minor, actor_label="stripe", now=utcnow()
    )
    session.commit()
    assert not services.mark_order_refunded(
        session, order, amount_minor=order.total_minor, actor_label="stripe", now=utcnow()
    )
    assert session.get(Order, order.id).status == OrderStatus.REFUNDED
    assert ledger(session, product) == [("reserve", -2), ("sale", 0), ("return", 2)]
    assert stock(session, product) == 5


def test_lazy_expiry_before_showing_the_cart(session):
    product, order = placed(session, quantity=5, stock_=5)
    assert stock(session, product) == 0
    assert services.release_overdue_reservations(session, product_ids=[product.id], now=utcnow()) == 0
    assert (
        services.release_overdue_reservations(
            session, product_ids=[product.id], now=utcnow() + timedelta(days=2)
        )
        == 1
    )
    session.commit()
    assert stock(session, product) == 5


def test_two_expiry_jobs_at_once_release_each_order_once(app, session):
    products = [make_product(session, stock=3) for _ in range(4)]
    orders = [place(session, make_cart(session, {p: 2})) for p in products]
    session.commit()
    past = utcnow() + timedelta(days=2)
    results, errors = [], []
    barrier = threading.Barrier(3)

    def job():
        try:
            with app.app_context(), Session(db.engine) as own:
                barrier.wait()
                results.append(services.expire_unpaid_orders(own, now=past))
                own.commit()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=job) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(results) == len(orders)
    for product in products:
        assert ledger(session, product) == [("reserve", -2), ("release", 2)]
        assert stock(session, product) == 3
    events = session.scalar(
        sa.select(sa.func.count()).select_from(OrderEvent).where(OrderEvent.to_status == "cancelled")
    )
    assert events == len(orders)


def test_expire_unpaid_cli(runner, session):
    product, order = placed(session)
    order.payment_due_at = utcnow() - timedelta(seconds=1)
    session.commit()
    result = runner.invoke(args=["orders", "expire-unpaid"])
    assert result.exit_code == 0, result.output
    assert "expired 1" in result.output
    result = runner.invoke(args=["orders", "expire-unpaid"])
    assert "expired 0" in result.output
    assert stock(session, product) == 5


def test_guest_token_round_trip_and_tampering(app, session):
    _, order = placed(session)
    key = app.config["SECRET_KEY"]
    token = services.guest_order_token(order, secret_key=key)
    assert services.get_order_by_guest_token(session, order.number, token, secret_key=key).id == order.id
    import pytest

    from marketplace.errors import NotFound

    # A changed character inside the signature: its last base64 character also carries unused bits,
    # so changing only the end left the signature intact about once in a thousand runs.
    changed = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    for bad in (changed, "", "abc"):
        with pytest.raises(NotFound):
            services.get_order_by_guest_token(session, order.number, bad, secret_key=key)
    with pytest.raises(NotFound):
        services.get_order_by_guest_token(session, order.number, token, secret_key="another-secret-key-xyz")


def test_get_order_for_buyer_hides_other_buyers_orders(session):
    import pytest

    from marketplace.errors import NotFound

    alice, bob = make_user(session), make_user(session)
    product = make_product(session)
    order = place(session, make_cart(session, {product: 1}, user=alice), buyer=alice)
    session.commit()
    assert services.get_order_for_buyer(session, order.number, alice).id == order.id
    with pytest.raises(NotFound):
        services.get_order_for_buyer(session, order.number, bob)
    assert services.list_orders_for_buyer(session, bob) == []


def test_order_and_payment_emails_are_queued_in_the_buyers_language(session):
    from marketplace.email.models import OutboundEmail
    from marketplace.email.services import deliver_pending

    product = make_product(session, stock=5, title_id="Kopi Robusta", title_en="Robusta coffee")
    order = place(session, make_cart(session, {product: 1}), email="siti@example.test", lang="en")
    session.commit()
    services.mark_order_paid(session, order, actor_label="curator", now=utcnow())
    session.commit()
    # The confirmation is rendered when the job runner sends it, in the buyer's language.
    deliver_pending(session)
    emails = session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)).all()
    assert [e.template for e in emails] == ["order_confirmation", "payment_received"]
    confirmation = emails[0]
    assert confirmation.to_address == "siti@example.test" and confirmation.lang == "en"
    assert order.number in confirmation.body_text
    assert f"{order.total_minor:,}" in confirmation.body_text  # English digit grouping
    assert "Robusta coffee" in confirmation.body_text
    assert "token=" in confirmation.body_text  # a guest's signed link


def test_each_seller_ships_then_the_order_is_shipped_and_delivered(session):
    import pytest

    from marketplace.email.models import OutboundEmail
    from marketplace.errors import ValidationError
    from tests.factories import make_seller

    a = make_product(session, seller=make_seller(session), stock=5)
    b = make_product(session, seller=make_seller(session), stock=5)
    order = place(session, make_cart(session, {a: 1, b: 1}))
    session.commit()
    first, second = order.fulfilments
    with pytest.raises(ValidationError):  # not paid yet
        services.mark_fulfilment_shipped(
            session, first, courier="JNE", tracking_number="X1", actor_label="s", now=utcnow()
        )
    session.rollback()
    services.mark_order_paid(session, order, actor_label="curator", now=utcnow())
    session.commit()
    with pytest.raises(ValidationError):  # courier parcels need a tracking number
        services.mark_fulfilment_shipped(
            session, first, courier="JNE", tracking_number=" ", actor_label="s", now=utcnow()
        )
    session.rollback()
    assert services.mark_fulfilment_shipped(
        session, first, courier="JNE", tracking_number="JN123", actor_label="seller", now=utcnow()
    )
    session.commit()
    assert session.get(Order, order.id).status == OrderStatus.PAID  # one parcel still to go
    assert not services.mark_fulfilment_shipped(
        session, first, courier="JNE", tracking_number="JN123", actor_label="seller", now=utcnow()
    )
    assert services.mark_fulfilment_shipped(
        session, second, courier="POS", tracking_number="P9", actor_label="seller", now=utcnow()
    )
    session.commit()
    assert session.get(Order, order.id).status == OrderStatus.SHIPPED
    assert services.mark_fulfilment_delivered(session, first, actor_label="buyer", now=utcnow())
    assert services.mark_fulfilment_delivered(session, second, actor_label="buyer", now=utcnow())
    session.commit()
    order = session.get(Order, order.id)
    assert order.status == OrderStatus.DELIVERED
    shipped = session.scalars(
        sa.select(OutboundEmail).where(OutboundEmail.template == "shipped").order_by(OutboundEmail.id)
    ).all()
    assert len(shipped) == 2 and "JN123" in shipped[0].body_text


def test_stock_adjustments_are_ledgered_and_never_negative(session):
    import pytest

    from marketplace.errors import ValidationError

    product = make_product(session, stock=2)
    session.commit()
    assert stock_services.adjust_stock(session, product, delta=5, reason="new batch", now=utcnow()) == 7
    assert stock_services.set_stock(session, product, stock=4, reason="counted", now=utcnow()) == 4
    assert (
        stock_services.set_stock(session, product, stock=4, reason="counted", now=utcnow()) == 4
    )  # no change, no row
    session.commit()
    with pytest.raises(ValidationError):
        stock_services.adjust_stock(session, product, delta=-5, reason="broken", now=utcnow())
    session.rollback()
    for bad in (0, True, "3"):
        with pytest.raises(ValidationError):
            stock_services.adjust_stock(session, product, delta=bad, reason="x", now=utcnow())
    with pytest.raises(ValidationError):
        stock_services.set_stock(session, product, stock=-1, reason="x", now=utcnow())
    assert ledger(session, product) == [("adjustment", 5), ("adjustment", -3)]
    assert stock(session, product) == 4
