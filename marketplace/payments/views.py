"""HTTP views of the payments domain: start Stripe Checkout, Stripe's webhook, the return pages."""

from __future__ import annotations

import json
import logging
import time

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from marketplace.email.links import external_url
from marketplace.errors import Conflict, NotFound
from marketplace.extensions import csrf, db
from marketplace.i18n import current_language
from marketplace.orders import services as orders
from marketplace.orders.models import Order, OrderStatus, PaymentMethod
from marketplace.params import find_int
from marketplace.payments import services
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.timezones import buyer_time, buyer_zone, followed_by, time_left
from marketplace.types import utcnow
from marketplace.views_support import json_error

log = logging.getLogger(__name__)

bp = Blueprint("payments", __name__, url_prefix="/payments")

#: Stripe's default; a signed timestamp older, or later, than this is refused (replay protection).
WEBHOOK_TOLERANCE_SECONDS = 300

#: While a payment is being confirmed the return page reloads itself every few seconds (no script
#: needed), for about two minutes; after that the buyer has the "Check again" link.
CONFIRMING_REFRESH_SECONDS = 3
CONFIRMING_MAX_REFRESHES = 40


def _guest_token(order: Order) -> str | None:
    if order.buyer_id is not None:
        return None
    return orders.guest_order_token(order, secret_key=current_app.config["SECRET_KEY"])


def _order_page(order: Order) -> str:
    """The order's page; a guest's link carries their token."""
    token = _guest_token(order)
    return url_for("orders.show", number=order.number, **({"token": token} if token else {}))


def stripe_return_urls(order: Order) -> tuple[str, str]:
    """Absolute `success_url` and `cancel_url` for `start_stripe_checkout` (guests get their token).

    In production they start with the public address. In development they lead back to the host
    the buyer is browsing: localhost and 127.0.0.1 keep separate cookies, and a logged-in buyer sent
    to the other one would find their order "not found".
    """
    values = {"order": order.number}
    token = _guest_token(order)
    if token:
        values["token"] = token
    if current_app.config.get("PRODUCTION") or not has_request_context():
        return (
            external_url("payments.stripe_return", **values),
            external_url("payments.stripe_cancel", **values),
        )
    return (
        url_for("payments.stripe_return", _external=True, **values),
        url_for("payments.stripe_cancel", _external=True, **values),
    )


def _order_for_visitor(number: str | None, token: str | None) -> Order:
    """The order if the visitor is its buyer or holds its signed guest link; 404 otherwise."""
    if not number or len(number) > 24:
        raise NotFound(_("Order not found."))
    if token:
        return orders.get_order_by_guest_token(
            db.session, number, token, secret_key=current_app.config["SECRET_KEY"]
        )
    if current_user.is_authenticated:
        return orders.get_order_for_buyer(db.session, number, current_user)
    raise NotFound(_("Order not found."))


@bp.post("/stripe/start/<number>")
def stripe_start(number: str):
    """The buyer's "pay by card" button: create or reuse the Checkout Session, then go to Stripe."""
    order = _order_for_visitor(number, request.form.get("token"))
    success_url, cancel_url = stripe_return_urls(order)
    try:
        payment = services.start_stripe_checkout(
            db.session,
            order,
            success_url=success_url,
            cancel_url=cancel_url,
            client=services.stripe_client(current_app.config),
        )
    except services.PaymentProviderUnavailable as error:
        # Stripe is down or slow: back to the order (unpaid, its stock still held) to try again.
        db.session.rollback()
        flash(error.message, "error")
        return redirect(_order_page(order), 303)
    except Conflict as error:
        # A page older than the order (a second tab): it was paid, cancelled or is being
        # confirmed meanwhile. Back to the order, which says what it is now.
        db.session.rollback()
        flash(error.message, "warning")
        return redirect(_order_page(order), 303)
    url = payment.checkout_url
    paid = order.status != OrderStatus.AWAITING_PAYMENT
    db.session.commit()
    if url is None:
        # Stripe had taken this payment already (its webhook late or lost): nothing more to pay.
        if paid:
            flash(_("Your card payment had already gone through: nothing more to pay."), "success")
        else:
            flash(_("Your payment for this order is being confirmed."), "info")
        return redirect(_order_page(order), 303)
    return redirect(url, code=303)


def signed_in_the_future(header: str, *, now: float) -> bool:
    """True when the signature's timestamp (`t=`) is later than now plus the tolerance: the stripe
    library only refuses old timestamps, and a future one would make a replay window of any size."""
    for part in (header or "").split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t":
            try:
                return int(value) > now + WEBHOOK_TOLERANCE_SECONDS
            except ValueError:
                return True
    return True


