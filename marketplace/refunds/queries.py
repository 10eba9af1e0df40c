"""Reading refunds: what an order's payments can still give back, what was refunded so far, the
curators' queue of refunds due and order search. The writes are in `services.py`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session, aliased, selectinload

from marketplace.accounts.models import User
from marketplace.errors import NotFound
from marketplace.orders import services as orders
from marketplace.orders.models import Order, OrderEvent, OrderStatus, PaymentMethod
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.refunds.models import Refund, RefundLine, RefundStatus

#: A payment in one of these has money that can still go back.
REFUNDED_STATUSES = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED)


def find_refund_by_token(session: Session, token: str) -> Refund | None:
    return session.scalar(sa.select(Refund).where(Refund.token == token)) if token else None


def paying_payment(payments: list[Payment]) -> Payment | None:
    """The payment that paid for the order (not one flagged to give back), even if refunded since."""
    for payment in sorted(payments, key=lambda p: p.id):
        if payment.status in (*REFUNDED_STATUSES, PaymentStatus.REFUNDED) and not payment.needs_refund:
            return payment
    return None


def pending_minor(session: Session, payment_ids: list[int]) -> dict[int, int]:
    """{payment_id: card refunds asked of Stripe whose webhook has not arrived yet}."""
    if not payment_ids:
        return {}
    rows = session.execute(
        sa.select(Refund.payment_id, sa.func.sum(Refund.amount_minor))
        .where(Refund.payment_id.in_(payment_ids), Refund.status == RefundStatus.PENDING)
        .group_by(Refund.payment_id)
    ).all()
    return {payment_id: int(total or 0) for payment_id, total in rows}


def refundable_minor(payment: Payment, pending: int) -> int:
    return max(payment.amount_minor - payment.refunded_minor - pending, 0)


def bank_refunded_minor(session: Session, payment_ids: list[int]) -> dict[int, int]:
    """{payment_id: money a curator paid back by bank transfer (refunds SUCCEEDED at once)}.

    For a card payment this is the part of `Payment.refunded_minor` that Stripe's `amount_refunded`
    never counts: the rest of it is what Stripe gave back to the card."""
    if not payment_ids:
        return {}
    rows = session.execute(
        sa.select(Refund.payment_id, sa.func.sum(Refund.amount_minor))
        .where(
            Refund.payment_id.in_(payment_ids),
            Refund.method == PaymentMethod.BANK_TRANSFER,
            Refund.status == RefundStatus.SUCCEEDED,
        )
        .group_by(Refund.payment_id)
    ).all()
    return {payment_id: int(total or 0) for payment_id, total in rows}


@dataclass(frozen=True)
class RefundSums:
    """A payment's refunds by where the money went, in its currency's minor units."""

    #: Given back to the card, as Stripe counts it (its `amount_refunded`; 0 for a bank payment).
    card_minor: int
    #: Paid back by a bank transfer a curator made.
    bank_minor: int
    #: Card refunds asked of Stripe whose answer has not come yet.
    pending_minor: int
    #: What can still go back.
    left_minor: int


def sums_of(payment: Payment, *, bank: int, pending: int) -> RefundSums:
    """`RefundSums` from the payment and its bank and pending totals (read in one batch)."""
    bank = min(bank, payment.refunded_minor)
    return RefundSums(
        card_minor=payment.refunded_minor - bank,
        bank_minor=bank,
        pending_minor=pending,
        left_minor=refundable_minor(payment, pending),
    )


def refund_sums(session: Session, payment: Payment) -> RefundSums:
    """What went back of `payment` by card and by bank, what waits for Stripe and what is left."""
    return sums_of(
        payment,
        bank=bank_refunded_minor(session, [payment.id]).get(payment.id, 0),
        pending=pending_minor(session, [payment.id]).get(payment.id, 0),
    )


def refunded_so_far(session: Session, order: Order) -> tuple[dict[int, int], dict[int, int], set[int]]:
    """({line id: units refunded}, {line id: units a refund put back on sale}, {fulfilment ids with
    shipping refunded}).

    A failed refund refunded nothing, but the units it put back on sale stay there
    (refunds/failures.py): they count as back on sale, and a refund of them again puts nothing
    back a second time (services._refund_lines)."""
    rows = session.execute(
        sa.select(
            RefundLine.order_line_id,
            RefundLine.fulfilment_id,
            RefundLine.quantity,
            RefundLine.restocked,
            Refund.status,
        )
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(Refund.order_id == order.id)
    ).all()
    units: dict[int, int] = defaultdict(int)
    restocked: dict[int, int] = defaultdict(int)
    shipping: set[int] = set()
    for line_id, fulfilment_id, quantity, back, status in rows:
        if line_id is not None:
            restocked[line_id] += back
        if status == RefundStatus.FAILED:
            continue
        if line_id is None:
            shipping.add(fulfilment_id)
        else:
            units[line_id] += quantity
    return dict(units), dict(restocked), shipping


def list_refunds_due(session: Session) -> list[tuple[Order, Payment | None]]:
    """Money to give back: payments flagged `needs_refund`, and cancelled orders whose bank
    transfer arrived late (REFUND_DUE), oldest first. Two queries."""
    flagged = session.execute(
        sa.select(Payment, Order)
        .join(Order, Order.id == Payment.order_id)
        .where(Payment.needs_refund == sa.true())
        .order_by(Payment.id)
    ).all()
    due = [(order, payment) for payment, order in flagged]
    seen = {order.id for order, _payment in due}
    late = session.scalars(
        sa.select(Order)
        .where(
            Order.id.in_(sa.select(OrderEvent.order_id).where(OrderEvent.to_status == orders.REFUND_DUE)),
            Order.status == OrderStatus.CANCELLED,
        )
        .order_by(Order.id)
    ).all()
    due.extend((order, None) for order in late if order.id not in seen)
    return due


def search_orders(session: Session, query: str, *, limit: int = 20) -> list[Order]:
    """Orders whose number contains `query` (case-insensitive), newest first."""
    text = (query or "").strip().upper()[:24]
    if len(text) < 3:
        return []
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return list(
        session.scalars(
            sa.select(Order)
            .where(Order.number.like(f"%{escaped}%", escape="\\"))
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(limit)
        )
    )


def get_order_for_refund(session: Session, number: str) -> tuple[Order, list[Payment]]:
    order = orders.find_order_by_number(session, number)
    if order is None:
        raise NotFound(_("Order not found."))
    payments = list(
        session.scalars(sa.select(Payment).where(Payment.order_id == order.id).order_by(Payment.id))
    )
    return order, payments


def list_order_refunds(session: Session, order: Order) -> list[Refund]:
    return list(
        session.scalars(
            sa.select(Refund)
            .where(Refund.order_id == order.id)
            .options(selectinload(Refund.lines))
            .order_by(Refund.id)
        )
    )


def list_refund_states_of_failed(session: Session, order_ids: list[int]) -> dict[int, list]:
    """{order id: its refunds' (status, created_at, confirmed_at)} for those of `order_ids` with a
    failed refund (what `presenters.refund_left_failed` reads): one statement for a page of orders."""
    if not order_ids:
        return {}
    with_failure = sa.select(Refund.order_id).where(
        Refund.order_id.in_(order_ids), Refund.status == RefundStatus.FAILED
    )
    rows = session.execute(
        sa.select(Refund.order_id, Refund.status, Refund.created_at, Refund.confirmed_at)
        .where(Refund.order_id.in_(with_failure))
        .order_by(Refund.id)
    ).all()
    found: dict[int, list] = defaultdict(list)
    for row in rows:
        found[row.order_id].append(row)
    return dict(found)


def has_failed_card_refund(session: Session, payment: Payment) -> bool:
    """Whether Stripe failed (or canceled) one of the payment's card refunds."""
    return bool(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Refund)
            .where(
                Refund.payment_id == payment.id,
                Refund.method == PaymentMethod.STRIPE,
                Refund.status == RefundStatus.FAILED,
            )
        )
    )


