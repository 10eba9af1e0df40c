"""Bank-transfer refunds recorded by a curator; stock back only for goods that came back; the
payout ledger's share of each refund; late payments given back whole; who may see the pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.errors import ValidationError
from marketplace.orders import services as orders
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.payouts import services as payouts
from marketplace.payouts.models import LedgerEntry, LedgerKind
from marketplace.refunds.models import Refund, RefundLine, RefundStatus
from marketplace.refunds.queries import list_refunds_due
from marketplace.refunds.services import create_refund
from marketplace.stock.models import StockMovement, StockMovementKind
from marketplace.types import utcnow
from tests.factories import make_user
from tests.orders.helpers import make_cart, place
from tests.payouts.helpers import entries, log_in, make_shop, paid_order
from tests.refunds.helpers import ask, stock


@pytest.fixture
def desk(session):
    user = make_user(session, email="desk@example.test", is_curator=True)
    session.commit()
    return user


def _order(session, order_id) -> Order:
    session.expire_all()
    return session.get(Order, order_id)


def _payment(session, order_id) -> Payment:
    session.expire_all()
    return session.scalars(sa.select(Payment).where(Payment.order_id == order_id)).one()


def test_bank_refund_of_one_sellers_part_then_everything(app, session, desk):
    ani, rotan = make_shop(session, price=85_000, stock=10)
    budi, batik = make_shop(session, price=450_000, stock=5)
    order = paid_order(session, {rotan: 2, batik: 1})
    line_b = next(line for line in order.lines if line.product_id == batik.id)
    f_b = line_b.fulfilment_id

    with pytest.raises(ValidationError):  # a bank refund needs the reference of the transfer back
        create_refund(session, order, ask("b-1", quantities={line_b.id: 1}), actor=desk, now=utcnow())
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 0

    refund, _ = create_refund(
        session,
        _order(session, order.id),
        ask(
            "b-1",
            quantities={line_b.id: 1},
            restock={line_b.id: 1},
            shipping={f_b},
            bank_reference="BCA 778899",
        ),
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    assert (refund.status, refund.amount_minor) == (RefundStatus.SUCCEEDED, 450_000)  # pickup: no shipping
    payment = _payment(session, order.id)
    assert (payment.status, payment.refunded_minor) == (PaymentStatus.PARTIALLY_REFUNDED, 450_000)
    assert _order(session, order.id).status == OrderStatus.PAID
    assert stock(session, batik.id) == 5 and stock(session, rotan.id) == 8
    # Budi: 450,000 sale − 22,500 commission − 450,000 refund + 22,500 back = 0. Ani untouched.
    assert payouts.balance(session, budi.id) == 0
    assert payouts.balance(session, ani.id) == 170_000 - 8_500

    full, _ = create_refund(
        session,
        _order(session, order.id),
        ask("b-2", full=True, bank_reference="BCA 778900"),
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    order = _order(session, order.id)
    # Everything left, the unique code included.
    assert full.amount_minor == 170_000 + order.unique_code_minor
    assert order.status == OrderStatus.REFUNDED
    payment = _payment(session, order.id)
    assert (payment.status, payment.refunded_minor) == (PaymentStatus.REFUNDED, order.total_minor)
    assert stock(session, rotan.id) == 10 and stock(session, batik.id) == 5  # each unit back once
    assert payouts.balance(session, ani.id) == 0
    with pytest.raises(ValidationError):
        create_refund(session, order, ask("b-3", full=True, bank_reference="X"), actor=desk, now=utcnow())
    session.rollback()


def test_stock_returns_only_for_goods_that_came_back(app, session, desk):
    _seller, product = make_shop(session, price=20_000, stock=10)
    order = paid_order(session, {product: 3})
    fulfilment = order.fulfilments[0]
    orders.mark_fulfilment_shipped(
        session, fulfilment, courier="JNE", tracking_number="", actor_label="t", now=utcnow()
    )
    session.commit()
    line_id = _order(session, order.id).lines[0].id
    assert stock(session, product.id) == 7

    create_refund(
        session,
        _order(session, order.id),
        ask("s-1", quantities={line_id: 1}, bank_reference="R1"),
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    assert stock(session, product.id) == 7  # refunded, but the buyer kept it
    create_refund(
        session,
        _order(session, order.id),
        ask("s-2", quantities={line_id: 1}, restock={line_id: 1}, bank_reference="R2"),
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    assert stock(session, product.id) == 8
    create_refund(
        session,
        _order(session, order.id),
        ask("s-3", full=True, bank_reference="R3"),
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    assert _order(session, order.id).status == OrderStatus.REFUNDED
    assert stock(session, product.id) == 8  # shipped goods do not come back by themselves
    returns = session.scalars(
        sa.select(StockMovement.quantity_delta).where(StockMovement.kind == StockMovementKind.RETURN)
    ).all()
    assert returns == [1]


def test_commission_given_back_in_steps_adds_up_to_what_was_taken(app, session, desk):
    seller, product = make_shop(session, price=33_333, stock=10)
    order = paid_order(session, {product: 3})
    line_id = order.lines[0].id
    assert entries(session, seller.id, LedgerKind.COMMISSION) == [-5_000]  # 99,999 × 5% = 4,999.95
    for n in range(3):
        create_refund(
            session,
            _order(session, order.id),
            ask(f"c-{n}", quantities={line_id: 1}, bank_reference=f"R{n}"),
            actor=desk,
            now=utcnow(),
        )
        session.commit()
    # Cumulative: 33,333 → 1,667; 66,666 → 3,333; 99,999 → 5,000.
    assert entries(session, seller.id, LedgerKind.COMMISSION_REVERSAL) == [1_667, 1_666, 1_667]
    assert entries(session, seller.id, LedgerKind.REFUND) == [-33_333, -33_333, -33_333]
    assert payouts.balance(session, seller.id) == 0


def test_late_transfer_for_a_cancelled_order_goes_back_whole(app, session, desk):
    seller, product = make_shop(session, price=60_000, stock=4)
    cart = make_cart(session, {product: 1})
    order = place(session, cart, address=None, shipping_method="pickup")
    orders.cancel_unpaid_order(
        session, order, reason="payment window ended", actor_label="system", now=utcnow()
    )
    orders.mark_order_paid(session, order, actor_label="curator", now=utcnow())  # the money arrives late
    session.commit()
    assert [o.number for o, _p in list_refunds_due(session)] == [order.number]

    desk_client = log_in(app, "desk@example.test")
    page = desk_client.get(f"/curator/orders/{order.number}/refund").get_data(as_text=True)
    assert "the whole payment goes back" in page and "units-" not in page
    refund, _ = create_refund(
        session,
        _order(session, order.id),
        ask("late", reason="Order expired", bank_reference="BRI 1"),
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    order = _order(session, order.id)
    assert refund.returns_payment_only and refund.amount_minor == order.total_minor
    assert order.status == OrderStatus.REFUNDED
    assert list_refunds_due(session) == []
    assert session.scalar(sa.select(sa.func.count()).select_from(RefundLine)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 0  # never a sale
    assert stock(session, product.id) == 4  # released when cancelled; nothing more
    page = desk_client.get(f"/curator/orders/{order.number}/refund").get_data(as_text=True)
    assert "Order expired" in page and 'name="reason"' not in page  # nothing left to give back


def _db_state(session):
    session.expire_all()
    return (
        session.execute(sa.select(Refund.id, Refund.status)).all(),
        session.execute(sa.select(Payment.id, Payment.refunded_minor, Payment.status)).all(),
        session.execute(sa.select(LedgerEntry.id)).all(),
        session.execute(sa.select(AuditEntry.id)).all(),
    )


def test_refund_pages_are_for_curators_only(app, session, desk):
    owner = make_user(session, email="owner@example.test")
    make_user(session, email="shopper@example.test")
    _seller, product = make_shop(session, price=50_000, owner=owner)
    order = paid_order(session, {product: 1})
    line_id = order.lines[0].id
    form = {"token": "x1", "reason": "r", f"units-{line_id}": "1", "bank_reference": "R"}
    before = _db_state(session)
    anonymous = app.test_client()
    for url in ("/curator/refunds", f"/curator/orders/{order.number}/refund"):
        assert anonymous.get(url).status_code == 302
    assert anonymous.post(f"/curator/orders/{order.number}/refund", data=form).status_code == 302
    for email in ("owner@example.test", "shopper@example.test"):
        client = log_in(app, email)
        assert client.get("/curator/refunds").status_code == 404
        assert client.get(f"/curator/orders/{order.number}/refund").status_code == 404
        assert client.post(f"/curator/orders/{order.number}/refund", data=form).status_code == 404
    assert _db_state(session) == before

    curator = log_in(app, "desk@example.test")
    assert curator.get("/curator/orders/PD-000000-XXXX/refund").status_code == 404
    found = curator.get(f"/curator/refunds?q={order.number[-6:]}").get_data(as_text=True)
    assert order.number in found
    assert curator.post(f"/curator/orders/{order.number}/refund", data=form).status_code == 303
    session.expire_all()
    assert session.scalars(sa.select(Refund.amount_minor)).all() == [50_000]
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "refund.create")).one()
    assert audit.seller_id == order.lines[0].seller_id


def test_refund_index_lists_flagged_payments_in_bounded_queries(app, session, desk, count_queries):
    curator = log_in(app, "desk@example.test")

    def late_order():
        _s, product = make_shop(session, price=30_000)
        order = place(session, make_cart(session, {product: 1}), address=None, shipping_method="pickup")
        orders.cancel_unpaid_order(session, order, reason="expired", actor_label="system", now=utcnow())
        orders.mark_order_paid(session, order, actor_label="curator", now=utcnow())
        session.commit()
        return order

    first = late_order()
    with count_queries() as one:
        page = curator.get("/curator/refunds").get_data(as_text=True)
    assert first.number in page
    for _ in range(3):
        late_order()
    with count_queries() as four:
        curator.get("/curator/refunds")
    assert four.count == one.count