def _webhook_error(message: str, status: int = 400):
    return json_error(status, message)


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    """Stripe's events, verified with `STRIPE_WEBHOOK_SECRET`; each event id applied once."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        log.error("a Stripe webhook arrived but STRIPE_WEBHOOK_SECRET is not set")
        return _webhook_error("Webhook signing secret is not configured.")
    import stripe  # loaded on first use: payments/stripe_checkout.py says why

    payload = request.get_data(cache=False)
    try:
        signature = request.headers.get("Stripe-Signature")
        stripe.Webhook.construct_event(payload, signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS)
        if signed_in_the_future(signature, now=time.time()):
            log.warning("Stripe webhook refused: signed in the future (%s)", signature[:40])
            return _webhook_error("Invalid or expired Stripe signature.")
        event = json.loads(payload)
    except stripe.SignatureVerificationError as error:
        log.warning("Stripe webhook refused: %s", error.user_message or error)
        return _webhook_error("Invalid or expired Stripe signature.")
    except (ValueError, UnicodeDecodeError, AttributeError, TypeError):
        # Signed, but not a JSON object (construct_event verifies the signature before parsing).
        return _webhook_error("The payload is not a JSON Stripe event.")
    if not isinstance(event, dict):
        return _webhook_error("The payload is not a JSON Stripe event.")
    try:
        result = services.handle_stripe_event(db.session, event)
        db.session.commit()
    except OperationalError:
        # The database was busy past its timeout: nothing was stored, Stripe will retry.
        db.session.rollback()
        log.exception("Stripe event %s could not be stored; Stripe will retry", event.get("id"))
        return _webhook_error("Busy, please retry.", 503)
    log.info("Stripe event %s %s: %s", event.get("id"), event.get("type"), result)
    return jsonify(received=True, result=result)


def _status_view(order: Order, *, came_back_from_stripe: bool, lang: str) -> dict:
    """What the return page says: the order's real state, nothing inferred from the URL.

    The payment deadline is shown only while the order really waits for the buyer to pay: never
    while a payment Stripe took is being confirmed (the buyer has paid; a warning would alarm).
    """
    payments = db.session.scalars(
        sa.select(Payment).where(Payment.order_id == order.id).order_by(Payment.id)
    ).all()
    stripe_payments = [p for p in payments if p.method == PaymentMethod.STRIPE]
    latest = stripe_payments[-1] if stripe_payments else None
    refund_due = any(p.needs_refund for p in payments) or (
        order.status == OrderStatus.CANCELLED and any(p.status == PaymentStatus.SUCCEEDED for p in payments)
    )
    if order.status in (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        state = "paid"
        message = _("Thank you! Your payment was received and the sellers are preparing your order.")
    elif order.status == OrderStatus.REFUNDED:
        state, message = "refunded", _("This order was refunded.")
    elif order.status == OrderStatus.CANCELLED:
        state = "cancelled"
        message = (
            _("This order was cancelled before your payment arrived. Your payment will be refunded.")
            if refund_due
            else _("This order was cancelled.")
        )
    elif latest is not None and latest.status == PaymentStatus.FAILED:
        state, message = "failed", _("Your payment did not go through. You can try again with another card.")
    elif (
        latest is not None
        and latest.status == PaymentStatus.PENDING
        and (latest.checkout_url is None or came_back_from_stripe)
    ):
        # Stripe only sends the buyer to the success URL after payment; the webhook confirms it.
        state, message = (
            "confirming",
            _("We're confirming your payment with Stripe. This can take a moment; check again shortly."),
        )
    else:
        state, message = "awaiting", _("This order is waiting for payment.")
    if not came_back_from_stripe and state == "awaiting":
        # Not "confirming": that payment was completed at Stripe (it settles later), left or not.
        message = _("You left the card payment page. Your order is still waiting for payment.")
    can_pay = (
        order.status == OrderStatus.AWAITING_PAYMENT
        and order.payment_method == PaymentMethod.STRIPE
        and state != "confirming"
        and services.card_payments_available(current_app.config)
    )
    unpaid = order.status == OrderStatus.AWAITING_PAYMENT and state in ("awaiting", "failed")
    where = buyer_zone(order.ship_country)
    return {
        "state": state,
        "message": message,
        "can_pay": can_pay,
        # Written as the order page writes it: the buyer's time (WIB at home) and how long is left.
        "deadline": followed_by(
            buyer_time(order.payment_due_at, lang, where, wib_beside=True),
            f"({time_left(order.payment_due_at, now=utcnow(), lang=lang)})",
        )
        if unpaid
        else None,
        #: The deadline in WIB for static/js/local-time.js to rewrite (a country with several zones).
        "local_times": unpaid and where.several,
    }


def _return_page(cancelled: bool):
    number = request.args.get("order")
    token = request.args.get("token")
    order = _order_for_visitor(number, token)
    if (
        not cancelled
        and services.card_payments_available(current_app.config)
        and services.note_checkout_completed(db.session, order)
    ):
        # Stripe says the buyer paid: applied as its webhook would be (which then changes nothing),
        # so the order is paid from the first page the buyer sees (a write once, when first back).
        db.session.commit()
    view = _status_view(order, came_back_from_stripe=not cancelled, lang=current_language())
    order_url = url_for("orders.show", number=order.number, **({"token": token} if token else {}))
    refresh_url = None
    if view["state"] == "confirming" and not cancelled:
        checks = find_int(request.args.get("checks"), low=0, high=999) or 0
        if checks < CONFIRMING_MAX_REFRESHES:
            values = {"order": order.number, "checks": checks + 1, **({"token": token} if token else {})}
            refresh_url = url_for("payments.stripe_return", **values)
    response = render_template(
        "payments/return.html",
        order_number=order.number,
        order_url=order_url,
        start_url=url_for("payments.stripe_start", number=order.number),
        token=token,
        view=view,
        left_checkout=cancelled,
        refresh_url=refresh_url,
        refresh_seconds=CONFIRMING_REFRESH_SECONDS,
        card_test_mode=bool(current_app.config.get("STRIPE_LOCAL_TEST_MODE")),
    )
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/stripe/return")
def stripe_return():
    """Where Stripe sends the buyer after paying. Shows the order's status, applying a session Stripe
    says is complete (as its webhook would) when the webhook has not yet arrived."""
    return _return_page(cancelled=False)


@bp.get("/stripe/cancel")
def stripe_cancel():
    """Where Stripe sends the buyer who left its page. Shows the status; never changes it."""
    return _return_page(cancelled=True)


from marketplace.payments import transfer_views  # noqa: E402,F401  (registers its routes on bp)
