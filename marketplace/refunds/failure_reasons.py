"""Why Stripe could not make a card refund, in words: Stripe's `failure_reason` values
(docs.stripe.com/api/refunds/object#refund_object-failure_reason) as the curator reads them in
the refunds queue, and as the buyer reads them in the "refund did not go through" email.

Unknown values (Stripe may add some) and a failure without a reason read as "Unknown" to the
curator (with Stripe's own word beside it when there is one) and as no reason at all to the buyer.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

#: For the curator: what happened, short.
CURATOR_WORDS = {
    "charge_for_pending_refund_disputed": _l(
        "The buyer disputed the payment while the refund was on its way"
    ),
    "declined": _l("The card's bank declined the refund"),
    "expired_or_canceled_card": _l("The card was closed or expired"),
    "insufficient_funds": _l("Our Stripe balance was too low to pay it out"),
    "lost_or_stolen_card": _l("The card was reported lost or stolen"),
    "merchant_request": _l("The refund was canceled at our request"),
    "unknown": _l("Stripe could not reach the bank, or the bank gave no reason"),
}

#: For the buyer: the end of "Stripe, our card payment service, says …", in plain words.
BUYER_WORDS = {
    "charge_for_pending_refund_disputed": _l(
        "the payment was disputed with your bank while the refund was on its way"
    ),
    "declined": _l("your card's bank did not accept it"),
    "expired_or_canceled_card": _l("the card you paid with is closed or has expired"),
    "insufficient_funds": _l("it could not pay it out from our account at that moment"),
    "lost_or_stolen_card": _l("the card you paid with was reported lost or stolen"),
    "merchant_request": _l("it was stopped on our side"),
}


def curator_failure_reason(code: str | None) -> str:
    """Stripe's reason in the curator's words ("Unknown" when there is none, or a new one)."""
    words = CURATOR_WORDS.get(code or "")
    if words is not None:
        return str(words)
    if code:
        return _("Unknown (Stripe says “%(code)s”)", code=code)
    return _("Unknown")


def buyer_failure_reason(code: str | None) -> str:
    """Stripe's reason as the buyer reads it, or "" when it says nothing a buyer could use."""
    words = BUYER_WORDS.get(code or "")
    return str(words) if words is not None else ""
