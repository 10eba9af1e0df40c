"""Who hears that a card refund failed at Stripe: the buyer, in the order's language (what was not
refunded, why in plain words, what the district office does next), and the district office
(OFFICE_EMAIL), one short email pointing at the refunds queue.

Queued in the failure's own transaction by `refunds.failures.fail_card_refund`, once per refund
turning FAILED, so a repeated webhook, or the reconcile job finding the same failure, sends nothing
more.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Session

from marketplace.contact import office_contact
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.errors import ValidationError
from marketplace.money import Money
from marketplace.orders.models import Order
from marketplace.orders.notifications import order_link
from marketplace.refunds.failure_reasons import buyer_failure_reason, curator_failure_reason
from marketplace.refunds.models import Refund

log = logging.getLogger(__name__)


def _send(session: Session, **email) -> int:
    """Queue one email; 1, or 0 when its address cannot take one (a mistyped OFFICE_EMAIL must
    never stop the failure itself from being recorded: the webhook would fail again and again)."""
    try:
        send_email(session, **email)
    except ValidationError:
        log.warning("Failed card refund: no email to %r (%s)", email["to"], email["template"])
        return 0
    return 1


def email_refund_failed(session: Session, order: Order, refund: Refund) -> int:
    """Queue the buyer's email and the office's about the failed `refund`; returns how many.

    The office's is left out when OFFICE_EMAIL is empty (the curators' queue shows the failure
    anyway), and either is when its address cannot take an email (logged). Flushes only.
    """
    amount = Money(refund.amount_minor, refund.currency)
    with force_locale(order.lang):
        why = buyer_failure_reason(refund.failure_reason)
    sent = _send(
        session,
        to=order.email,
        template="refund_failed",
        lang=order.lang,
        context={
            "name": order.ship_name,
            "order_number": order.number,
            "amount_text": amount.format(order.lang),
            "why": why,
            "order_url": order_link(order),
        },
    )
    office = office_contact(current_app.config)["email"]
    if not office:
        return sent
    lang = current_app.config.get("BABEL_DEFAULT_LOCALE") or "id"
    with force_locale(lang):
        reason = curator_failure_reason(refund.failure_reason)
    return sent + _send(
        session,
        to=office,
        template="refund_failed_office",
        lang=lang,
        context={
            "order_number": order.number,
            "email": order.email,
            "amount_text": amount.format(lang),
            "reason": reason,
            "queue_url": external_url("refunds.index"),
        },
    )
