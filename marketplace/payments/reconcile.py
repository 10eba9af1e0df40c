"""Card payments settled from what Stripe says when asked, for when its webhook is late or lost.

A buyer who paid and closed the tab before coming back, while `checkout.session.completed` is
delayed (or never arrives: an endpoint down for longer than Stripe retries, a secret rotated), would
still see "Pay by card" and could pay twice. The job runner's `payments.reconcile` asks Stripe about
every card payment still pending a few minutes after its session was made, and applies the answer
with the webhook's own functions (`webhooks.apply_checkout_session`): a webhook arriving after it
changes nothing, and one that arrived first leaves nothing to do.

Each payment is asked of Stripe outside any transaction (no lock is held while the network
answers), then applied and committed on its own, so one payment Stripe cannot answer for leaves the
others settled. The refunds domain does the same for card refunds (`refunds.reconcile`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.orders.models import PaymentMethod
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.payments.stripe_checkout import retrieve_checkout_session
from marketplace.payments.webhooks import apply_checkout_session

log = logging.getLogger(__name__)

#: A payment this fresh is left to its webhook (normally seconds); after it, Stripe is asked.
RECONCILE_AFTER = timedelta(minutes=5)
#: Sessions last at most 24 hours; a completed one waiting for a delayed method settles within
#: days. Older pending rows are not asked about again and again.
RECONCILE_WITHIN = timedelta(days=14)
#: At most this many per run (oldest first); the rest wait for the next run.
BATCH = 100


@dataclass
class ReconcileResult:
    #: Asked of Stripe.
    checked: int = 0
    #: Something changed (paid, being confirmed, expired, flagged for refund).
    settled: int = 0
    #: Stripe could not answer (down, unknown session): left for the next run.
    failed: int = 0


def list_card_payments_to_check(session: Session, *, now: datetime, limit: int = BATCH) -> list[str]:
    """Checkout Session ids of card payments still pending `RECONCILE_AFTER` after they began."""
    return list(
        session.scalars(
            sa.select(Payment.provider_reference)
            .where(
                Payment.method == PaymentMethod.STRIPE,
                Payment.status == PaymentStatus.PENDING,
                Payment.provider_reference.is_not(None),
                Payment.created_at <= now - RECONCILE_AFTER,
                Payment.created_at > now - RECONCILE_WITHIN,
            )
            .order_by(Payment.id)
            .limit(limit)
        )
    )


def reconcile_card_payments(
    session: Session, *, client, now: datetime, limit: int = BATCH
) -> ReconcileResult:
    """Ask Stripe about each pending card payment and apply what it says, committing after each.

    Use a session with no other work in it: it commits. `client` is a StripeClient.
    """

    def settle(reference: str, checkout: dict) -> bool:
        outcome = apply_checkout_session(session, checkout, now=now)
        if outcome in ("no change", "unknown session"):
            return False
        log.info("reconcile: Stripe session %s: %s", reference, outcome)
        return True

    return ask_stripe_about_each(
        session,
        list_card_payments_to_check(session, now=now, limit=limit),
        ask=lambda reference: retrieve_checkout_session(client, reference),
        settle=settle,
        what="session",
    )


def ask_stripe_about_each(
    session: Session,
    ids: list[str],
    *,
    ask: Callable[[str], Any],
    settle: Callable[[str, Any], bool],
    what: str,
) -> ReconcileResult:
    """The reconcile loop of payments and refunds: `ask(id)` Stripe about each (an id Stripe cannot
    answer for is counted failed and left for the next run), then `settle(id, answer)`, True when
    something changed, and commit. Nothing is held while Stripe answers: the reads before it are
    committed first (SQLite: the write lock)."""
    import stripe  # loaded on first use: payments/stripe_checkout.py says why

    result = ReconcileResult()
    session.commit()
    for ident in ids:
        result.checked += 1
        try:
            answer = ask(ident)
        except stripe.StripeError as error:
            log.warning("reconcile: could not retrieve Stripe %s %s: %s", what, ident, error)
            result.failed += 1
            continue
        changed = settle(ident, answer)
        session.commit()
        if changed:
            result.settled += 1
    return result
