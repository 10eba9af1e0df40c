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
- An order marked refunded on that money returns to the status it was refunded from; any other
  order keeps its status. Either way its history gets an event saying so (note "card refund
  failed: …", `orders.history.REFUND_NOT_MADE_NOTE`), which the buyer reads as "The refund did not
  reach your card".
- An audit row ("refund.failed", with Stripe's failure reason), and the reason on the row
  (`Refund.failure_reason`: the curators' queue and the buyer's email say it in words).
- An email to the buyer (what did not reach their card, why, what the office does next) and one to
  the district office (refunds/failure_notice.py): once, as all of this, since a refund already
  FAILED changes nothing.
Units that went back on sale stay there (the stock ledger caps a second return).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace import signals
from marketplace.audit.services import record_action
from marketplace.orders.history import REFUND_NOT_MADE_NOTE, add_event, claim_order
from marketplace.orders.models import Order, OrderEvent, OrderStatus, PaymentMethod
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.refunds.failure_notice import email_refund_failed
from marketplace.refunds.models import Refund, RefundStatus

ACTOR_LABEL = "stripe"
#: A refund in one of these at Stripe gave nothing back (as payments.webhooks says).
FAILED_AT_STRIPE = frozenset({"failed", "canceled"})


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
    refund.failure_reason = failure_reason[:80] or None
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
    note = f"{REFUND_NOT_MADE_NOTE} {status}: {refund.amount_minor} {refund.currency}"
    unrefunded = (
        order.status == OrderStatus.REFUNDED
        and payment.refunded_minor < payment.amount_minor
        and _unrefund_order(session, order, note=note, now=now)
    )
    if not unrefunded:
        # The order keeps its status: its history says the refund did not reach the card (after
        # the "Partly refunded" a refund Stripe first made wrote), as its page and email do.
        add_event(
            session,
            order,
            from_status=order.status,
            to_status=order.status,
            actor_label=ACTOR_LABEL,
            now=now,
            note=note,
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
    email_refund_failed(session, order, refund)
    session.flush()
    return True


def _unrefund_order(session: Session, order: Order, *, note: str, now: datetime) -> bool:
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
        return False
    if claim_order(
        session, order, from_statuses=[OrderStatus.REFUNDED], values={"status": previous, "updated_at": now}
    ):
        return (
            add_event(
                session,
                order,
                from_status=OrderStatus.REFUNDED,
                to_status=previous,
                actor_label=ACTOR_LABEL,
                now=now,
                note=note,
            )
            is not None
        )
    return False


def _to_the_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def failed_refunds_counted(
    session: Session, payment: Payment, charge: dict, *, refunded_minor: int, made_at: datetime | None
) -> int:
    """How much of a `charge.refunded` event's amount (`refunded_minor`) is our card refunds that
    have FAILED since Stripe made it: the webhook does not count that part again.

    When the charge lists its refunds (`refunds.data`, complete), exactly those of our FAILED
    refunds it lists as not failed. Otherwise (Stripe's API since 2022-11-15 leaves the list out)
    from when the event was made (`made_at`, to the second): a failed refund asked for before it
    and heard failed after it may be counted in it, as far as the amount is more than our refunds
    not failed asked for before it explain. A charge retrieved just now (`made_at` None) is current.
    """
    failed = session.execute(
        sa.select(Refund.stripe_refund_id, Refund.amount_minor, Refund.created_at, Refund.confirmed_at).where(
            Refund.payment_id == payment.id,
            Refund.method == PaymentMethod.STRIPE,
            Refund.status == RefundStatus.FAILED,
        )
    ).all()
    if not failed:
        return 0
    refunds = charge.get("refunds")
    listed = refunds.get("data") if isinstance(refunds, dict) else None
    if isinstance(listed, list) and refunds.get("has_more") is not True:
        counted = {
            item.get("id")
            for item in listed
            if isinstance(item, dict) and item.get("status") not in FAILED_AT_STRIPE
        }
        return sum(amount for stripe_id, amount, _asked, _heard in failed if stripe_id in counted)
    if made_at is None:
        return 0
    before = _to_the_second(made_at)
    maybe_counted = sum(
        amount
        for _stripe_id, amount, asked, heard in failed
        if _to_the_second(asked) <= before and (heard is None or made_at < heard)
    )
    if not maybe_counted:
        return 0
    explained = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Refund.amount_minor), 0)).where(
            Refund.payment_id == payment.id,
            Refund.method == PaymentMethod.STRIPE,  # a bank transfer back is not in Stripe's amount
            Refund.status != RefundStatus.FAILED,
            Refund.created_at < before + timedelta(seconds=1),
        )
    )
    return min(maybe_counted, max(refunded_minor - int(explained or 0), 0))
