"""Stripe's webhook events, applied once each (the webhook is the only thing that marks a card
order paid).

- Each event id is inserted into `stripe_events` in the same transaction as its effect; a second
  delivery fails on the primary key and changes nothing, however many arrive at once.
- Events may arrive in any order. `expired` never undoes a payment. An expired session cancels
  the order (releasing its stock) unless the order's own deadline is still at least 31 minutes
  past the session's end (a window longer than Stripe's 24 h): then only that attempt ends, and
  the buyer may start another until the order's deadline. When the session had to be given 30
  minutes although the order expires sooner, a payment may arrive after the order was cancelled.
- A payment that succeeds for an order that is cancelled (or already paid by another payment)
  does not revive or re-sell anything: the payment is recorded as succeeded and flagged
  `needs_refund` for a curator.
- A completed session whose `amount_total` or `currency` is not the payment's never marks the
  order paid: the payment is flagged `needs_refund` with a note for a curator, and logged.
- `charge.refunded` carries Stripe's cumulative `amount_refunded`: card refunds only. We keep the
  largest seen, so late or repeated events cannot lower it, and compare it with the card part of
  `Payment.refunded_minor` only — money a curator paid back by bank transfer instead (after Stripe
  failed a card refund) is never in Stripe's figure (`signals.payment_refunded_by_bank`). A full
  refund marks the order refunded. The refunds domain hears it through `signals.charge_refunded`.
  An event made before one of our refunds failed still counts that refund: the refunds domain
  says how much of it (from the charge's `refunds.data` when the event carries it, else from when
  the event was made; `signals.charge_counts_failed_refunds`), and that part is never counted again.
- A refund Stripe reports `failed` or `canceled` (`charge.refund.updated`, `refund.updated` or
  `refund.failed`, whose object is the refund) never reached the card: the refunds domain hears it
  through `signals.card_refund_failed` (our row fails, the sellers' ledger entries are reversed,
  the money counts as not refunded). Any other refund status changes nothing here.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace import signals
from marketplace.errors import ValidationError
from marketplace.money import Money
from marketplace.orders import services as orders
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments.models import Payment, PaymentStatus, StripeEvent
from marketplace.payments.stripe_checkout import (
    MIN_SESSION_LIFETIME,
    find_open_stripe_payment,
    from_stripe_amount,
)
from marketplace.types import utcnow

log = logging.getLogger(__name__)

ACTOR_LABEL = "stripe"
#: Starts `Payment.note` when Stripe charged another amount or currency than the order's
#: (the refunds pages show it as a sentence in the reader's language).
AMOUNT_MISMATCH_NOTE = "stripe-amount-mismatch: Stripe charged"

HANDLED_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
        "charge.refunded",
        "charge.refund.updated",
        "refund.updated",
        "refund.failed",
    }
)
#: Events whose object is a refund (Stripe sends the first for card refunds, the others from API
#: version 2024-10-28 on).
REFUND_EVENTS = frozenset({"charge.refund.updated", "refund.updated", "refund.failed"})
#: A refund in one of these never gave the money back (docs.stripe.com/api/refunds/object).
FAILED_REFUND_STATUSES = frozenset({"failed", "canceled"})


def _object(event: dict) -> dict:
    try:
        obj = event["data"]["object"]
    except (KeyError, TypeError):
        raise ValidationError("event without data.object") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise ValidationError("event data.object has no id")
    return obj


def _lock_payment(session, condition) -> Payment | None:
    """The payment matching `condition` and its order, locked for this transaction and re-read so
    a concurrent change is seen (PostgreSQL row locks; SQLite's write lock, marketplace/extensions.py).

    The order is locked first, as the orders services do (expiry claims the order, then updates its
    payments), so a webhook and the expiry job cannot deadlock.
    """
    order_id = session.scalar(sa.select(Payment.order_id).where(condition))
    if order_id is None:
        return None
    session.scalar(
        sa.select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalar(
        sa.select(Payment).where(condition).with_for_update().execution_options(populate_existing=True)
    )


def handle_stripe_event(session, event: dict, *, now: datetime | None = None) -> str:
    """Apply one verified Stripe event exactly once; returns what happened (for logs and tests).

    Must be the first write of its transaction: the event id is inserted first, so a duplicate
    delivery fails there; this function then rolls the session back and returns "duplicate".
    Unknown event types are acknowledged without being stored. Raises ValidationError for an
    event without an id or object.
    """
    now = now or utcnow()
    event_id = event.get("id") if isinstance(event, dict) else None
    event_type = event.get("type") if isinstance(event, dict) else None
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str):
        raise ValidationError("event without id or type")
    if event_type not in HANDLED_EVENTS:
        return "ignored"
    obj = _object(event)

    try:
        session.add(StripeEvent(id=event_id[:255], type=event_type[:80], received_at=now))
        session.flush()
    except IntegrityError:
        session.rollback()
        return "duplicate"

    if event_type == "charge.refunded":
        return _charge_refunded(session, obj, now=now, made_at=_made_at(event))
    if event_type in REFUND_EVENTS:
        return apply_refund_update(session, obj, now=now)
    return _session_event(session, event_type, obj, now=now)


def apply_checkout_session(session, checkout: dict, *, now: datetime | None = None) -> str:
    """What Stripe says of one of our Checkout Sessions, asked of it rather than heard from a
    webhook (`payments.reconcile`, the "pay by card" button): a complete session is applied as
    `checkout.session.completed` is, an expired one as `checkout.session.expired`, an open one
    changes nothing. The very functions the webhook runs, so a webhook arriving later (or first)
    finds the work done and changes nothing. Flushes; the caller commits.
    """
    now = now or utcnow()
    status = checkout.get("status")
    if status == "complete":
        return _session_event(session, "checkout.session.completed", checkout, now=now)
    if status == "expired":
        return _session_event(session, "checkout.session.expired", checkout, now=now)
    return "no change"


def apply_refunded_charge(session, charge: dict, *, now: datetime | None = None) -> str:
    """A charge retrieved from Stripe (its `amount_refunded` cumulative, as in `charge.refunded`),
    applied as that webhook is: the largest amount seen wins, so applying it again, or the webhook
    after it, changes nothing. Flushes; the caller commits."""
    return _charge_refunded(session, charge, now=now or utcnow())


def apply_refund_update(session, refund: dict, *, now: datetime | None = None) -> str:
    """A refund object from Stripe (a webhook's, or retrieved by the reconcile job): when its status
    is failed or canceled, `signals.card_refund_failed` tells the refunds domain, which fails our
    row once (a second report changes nothing). Returns "refund failed", "no change" or
    "unknown refund". Flushes; the caller commits."""
    now = now or utcnow()
    status = refund.get("status")
    if status not in FAILED_REFUND_STATUSES:
        return "no change"  # pending or succeeded: charge.refunded (or the job) settles those
    intent = refund.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    if not isinstance(intent, str) or not intent:
        charge = refund.get("charge")
        intent = charge.get("payment_intent") if isinstance(charge, dict) else None
    if not isinstance(intent, str) or not intent:
        log.info("Stripe refund %s without a payment intent", refund.get("id"))
        return "unknown refund"
    payment = _lock_payment(session, Payment.payment_intent_id == intent)
    if payment is None:
        log.info("Stripe refund %s for unknown payment intent %s", refund.get("id"), intent)
        return "unknown refund"
    reason = refund.get("failure_reason")
    log.warning("Stripe refund %s of payment %s is %s (%s)", refund["id"], payment.id, status, reason)
    results = signals.card_refund_failed.send(
        session=session,
        payment=payment,
        stripe_refund_id=str(refund["id"]),
        status=str(status),
        failure_reason=str(reason or "")[:80],
        now=now,
    )
    session.flush()
    return "refund failed" if any(changed for _receiver, changed in results) else "no change"


def _session_event(session, event_type: str, obj: dict, *, now: datetime) -> str:
    payment = _lock_payment(session, Payment.provider_reference == obj["id"])
    if payment is None:
        log.info("Stripe %s for an unknown session %s", event_type, obj["id"])
        return "unknown session"
    if obj.get("payment_intent") and not payment.payment_intent_id:
        payment.payment_intent_id = str(obj["payment_intent"])

    if event_type == "checkout.session.completed":
        payment.checkout_url = None
        if obj.get("payment_status") in ("paid", "no_payment_required"):
            return _payment_succeeded(session, payment, obj, now=now)
        session.flush()
        return "awaiting async payment"
    if event_type == "checkout.session.async_payment_succeeded":
        payment.checkout_url = None
        return _payment_succeeded(session, payment, obj, now=now)
    if event_type == "checkout.session.async_payment_failed":
        if payment.status == PaymentStatus.PENDING:
            payment.status = PaymentStatus.FAILED
            payment.checkout_url = None
            session.flush()
            return "payment failed"
        return "no change"
    return _session_expired(session, payment, obj, now=now)


def charged_differently(payment: Payment, obj: dict) -> str | None:
    """What Stripe says it charged ("EUR 1200" in Stripe's units) when that is not the payment's
    amount and currency, else None. A session we created always charges exactly the order."""
    amount, currency = obj.get("amount_total"), obj.get("currency")
    if not isinstance(amount, int) or isinstance(amount, bool) or not isinstance(currency, str):
        return f"{str(currency)[:8].upper()} {str(amount)[:20]}"
    expected = Money(payment.amount_minor, payment.currency).to_stripe_amount()
    if currency.upper() != payment.currency.upper() or amount != expected:
        return f"{currency[:8].upper()} {amount}"
    return None


def _payment_succeeded(session, payment: Payment, obj: dict, *, now: datetime) -> str:
    if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED):
        return "no change"
    charged = charged_differently(payment, obj)
    if charged is not None:
        # Never sell for an amount the buyer did not pay: the order keeps waiting, and the money
        # Stripe took is flagged for a curator (the refunds queue shows it, in both languages).
        payment.status = PaymentStatus.SUCCEEDED
        payment.updated_at = now
        payment.needs_refund = True
        payment.note = f"{AMOUNT_MISMATCH_NOTE} {charged}"
        log.error(
            "Stripe session %s charged %s but payment %s of order %s is %s %s: not marked paid",
            payment.provider_reference,
            charged,
            payment.id,
            payment.order.number,
            payment.currency,
            payment.amount_minor,
        )
        session.flush()
        return "amount mismatch"
    order = payment.order
    was = order.status
    # The orders service claims the order with a conditional UPDATE, so only one caller sells it;
    # for a cancelled order it records "refund due" instead.
    paid = orders.mark_order_paid(session, order, actor_label=ACTOR_LABEL, payment=payment, now=now)
    # Whatever the order's state, the money arrived: record it.
    payment.status = PaymentStatus.SUCCEEDED
    payment.updated_at = now
    if paid:
        session.flush()
        return "paid"
    payment.needs_refund = True
    if was == OrderStatus.CANCELLED:
        payment.note = "Paid after the order was cancelled; its stock was already released. Refund it."
    else:
        payment.note = f"Second payment for an order already {was.value}. Refund it."
    log.warning("Stripe payment %s for order %s (%s) needs a refund", payment.id, order.number, order.status)
    session.flush()
    return "needs refund"


def _session_expired(session, payment: Payment, obj: dict, *, now: datetime) -> str:
    if payment.status != PaymentStatus.PENDING:
        return "no change"  # completed (or failed) first: an expiry changes nothing
    payment.status = PaymentStatus.EXPIRED
    payment.checkout_url = None
    order = payment.order
    if order.status != OrderStatus.AWAITING_PAYMENT:
        session.flush()
        return "payment expired"
    expires_at = obj.get("expires_at")
    if isinstance(expires_at, int):
        session_end = datetime.fromtimestamp(expires_at, UTC)
        if order.payment_due_at - session_end >= MIN_SESSION_LIFETIME:
            # Stripe capped the session at 24 h but the order allows a new attempt: keep it open.
            session.flush()
            return "payment expired"
    other_open = find_open_stripe_payment(session, order, now=now)
    if other_open is not None:
        session.flush()
        return "payment expired"
    orders.cancel_unpaid_order(
        session, order, reason="Stripe Checkout Session expired", actor_label=ACTOR_LABEL, now=now
    )
    session.flush()
    return "cancelled"


def _made_at(event: dict) -> datetime | None:
    """When Stripe made the event (its `created`, seconds), or None when it does not say."""
    created = event.get("created")
    if not isinstance(created, int) or isinstance(created, bool) or created <= 0:
        return None
    return datetime.fromtimestamp(created, UTC)


def _charge_refunded(session, charge: dict, *, now: datetime, made_at: datetime | None = None) -> str:
    intent = charge.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    if not isinstance(intent, str) or not intent:
        return "unknown charge"
    payment = _lock_payment(session, Payment.payment_intent_id == intent)
    if payment is None:
        log.info("charge.refunded for unknown payment intent %s", intent)
        return "unknown charge"
    currency = str(charge.get("currency", payment.currency)).upper()
    if currency != payment.currency.upper():
        log.error("charge.refunded in %s for a %s payment %s", currency, payment.currency, payment.id)
        return "currency mismatch"
    try:
        refunded = from_stripe_amount(int(charge.get("amount_refunded", 0)), currency).minor
    except (TypeError, ValueError):
        raise ValidationError("charge.refunded without a valid amount_refunded") from None
    if charge.get("refunded") is True:
        refunded = payment.amount_minor
    # A refund that failed after Stripe made this event still counts in it (an event delivered
    # late, or after the failure's): that part went back to us, not to the buyer.
    counted_failed = sum(
        int(amount or 0)
        for _receiver, amount in signals.charge_counts_failed_refunds.send(
            session=session, payment=payment, charge=charge, refunded_minor=refunded, made_at=made_at
        )
    )
    if counted_failed:
        log.warning(
            "charge.refunded for payment %s counts %s %s of refunds that failed since; not counted",
            payment.id,
            counted_failed,
            payment.currency,
        )
        refunded = max(refunded - counted_failed, 0)
    # Stripe counts card refunds only; refunded_minor also holds what a curator paid back by bank
    # transfer (after Stripe failed a card refund). Compare Stripe's figure with the card part.
    by_bank = sum(
        int(amount or 0)
        for _receiver, amount in signals.payment_refunded_by_bank.send(session=session, payment=payment)
    )
    by_bank = min(by_bank, payment.refunded_minor)
    # amount_refunded is cumulative: keep the largest seen, so a late or repeated event cannot lower it.
    by_card = min(max(refunded, payment.refunded_minor - by_bank), payment.amount_minor)
    # Our Refund rows pending → succeeded (the refunds domain listens).
    signals.charge_refunded.send(
        session=session, payment=payment, charge=charge, refunded_minor=by_card, now=now
    )
    before = payment.refunded_minor
    refunded = min(by_card + by_bank, payment.amount_minor)
    if refunded <= before:
        return "no change"
    payment.refunded_minor = refunded
    payment.updated_at = now
    full = refunded >= payment.amount_minor
    payment.status = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
    order = payment.order
    if payment.needs_refund:
        # Money that should never have been taken: giving it back settles the flag. A cancelled
        # order whose late payment went back is "refunded"; an order paid another way stays paid.
        if full:
            payment.needs_refund = False
            if order.status == OrderStatus.CANCELLED:
                orders.mark_order_refunded(
                    session, order, amount_minor=order.total_minor, actor_label=ACTOR_LABEL, now=now
                )
    elif order.status in (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        # Partial refunds are an event on the order (what this event added); the full one moves it.
        amount = order.total_minor if full else min(refunded - before, order.total_minor)
        orders.mark_order_refunded(session, order, amount_minor=amount, actor_label=ACTOR_LABEL, now=now)
    session.flush()
    return "refunded" if full else "partially refunded"
