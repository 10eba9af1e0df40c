"""Payment rows that follow an order's state changes, and what the buyer's order page and order
list say about a payment under way, connected to `marketplace.signals`.

The write receivers run in the sender's transaction (they flush; the caller commits).
`marketplace.models` imports this module, so the receivers are connected wherever the app runs.
"""

from __future__ import annotations

import sqlalchemy as sa

from marketplace import signals
from marketplace.errors import ValidationError
from marketplace.i18n import message as _l
from marketplace.orders.models import OrderStatus, PaymentMethod
from marketplace.payments.models import Payment, PaymentStatus, TransferClaim
from marketplace.payments.stripe_checkout import card_payments_being_confirmed


@signals.order_placed.connect
def open_bank_transfer(sender, *, session, order, now, **kwargs) -> None:
    """A bank-transfer order waits for one pending Payment of its total (unique code included)."""
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        return
    # One Core INSERT (the checkout's hot path: no ORM object or flush of its own); the order is
    # flushed first for its id (a no-op when another listener already did).
    session.flush()
    session.execute(
        _PENDING_TRANSFER_INSERT,
        {
            "order_id": order.id,
            "method": PaymentMethod.BANK_TRANSFER,
            "status": PaymentStatus.PENDING,
            "amount_minor": order.total_minor,
            "currency": order.currency,
            "provider_reference": f"bank:{order.number}",
            "created_at": now,
            "updated_at": now,
        },
    )


#: Built once (it keeps its cache key): executed with each order's values.
_PENDING_TRANSFER_INSERT = sa.insert(Payment.__table__)


@signals.order_paid.connect
@signals.order_paid_after_cancel.connect
def settle_payment(sender, *, session, order, payment, actor_id, now, **kwargs) -> None:
    """The money arrived: `payment` (or the order's latest bank-transfer payment) succeeded.

    A curator who confirmed a bank transfer is recorded on it.
    """
    if payment is None and order.payment_method == PaymentMethod.BANK_TRANSFER:
        payment = session.scalars(
            sa.select(Payment)
            .where(
                Payment.order_id == order.id,
                Payment.method == PaymentMethod.BANK_TRANSFER,
            )
            .order_by(Payment.id.desc())
        ).first()
    if payment is not None and payment.status in (
        PaymentStatus.PENDING,
        PaymentStatus.EXPIRED,
        PaymentStatus.FAILED,
    ):
        payment.status = PaymentStatus.SUCCEEDED
        payment.updated_at = now
        if payment.method == PaymentMethod.BANK_TRANSFER and actor_id is not None:
            payment.confirmed_by_id = actor_id
    session.flush()


@signals.order_cancelled.connect
def expire_pending_payments(sender, *, session, order, now, **kwargs) -> None:
    """A cancelled order's pending payments expire (a late card payment is caught by the webhook)."""
    for payment in session.scalars(
        sa.select(Payment).where(Payment.order_id == order.id, Payment.status == PaymentStatus.PENDING)
    ):
        payment.status = PaymentStatus.EXPIRED
        payment.updated_at = now
    session.flush()


@signals.order_payment_reversed.connect
def reopen_bank_transfer(sender, *, session, order, now, **kwargs) -> None:
    """An undone transfer confirmation: the bank payment is pending again, its reference cleared.

    Refuses (ValidationError, everything rolls back) when any of its money was given back.
    """
    payment = session.scalars(
        sa.select(Payment)
        .where(Payment.order_id == order.id, Payment.method == PaymentMethod.BANK_TRANSFER)
        .order_by(Payment.id.desc())
        .with_for_update()
    ).first()
    if payment is None:
        return
    if payment.refunded_minor or payment.needs_refund:
        raise ValidationError(str(_l("Money of this order was already refunded: the confirmation stays.")))
    payment.status = PaymentStatus.PENDING
    payment.confirmed_by_id = None
    payment.bank_reference = ""
    payment.updated_at = now
    session.flush()


@signals.order_page.connect
def card_payment_on_order_page(sender, *, session, order, lang, **kwargs) -> dict:
    """templates/orders/show.html: "we're confirming your payment" instead of "pay by card" once
    the buyer paid on Stripe's page and before the webhook settles it (as the return page says)."""
    if order.payment_method != PaymentMethod.STRIPE or order.status != OrderStatus.AWAITING_PAYMENT:
        return {}
    return {"card_payment_confirming": bool(card_payments_being_confirmed(session, [order.id]))}


@signals.order_list.connect
def payments_on_order_list(sender, *, session, orders, lang, **kwargs) -> dict:
    """The buyer's order list: unpaid orders whose payment is under way ("transfer_claimed": the
    buyer said "I have transferred"; "card_confirming": paid on Stripe's page, not settled yet).
    At most two statements for the page."""
    unpaid = [order for order in orders if order.status == OrderStatus.AWAITING_PAYMENT]
    by_transfer = [o.id for o in unpaid if o.payment_method == PaymentMethod.BANK_TRANSFER]
    by_card = [o.id for o in unpaid if o.payment_method == PaymentMethod.STRIPE]
    states = {}
    if by_transfer:
        claimed = session.scalars(
            sa.select(TransferClaim.order_id).where(TransferClaim.order_id.in_(by_transfer))
        )
        states.update(dict.fromkeys(claimed, "transfer_claimed"))
    states.update(dict.fromkeys(card_payments_being_confirmed(session, by_card), "card_confirming"))
    return {"payment_under_way": states}
