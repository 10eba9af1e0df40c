"""Card refunds Stripe could not make: the row fails, the money counts as not refunded, the
sellers' ledger gets its share back, and the curators' queue shows it at the top.

Stripe reports a refund `failed` (the card was closed, expired, lost) or `canceled`, through
`charge.refund.updated` / `refund.failed` or the reconcile job's answer (`payments.webhooks.
apply_refund_update` sends `signals.card_refund_failed`). A failed refund counts as never made,
as every reader of refunds already says (`Refund.status != FAILED`): what it covered can be
refunded again, by card or by a bank transfer the curator records. In the same transaction:

- A refund Stripe had reported done first (a test card ending 5126 does exactly that) leaves
  `Payment.refunded_minor`; money that should never have been taken is flagged to give back again.
- `signals.refund_failed`: payouts reverses the refund's REFUND and COMMISSION_REVERSAL entries.
- An order marked refunded on that money returns to the status it was refunded from.
- An audit row ("refund.failed", with Stripe's failure reason).
Units that went back on sale stay there (the stock ledger caps a second return).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace import signals
from marketplace.audit.services import record_action
from marketplace.orders.history import add_event, claim_order
from marketplace.orders.models import Order, OrderEvent, OrderStatus, PaymentMethod
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.refunds.models import Refund, RefundStatus

ACTOR_LABEL = "stripe"


def fail_card_refund(
    session: Session,
    payment: Payment,
    *,
    stripe_refund_id: str,
    status: str,
    failure_reason: str = "",
    now: datetime,
) -> bool:
    """Our card refund `stripe_refund_id` of `payment` failed at Stripe; True if it changed now.

    The caller holds the order's and the payment's locks (the webhook's `_lock_payment`). An
    unknown refund (made in Stripe's dashboard) or one already FAILED changes nothing. Flushes.
    """
    refund = session.scalar(
        sa.select(Refund).where(
            Refund.stripe_refund_id == stripe_refund_id,
            Refund.payment_id == payment.id,
            Refund.method == PaymentMethod.STRIPE,
        )
    )
    if refund is None or refund.status == RefundStatus.FAILED:
        return False
    was, refunded_before = refund.status, payment.refunded_minor
    refund.status = RefundStatus.FAILED
    #: For a failed row: when Stripe's answer arrived.
    refund.confirmed_at = now
    if was == RefundStatus.SUCCEEDED:
        # charge.refunded had counted it: the money is back with us, not with the buyer.
        payment.refunded_minor = max(payment.refunded_minor - refund.amount_minor, 0)
        payment.status = (
            PaymentStatus.PARTIALLY_REFUNDED if payment.refunded_minor else PaymentStatus.SUCCEEDED
        )
        payment.updated_at = now
    if refund.returns_payment_only:
        payment.needs_refund = True  # still money that should never have been taken
    order = session.get(Order, refund.order_id)
    if order.status == OrderStatus.REFUNDED and payment.refunded_minor < payment.amount_minor:
        _unrefund_order(
            session, order, note=f"card refund {status}: {refund.amount_minor} {refund.currency}", now=now
        )
    session.flush()
    signals.refund_failed.send(session=session, refund=refund, order=order, now=now)
    record_action(
        session,
        actor=None,
        actor_label=ACTOR_LABEL,
        action="refund.failed",
        target_type="order",
        target_id=order.id,
        target_label=order.number,
        before={"status": str(was), "refunded_minor": refunded_before},
        after={
            "refund_id": refund.id,
            "status": "failed",
            "stripe_status": status,
            "failure_reason": failure_reason,
            "refunded_minor": payment.refunded_minor,
            "amount_minor": refund.amount_minor,
            "currency": refund.currency,
            "stripe_refund_id": refund.stripe_refund_id,
        },
    )
    session.flush()
    return True


def _unrefund_order(session: Session, order: Order, *, note: str, now: datetime) -> None:
    """The order was marked refunded on the money Stripe then failed to give back: it returns to
    the status it was refunded from (its buyer is not told "refunded"). Parcels a whole refund
    cancelled stay cancelled and its units stay on sale: the goods decision stands; only the money
    is owed again."""
    previous = session.scalar(
        sa.select(OrderEvent.from_status)
        .where(
            OrderEvent.order_id == order.id,
            OrderEvent.to_status == OrderStatus.REFUNDED,
            OrderEvent.from_status != OrderStatus.REFUNDED,
        )
        .order_by(OrderEvent.id.desc())
        .limit(1)
    )
    if previous is None:
        return
    if claim_order(
        session, order, from_statuses=[OrderStatus.REFUNDED], values={"status": previous, "updated_at": now}
    ):
        add_event(
            session,
            order,
            from_status=OrderStatus.REFUNDED,
            to_status=previous,
            actor_label=ACTOR_LABEL,
            now=now,
            note=note,
        )
