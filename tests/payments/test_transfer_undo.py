"""Marking a bank transfer received asks for the bank reference; a curator can undo it within a
day while nothing followed (no shipment, refund or payout), and the undo puts the order, its
payment, the stock ledger and the payout ledger back as they were — all audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.errors import ValidationError
from marketplace.orders.fulfilment import mark_fulfilment_shipped
from marketplace.orders.models import FulfilmentStatus, Order, OrderStatus
from marketplace.payments import transfers
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.payouts import services as payouts
from marketplace.payouts.models import LedgerEntry
from marketplace.refunds.services import create_refund
from marketplace.stock.models import StockMovement, StockMovementKind
from marketplace.types import utcnow
from tests.factories import make_user
from tests.orders.helpers import make_cart, place
from tests.payouts.helpers import log_in, make_shop, paid_order
from tests.refunds.helpers import ask, stock

WINDOW = timedelta(hours=24)


@pytest.fixture
def desk_user(session):
    user = make_user(session, email="curator@example.test", is_curator=True)
    session.commit()
    return user


def _fresh(session, order_id: int) -> tuple[Order, Payment]:
    session.expire_all()
    order = session.get(Order, order_id)
    payment = session.scalars(sa.select(Payment).where(Payment.order_id == order_id)).one()
    return order, payment


def _count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _audits(session, action: str) -> list[AuditEntry]:
    return list(
        session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    )


def _order(session, price: int = 60_000, quantity: int = 2, courier: bool = False):
    seller, product = make_shop(session, price=price, stock=5)
    extra = {} if courier else {"address": None, "shipping_method": "pickup"}
    order = place(session, make_cart(session, {product: quantity}), **extra)
    session.commit()
    return seller, product, order


def test_confirm_needs_a_reference_and_undo_puts_everything_back(app, session, desk_user):
    seller, product, order = _order(session)
    desk = log_in(app, "curator@example.test")
    url = f"/curator/transfers/{order.number}/received"

    refused = desk.post(url, data={"reference": "   "})
    assert refused.status_code == 400
    assert "Enter the bank reference" in refused.get_data(as_text=True)
    assert _fresh(session, order.id)[0].status == OrderStatus.AWAITING_PAYMENT

    assert desk.post(url, data={"reference": "BRI 0612 778899"}).status_code == 303
    order_now, payment = _fresh(session, order.id)
    assert order_now.status == OrderStatus.PAID
    assert (payment.status, payment.bank_reference, payment.confirmed_by_id) == (
        PaymentStatus.SUCCEEDED,
        "BRI 0612 778899",
        desk_user.id,
    )
    assert payouts.balance(session, seller.id) == 120_000 - 6_000
    assert _count(session, StockMovement, StockMovement.kind == StockMovementKind.SALE) == 1
    page = desk.get("/curator/transfers").get_data(as_text=True)
    assert "Confirmed in the last 24 hours" in page and f"/curator/transfers/{order.number}/undo" in page

    assert desk.post(f"/curator/transfers/{order.number}/undo").status_code == 303
    order_now, payment = _fresh(session, order.id)
    assert (order_now.status, order_now.paid_at) == (OrderStatus.AWAITING_PAYMENT, None)
    assert order_now.payment_due_at > utcnow() + timedelta(hours=23)
    assert [f.status for f in order_now.fulfilments] == [FulfilmentStatus.PENDING]
    assert (payment.status, payment.bank_reference, payment.confirmed_by_id) == (
        PaymentStatus.PENDING,
        "",
        None,
    )
    assert _count(session, LedgerEntry, LedgerEntry.order_id == order.id) == 0
    assert payouts.balance(session, seller.id) == 0
    assert _count(session, StockMovement, StockMovement.kind == StockMovementKind.SALE) == 0
    assert stock(session, product.id) == 3  # still reserved for the order
    [confirm] = _audits(session, "transfer.confirm")
    [undo] = _audits(session, "transfer.undo")
    assert confirm.after["reference"] == undo.before["reference"] == "BRI 0612 778899"
    assert undo.actor_id == desk_user.id and undo.after["status"] == "awaiting_payment"
    assert order.number in desk.get("/curator/transfers").get_data(as_text=True)
    # A second undo changes nothing; confirming again works as the first time.
    assert desk.post(f"/curator/transfers/{order.number}/undo").status_code == 303
    assert len(_audits(session, "transfer.undo")) == 1
    assert desk.post(url, data={"reference": "BRI 0612 778900"}).status_code == 303
    assert payouts.balance(session, seller.id) == 120_000 - 6_000
    assert _fresh(session, order.id)[1].bank_reference == "BRI 0612 778900"


def test_undo_is_refused_after_24_hours(app, session, desk_user):
    _seller, _product, order = _order(session)
    confirmed_at = utcnow() - WINDOW - timedelta(seconds=5)
    assert transfers.confirm_bank_transfer(
        session, order, reference="BCA 1", actor=desk_user, now=confirmed_at
    )
    session.commit()
    desk = log_in(app, "curator@example.test")
    page = desk.get("/curator/transfers").get_data(as_text=True)
    assert f"/curator/transfers/{order.number}/undo" not in page  # the button is gone

    response = desk.post(f"/curator/transfers/{order.number}/undo", follow_redirects=True)
    assert "can no longer be undone" in response.get_data(as_text=True)
    assert _fresh(session, order.id)[0].status == OrderStatus.PAID
    assert _audits(session, "transfer.undo") == []

    # One second inside the window it still works (service level, same clock).
    _s, _p, other = _order(session)
    at = utcnow() - WINDOW + timedelta(seconds=5)
    assert transfers.confirm_bank_transfer(session, other, reference="BCA 2", actor=desk_user, now=at)
    session.commit()
    transfers.undo_bank_transfer(session, other, actor=desk_user, now=utcnow(), payment_window=WINDOW)
    session.commit()
    assert _fresh(session, other.id)[0].status == OrderStatus.AWAITING_PAYMENT


def test_undo_is_refused_once_shipped_refunded_or_paid_out(app, session, desk_user):
    now = utcnow()
    _seller, _product, shipped = _order(session, courier=True)
    transfers.confirm_bank_transfer(session, shipped, reference="R1", actor=desk_user, now=now)
    session.commit()
    assert mark_fulfilment_shipped(
        session,
        shipped.fulfilments[0],
        courier="JNE",
        tracking_number="JNE123",
        actor_label="seller",
        now=now,
    )
    session.commit()
    with pytest.raises(ValidationError, match="shipped"):
        transfers.undo_bank_transfer(session, shipped, actor=desk_user, now=utcnow(), payment_window=WINDOW)
    session.rollback()
    assert _fresh(session, shipped.id)[0].status == OrderStatus.SHIPPED

    _seller, _product, refunded = _order(session)
    transfers.confirm_bank_transfer(session, refunded, reference="R2", actor=desk_user, now=now)
    session.commit()
    line = refunded.lines[0]
    create_refund(
        session,
        refunded,
        ask("r-1", quantities={line.id: 1}, bank_reference="BCA back"),
        actor=desk_user,
        now=now,
    )
    session.commit()
    with pytest.raises(ValidationError, match="refunded"):
        transfers.undo_bank_transfer(session, refunded, actor=desk_user, now=utcnow(), payment_window=WINDOW)
    session.rollback()
    order_now, payment = _fresh(session, refunded.id)
    assert order_now.status == OrderStatus.PAID and payment.status == PaymentStatus.PARTIALLY_REFUNDED

    seller, product, paid_out = _order(session)
    transfers.confirm_bank_transfer(session, paid_out, reference="R3", actor=desk_user, now=now)
    session.commit()
    # Only delivered sales can be paid out: an earlier order of the same shop arrived.
    paid_order(session, {product: 1}, now=now, delivered=True)
    payouts.create_payout(
        session,
        seller_id=seller.id,
        amount_idr=10_000,
        bank_reference="OUT-1",
        token="p-1",
        actor=desk_user,
        now=now,
    )
    session.commit()
    with pytest.raises(ValidationError, match="paid out"):
        transfers.undo_bank_transfer(session, paid_out, actor=desk_user, now=utcnow(), payment_window=WINDOW)
    session.rollback()
    assert _fresh(session, paid_out.id)[0].status == OrderStatus.PAID
    assert _count(session, LedgerEntry, LedgerEntry.order_id == paid_out.id) == 2
    assert _audits(session, "transfer.undo") == []
