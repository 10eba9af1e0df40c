"""The payments domain's services, in one place for callers: Stripe Checkout and refunds
(`payments.stripe_checkout`), Stripe's webhook events (`payments.webhooks`), the payment rows an
order's state changes write (`payments.listeners`, connected to `marketplace.signals`), and the
payment-method rules checkout uses (`orders.payment_choice`, below orders in the layering).
"""

from __future__ import annotations

from marketplace.config import card_payments_available
from marketplace.orders.payment_choice import (
    IDR_MINIMUM,
    STRIPE_MINIMUM_CHARGE,
    no_payment_method_reason,
    payment_methods_for,
    stripe_minimum,
)
from marketplace.payments.stripe_checkout import (
    EXPIRY_STEP_SECONDS,
    MAX_SESSION_LIFETIME,
    MIN_SESSION_LIFETIME,
    PaymentProviderUnavailable,
    card_payments_being_confirmed,
    checkout_line_items,
    expire_stripe_checkouts,
    find_open_stripe_payment,
    from_stripe_amount,
    minimum_charge,
    note_checkout_completed,
    refund_stripe_payment,
    session_expiry,
    start_stripe_checkout,
    stripe_client,
)
from marketplace.payments.webhooks import ACTOR_LABEL, HANDLED_EVENTS, handle_stripe_event

__all__ = [
    "ACTOR_LABEL",
    "EXPIRY_STEP_SECONDS",
    "HANDLED_EVENTS",
    "IDR_MINIMUM",
    "MAX_SESSION_LIFETIME",
    "MIN_SESSION_LIFETIME",
    "STRIPE_MINIMUM_CHARGE",
    "PaymentProviderUnavailable",
    "card_payments_available",
    "card_payments_being_confirmed",
    "checkout_line_items",
    "expire_stripe_checkouts",
    "find_open_stripe_payment",
    "from_stripe_amount",
    "handle_stripe_event",
    "minimum_charge",
    "no_payment_method_reason",
    "note_checkout_completed",
    "payment_methods_for",
    "refund_stripe_payment",
    "session_expiry",
    "start_stripe_checkout",
    "stripe_client",
    "stripe_minimum",
]