def _with_asker(statement):
    return statement.join(Order, Order.id == Refund.order_id).outerjoin(User, User.id == Refund.created_by_id)


def list_waiting_card_refunds(session: Session) -> list[tuple[Refund, Order, User | None]]:
    """Card refunds asked of Stripe whose answer has not come yet, oldest first: (refund, order,
    the curator who asked or None). One query."""
    return [
        tuple(row)
        for row in session.execute(
            _with_asker(sa.select(Refund, Order, User))
            .where(Refund.method == PaymentMethod.STRIPE, Refund.status == RefundStatus.PENDING)
            .order_by(Refund.created_at, Refund.id)
        ).all()
    ]


def open_failures(refunds: Sequence[Refund]) -> list[Refund]:
    """`_open_failures` for refunds already read (one payment's or one order's): the failed card
    refunds that no later refund of the same payment replaced. Keep the two rules alike."""
    return [
        refund
        for refund in refunds
        if refund.method == PaymentMethod.STRIPE
        and refund.status == RefundStatus.FAILED
        and not any(
            later.payment_id == refund.payment_id
            and later.id > refund.id
            and (
                later.status != RefundStatus.FAILED
                or (refund.confirmed_at is not None and later.created_at >= refund.confirmed_at)
            )
            for later in refunds
        )
    ]


def _open_failures():
    """Card refunds Stripe failed or canceled that nothing has replaced yet (no later refund of the
    same payment, by card or bank, that did not fail, nor one asked after this one failed that
    failed too: that retry is the failure to deal with now, listed instead)."""
    later = aliased(Refund)
    replaced = sa.exists().where(
        later.payment_id == Refund.payment_id,
        later.id > Refund.id,
        sa.or_(later.status != RefundStatus.FAILED, later.created_at >= Refund.confirmed_at),
    )
    return sa.and_(Refund.method == PaymentMethod.STRIPE, Refund.status == RefundStatus.FAILED, ~replaced)


def count_open_failures_query():
    """The number of failed card refunds to deal with, as a scalar subquery (the console's badge)."""
    return sa.select(sa.func.count()).select_from(Refund).where(_open_failures()).scalar_subquery()


def list_failed_card_refunds(
    session: Session, *, order_id: int | None = None
) -> list[tuple[Refund, Order, User | None]]:
    """Failed card refunds nothing has replaced yet (of one order, or all), newest failure first:
    (refund, order, the curator who asked or None). One query."""
    statement = _with_asker(sa.select(Refund, Order, User)).where(_open_failures())
    if order_id is not None:
        statement = statement.where(Refund.order_id == order_id)
    return [
        tuple(row)
        for row in session.execute(statement.order_by(Refund.confirmed_at.desc(), Refund.id.desc())).all()
    ]
