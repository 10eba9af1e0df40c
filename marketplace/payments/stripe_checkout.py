"""Stripe Checkout: a hosted session per payment attempt, refunds asked of Stripe, and closing
sessions of cancelled orders.

- One Checkout Session per payment attempt. The idempotency key is
  `order-<number>-checkout-<attempt>`, so a double click (or a retry) gets the same session, and an
  open session is reused rather than duplicated.
- A session expires at the order's payment deadline, clamped to what Stripe accepts (30 minutes to
  24 hours from now, with a minute of margin each side); see `payments.webhooks` for what its
  expiry does to the order.
- The amounts charged are the order's, written at placement by `orders.checkout.price_checkout`
  (the function the checkout page's summary shows): lines, shipping and the bank code.

Stripe's webhook events are applied in `payments.webhooks`.

The `stripe` library (with the HTTP clients it loads, about 15 MB) is imported by the functions that
talk to Stripe, not with this module: a worker that never takes a card payment never loads it.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from marketplace.config import card_payments_available
from marketplace.errors import Conflict, DomainError, NotFound, ValidationError
from marketplace.money import Money, currency_exponent, stripe_exponent
from marketplace.orders.models import Order, OrderStatus, PaymentMethod
from marketplace.orders.payment_choice import stripe_minimum
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.types import utcnow

if TYPE_CHECKING:
    import stripe

log = logging.getLogger(__name__)

#: Stripe accepts `expires_at` from 30 minutes to 24 hours ahead; keep a minute clear of each edge.
MIN_SESSION_LIFETIME = timedelta(minutes=31)
MAX_SESSION_LIFETIME = timedelta(hours=23, minutes=59)


#: Seconds to wait for Stripe's answer (STRIPE_TIMEOUT_SECONDS), for its connection, and retries.
DEFAULT_STRIPE_TIMEOUT_SECONDS = 10
STRIPE_CONNECT_TIMEOUT_SECONDS = 3
STRIPE_MAX_NETWORK_RETRIES = 1


class PaymentProviderUnavailable(DomainError):
    """Stripe could not be reached or refused our credentials; the buyer can try again later."""

    status = 503


# -- Stripe client and amounts ---------------------------------------------------------------


def stripe_client(config) -> stripe.StripeClient:
    """A StripeClient from app config; `STRIPE_API_BASE` points it at another server (tests).

    Raises NotFound when card payments are not configured (no `STRIPE_SECRET_KEY`).
    """
    import stripe  # loaded on first use: see the module's docstring

    if not card_payments_available(config):
        raise NotFound(_("Card payment is not available."))
    base = config.get("STRIPE_API_BASE")
    # The library waits 80 s for an answer by default; a buyer (and the worker thread) should not.
    # One retry after a timeout or a dropped connection is safe: every call carries an idempotency
    # key, so a request Stripe did receive is answered again, not repeated. Worst case about
    # 2 × (connect + read) seconds, then the buyer is told to try again from the order page.
    timeout = float(config.get("STRIPE_TIMEOUT_SECONDS") or DEFAULT_STRIPE_TIMEOUT_SECONDS)
    http_client = stripe.RequestsClient(timeout=(min(STRIPE_CONNECT_TIMEOUT_SECONDS, timeout), timeout))
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"],
        base_addresses={"api": base} if base else None,
        max_network_retries=STRIPE_MAX_NETWORK_RETRIES,
        http_client=http_client,
    )


def from_stripe_amount(amount: int, currency: str) -> Money:
    """Stripe's integer for `currency` back to our minor units (IDR: 100 → Rp 1, rounded down)."""
    code = currency.upper()
    shift = stripe_exponent(code) - currency_exponent(code)
    if shift >= 0:
        return Money(int(amount) // 10**shift, code)
    return Money(int(amount) * 10**-shift, code)


def minimum_charge(order: Order) -> Money | None:
    """`stripe_minimum` for the order's currency and frozen rate."""
    return stripe_minimum(order.currency, order.exchange_rate)


def _line_title(order: Order, line) -> str:
    return line.title_in(order.lang)  # with its variant: "Batik shirt (Size: XL)"


def checkout_line_items(order: Order) -> list[dict]:
    """The order's lines and shipping as Stripe `price_data` line items, in Stripe's minor units.

    Falls back to one line for the whole order if per-line rounding (a currency where Stripe has
    fewer decimals than ISO 4217) would make the lines disagree with the order's total.
    """
    currency = order.currency.lower()
    items = [
        {
            "price_data": {
                "currency": currency,
                "unit_amount": Money(line.unit_price_minor, order.currency).to_stripe_amount(),
                "product_data": {"name": _line_title(order, line)[:250]},
            },
            "quantity": line.quantity,
        }
        for line in order.lines
    ]
    if order.shipping_minor:
        items.append(
            {
                "price_data": {
                    "currency": currency,
                    "unit_amount": Money(order.shipping_minor, order.currency).to_stripe_amount(),
                    "product_data": {"name": "Shipping" if order.lang == "en" else "Ongkos kirim"},
                },
                "quantity": 1,
            }
        )
    if order.unique_code_minor:
        items.append(
            {
                "price_data": {
                    "currency": currency,
                    "unit_amount": Money(order.unique_code_minor, order.currency).to_stripe_amount(),
                    "product_data": {"name": "Payment code" if order.lang == "en" else "Kode unik"},
                },
                "quantity": 1,
            }
        )
    total = Money(order.total_minor, order.currency).to_stripe_amount()
    if sum(i["price_data"]["unit_amount"] * i["quantity"] for i in items) != total:
        items = [
            {
                "price_data": {
                    "currency": currency,
                    "unit_amount": total,
                    "product_data": {"name": f"Pasar Desa {order.number}"},
                },
                "quantity": 1,
            }
        ]
    return items


#: Clamped expiries are aligned to this step so two clicks seconds apart send the same parameters
#: (Stripe refuses one idempotency key reused with different parameters).
EXPIRY_STEP_SECONDS = 600


def session_expiry(order: Order, now: datetime) -> datetime:
    """The session's `expires_at`: the order's deadline, clamped to Stripe's 30 min – 24 h.

    A clamped value is rounded inward to a 10-minute step (31–41 min, or 23 h 49–59 min ahead).
    """
    step = EXPIRY_STEP_SECONDS
    earliest = now + MIN_SESSION_LIFETIME
    latest = now + MAX_SESSION_LIFETIME
    if order.payment_due_at < earliest:
        # Rounded up from the exact instant: truncating the microseconds first could land on a step
        # just before `earliest`.
        seconds = math.ceil(earliest.timestamp() / step) * step
        return datetime.fromtimestamp(seconds, UTC)
    if order.payment_due_at > latest:
        seconds = int(latest.timestamp()) // step * step
        return datetime.fromtimestamp(seconds, UTC)
    return order.payment_due_at.replace(microsecond=0)


# -- starting a payment ---------------------------------------------------------------------------


def find_open_stripe_payment(session, order: Order, *, now: datetime | None = None) -> Payment | None:
    """The order's pending Stripe payment whose session still accepts payment, if any."""
    now = now or utcnow()
    return session.scalar(
        sa.select(Payment)
        .where(
            Payment.order_id == order.id,
            Payment.method == PaymentMethod.STRIPE,
            Payment.status == PaymentStatus.PENDING,
            Payment.checkout_url.is_not(None),
            Payment.checkout_expires_at > now,
        )
        .order_by(Payment.id.desc())
        .limit(1)
    )


def card_payments_being_confirmed(session, order_ids) -> set[int]:
    """Ids of these orders whose buyer finished Stripe's page and whose payment is not settled yet:
    a pending Stripe payment whose session is closed (its `checkout_url` cleared by the webhook's
    `checkout.session.completed` or by `note_checkout_completed`). One statement for any number."""
    if not order_ids:
        return set()
    return set(
        session.scalars(
            sa.select(Payment.order_id).where(
                Payment.order_id.in_(list(order_ids)),
                Payment.method == PaymentMethod.STRIPE,
                Payment.status == PaymentStatus.PENDING,
                Payment.checkout_url.is_(None),
                Payment.provider_reference.is_not(None),
            )
        )
    )


def retrieve_checkout_session(client: stripe.StripeClient, session_id: str) -> dict:
    """Stripe's Checkout Session `session_id` as a plain dict (the shape its webhook events carry).
    Raises stripe.StripeError."""
    return client.v1.checkout.sessions.retrieve(session_id).to_dict()


def retrieve_refunded_charge(client: stripe.StripeClient, refund_id: str) -> tuple[str, dict | None]:
    """(the refund's status, its charge as `charge.refunded` carries it, or None) for one of our
    refunds at Stripe. The charge lists the refund when it succeeded (Stripe no longer includes
    `refunds` in a charge unless asked), so it settles our row by its id. Raises stripe.StripeError.
    """
    refund = client.v1.refunds.retrieve(refund_id, params={"expand": ["charge"]}).to_dict()
    charge = refund.get("charge")
    if not isinstance(charge, dict):
        return str(refund.get("status")), None
    if not charge.get("payment_intent"):
        charge["payment_intent"] = refund.get("payment_intent")
    if refund.get("status") == "succeeded":
        listed = charge.get("refunds") if isinstance(charge.get("refunds"), dict) else {}
        data = [r for r in listed.get("data") or [] if isinstance(r, dict) and r.get("id") != refund["id"]]
        charge["refunds"] = {
            "object": "list",
            "data": [*data, {k: v for k, v in refund.items() if k != "charge"}],
        }
    return str(refund.get("status")), charge


def _apply_checkout_session(session, checkout: dict, *, now: datetime) -> str:
    # payments.webhooks imports this module (for find_open_stripe_payment and the amounts).
    from marketplace.payments.webhooks import apply_checkout_session

    return apply_checkout_session(session, checkout, now=now)


def note_checkout_completed(
    session, order: Order, *, client: stripe.StripeClient | None = None, now: datetime | None = None
) -> bool:
    """The buyer came back from Stripe's page: when Stripe says the order's open session is
    complete, it is applied there and then, as its webhook `checkout.session.completed` would be
    (`webhooks.apply_checkout_session`): a paid order is paid from this page on, and a payment by a
    delayed method is being confirmed. The webhook arriving after it changes nothing. True when it
    changed; flushes. Stripe unreachable: nothing changes (the webhook, or the reconcile job, will).
    """
    import stripe  # loaded on first use: see the module's docstring

    if order.payment_method != PaymentMethod.STRIPE or order.status != OrderStatus.AWAITING_PAYMENT:
        return False
    payment = find_open_stripe_payment(session, order, now=now)
    if payment is None:
        return False
    client = client or stripe_client(current_app.config)
    try:
        checkout = retrieve_checkout_session(client, payment.provider_reference)
    except stripe.StripeError as error:
        log.warning("could not check Stripe session %s: %s", payment.provider_reference, error)
        return False
    if checkout.get("status") != "complete":
        return False
    _apply_checkout_session(session, checkout, now=now or utcnow())
    return True


def start_stripe_checkout(
    session,
    order: Order,
    *,
    success_url: str,
    cancel_url: str,
    client: stripe.StripeClient | None = None,
    now: datetime | None = None,
) -> Payment:
    """Create (or reuse) the order's Stripe Checkout Session and its pending Payment.

    Card data never reaches us: the buyer pays on Stripe's page at `payment.checkout_url`.
    When the open session turns out to be paid at Stripe already (the buyer closed the tab, its
    webhook is late), no new session is made: the payment is applied as the webhook would apply
    it and returned without a `checkout_url` (the order is paid, or its payment being confirmed).
    Raises Conflict when the order cannot be paid any more (paid, cancelled, past its deadline)
    or its card payment is already being confirmed; ValidationError below Stripe's minimum or for
    a bank-transfer order; PaymentProviderUnavailable when Stripe cannot be reached.
    """
    import stripe  # loaded on first use: see the module's docstring

    now = now or utcnow()
    if order.payment_method != PaymentMethod.STRIPE:
        raise ValidationError(_("This order is paid by bank transfer."))
    if order.status != OrderStatus.AWAITING_PAYMENT:
        raise Conflict(_("This order is not waiting for payment."))
    if order.payment_due_at <= now:
        raise Conflict(_("The time to pay for this order has ended."))

    client = client or stripe_client(current_app.config)
    existing = find_open_stripe_payment(session, order, now=now)
    if existing is not None:
        # Ask Stripe whether it is still open: the buyer may have paid (and closed the tab) with
        # the webhook late or lost.
        try:
            checkout = retrieve_checkout_session(client, existing.provider_reference)
        except stripe.StripeError as error:
            log.warning("could not check Stripe session %s: %s", existing.provider_reference, error)
            checkout = {"status": "open"}  # the session page itself will tell the buyer
        status = checkout.get("status")
        if status == "open":
            return existing
        if status == "complete":
            # Paid already: never a second session. Applied as its webhook would be (which then
            # changes nothing); the payment comes back without a checkout_url.
            _apply_checkout_session(session, checkout, now=now)
            session.refresh(existing)
            return existing
        # Expired early (at Stripe or by us): this attempt is over; its webhook may still follow.
        existing.status = PaymentStatus.EXPIRED
        existing.checkout_url = None
        session.flush()
    if card_payments_being_confirmed(session, [order.id]):
        # The buyer finished Stripe's page; the webhook will settle it (delayed methods take days).
        raise Conflict(_("Your payment for this order is being confirmed."))

    total = Money(order.total_minor, order.currency)
    minimum = minimum_charge(order)
    if minimum is not None and total.minor < minimum.minor:
        raise ValidationError(
            _("Card payments must be at least %(amount)s.", amount=minimum.format(order.lang))
        )

    # Attempts are numbered by the ones already over, so concurrent clicks agree on the number
    # (and thus on the idempotency key) even if one of them stores its Payment first.
    finished = session.scalar(
        sa.select(sa.func.count(Payment.id)).where(
            Payment.order_id == order.id,
            Payment.method == PaymentMethod.STRIPE,
            sa.or_(
                Payment.status.in_([PaymentStatus.EXPIRED, PaymentStatus.FAILED]),
                sa.and_(Payment.status == PaymentStatus.PENDING, Payment.checkout_expires_at <= now),
            ),
        )
    )
    attempt = 1 + finished
    idempotency_key = f"order-{order.number}-checkout-{attempt}"
    expires_at = session_expiry(order, now)
    params = {
        "mode": "payment",
        "line_items": checkout_line_items(order),
        "success_url": success_url,
        "cancel_url": cancel_url,
        "expires_at": int(expires_at.timestamp()),
        "client_reference_id": order.number,
        "customer_email": order.email,
        "locale": "en" if order.lang == "en" else "id",
        "metadata": {"order_number": order.number},
        "payment_intent_data": {"metadata": {"order_number": order.number}},
    }
    try:
        checkout = client.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    except stripe.IdempotencyError as error:
        # Another click for the same attempt is talking to Stripe with other parameters right now.
        raise Conflict(_("Your card payment is being prepared. Please try again in a moment.")) from error
    except stripe.InvalidRequestError as error:
        log.warning("Stripe refused a Checkout Session for %s: %s", order.number, error.user_message)
        raise ValidationError(_("Card payment could not be started for this order.")) from error
    except stripe.StripeError as error:
        log.error("Stripe unavailable for %s: %s", order.number, error)
        raise PaymentProviderUnavailable(
            _("Card payment is unavailable right now. Please try again in a few minutes.")
        ) from error

    payment = Payment(
        order_id=order.id,
        method=PaymentMethod.STRIPE,
        status=PaymentStatus.PENDING,
        amount_minor=order.total_minor,
        currency=order.currency,
        provider_reference=checkout.id,
        checkout_url=checkout.url,
        checkout_expires_at=datetime.fromtimestamp(checkout.expires_at, UTC),
        idempotency_key=idempotency_key,
    )
    # A concurrent click with the same key got the same session from Stripe and may have stored it
    # first; the unique provider_reference says so, and that row is the answer. This transaction has
    # only read until here, so rolling it back loses nothing.
    session.add(payment)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        payment = session.scalar(sa.select(Payment).where(Payment.provider_reference == checkout.id))
        if payment is None:
            raise
    return payment


# -- refunds we ask for -----------------------------------------------------------------------------


def refund_stripe_payment(
    session,
    payment: Payment,
    *,
    amount_minor: int | None = None,
    client: stripe.StripeClient | None = None,
    idempotency_key: str | None = None,
) -> str:
    """Ask Stripe to refund a card payment (all of what is left, or `amount_minor` of the order's
    currency); returns the refund id. Our records change when `charge.refunded` arrives, so a
    refund is counted once however it was started (here or in Stripe's dashboard).

    The idempotency key covers the payment and the amount already refunded, so a double click
    refunds once (or is `idempotency_key`, e.g. the refund form's token). Raises ValidationError
    (not a succeeded card payment, bad amount) and PaymentProviderUnavailable.
    """
    import stripe  # loaded on first use: see the module's docstring

    if payment.method != PaymentMethod.STRIPE or not payment.payment_intent_id:
        raise ValidationError(_("Only a completed card payment can be refunded through Stripe."))
    if payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED):
        raise ValidationError(_("This payment has nothing left to refund."))
    left = payment.amount_minor - payment.refunded_minor
    amount = left if amount_minor is None else amount_minor
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= left:
        raise ValidationError(_("A refund must be more than zero and at most what is left to refund."))
    client = client or stripe_client(current_app.config)
    params = {
        "payment_intent": payment.payment_intent_id,
        "amount": Money(amount, payment.currency).to_stripe_amount(),
        "metadata": {"order_number": payment.order.number},
    }
    # The session id is unique at Stripe (our row ids are only unique in our database).
    key = idempotency_key or f"refund-{payment.provider_reference}-{payment.refunded_minor}-{amount}"
    try:
        refund = client.v1.refunds.create(params=params, options={"idempotency_key": key})
    except stripe.IdempotencyError as error:
        raise Conflict(_("This refund is already being processed.")) from error
    except stripe.InvalidRequestError as error:
        log.warning("Stripe refused a refund of payment %s: %s", payment.id, error.user_message)
        raise ValidationError(_("Stripe refused this refund.")) from error
    except stripe.StripeError as error:
        raise PaymentProviderUnavailable(
            _("Card payment is unavailable right now. Please try again in a few minutes.")
        ) from error
    return refund.id


def expire_stripe_checkouts(
    session, order: Order, *, client: stripe.StripeClient | None = None, now: datetime | None = None
) -> int:
    """Close the order's still-open Checkout Sessions at Stripe, so nobody pays for an order that
    was cancelled (Stripe keeps a session open at least 30 minutes). Call it after the
    cancellation committed; returns how many Stripe expired. Best effort: a session already
    completed or expired is skipped, and an unreachable Stripe is logged — a late payment is
    then still caught by the webhook and flagged for refund.
    """

    now = now or utcnow()
    candidates = session.scalars(
        sa.select(Payment).where(
            Payment.order_id == order.id,
            Payment.method == PaymentMethod.STRIPE,
            Payment.status.in_([PaymentStatus.PENDING, PaymentStatus.EXPIRED]),
            Payment.provider_reference.is_not(None),
            Payment.checkout_expires_at > now,
        )
    ).all()
    if not candidates:
        return 0
    import stripe  # loaded on first use: see the module's docstring

    client = client or stripe_client(current_app.config)
    expired = 0
    for payment in candidates:
        try:
            client.v1.checkout.sessions.expire(payment.provider_reference)
            expired += 1
        except stripe.InvalidRequestError:
            continue  # completed or expired already: its webhook tells us what happened
        except stripe.StripeError as error:
            log.warning("could not expire Stripe session %s: %s", payment.provider_reference, error)
    return expired
