"""Card refunds settled from what Stripe says when asked, for when `charge.refunded` is late or lost.

A card refund asked of Stripe stays PENDING until its webhook arrives; asked just before the server
stopped (or with the webhook lost), it would wait in the refunds queue forever. The job runner's
`payments.reconcile` retrieves each refund still pending a few minutes after it was asked, with its
charge, and when Stripe says it succeeded applies the charge as the webhook does
(`payments.webhooks.apply_refunded_charge`: the cumulative amount, the largest seen wins, and our
row turns SUCCEEDED through `signals.charge_refunded`). A refund still pending at Stripe is asked
again next run; one that failed or was canceled there is applied as `charge.refund.updated` is
(`payments.webhooks.apply_refund_update`: our row fails, the sellers' ledger entries are reversed,
and the curators' queue shows it at the top with what to do).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.orders.models import PaymentMethod
from marketplace.payments.reconcile import BATCH, RECONCILE_AFTER, ReconcileResult, ask_stripe_about_each
from marketplace.payments.stripe_checkout import retrieve_refunded_charge
from marketplace.payments.webhooks import FAILED_REFUND_STATUSES, apply_refund_update, apply_refunded_charge
from marketplace.refunds.models import Refund, RefundStatus

log = logging.getLogger(__name__)

#: Card refunds settle within days; an older pending row is a curator's question, not the job's.
RECONCILE_WITHIN = timedelta(days=30)


def list_card_refunds_to_check(session: Session, *, now: datetime, limit: int = BATCH) -> list[str]:
    """Stripe refund ids of our card refunds still pending `RECONCILE_AFTER` after they were asked."""
    return list(
        session.scalars(
            sa.select(Refund.stripe_refund_id)
            .where(
                Refund.method == PaymentMethod.STRIPE,
                Refund.status == RefundStatus.PENDING,
                Refund.stripe_refund_id.is_not(None),
                Refund.created_at <= now - RECONCILE_AFTER,
                Refund.created_at > now - RECONCILE_WITHIN,
            )
            .order_by(Refund.id)
            .limit(limit)
        )
    )


def reconcile_card_refunds(session: Session, *, client, now: datetime, limit: int = BATCH) -> ReconcileResult:
    """Ask Stripe about each pending card refund and settle the succeeded ones, committing after each.

    Use a session with no other work in it: it commits. `client` is a StripeClient.
    """

    def settle(refund_id: str, answer: tuple[str, dict | None]) -> bool:
        status, charge = answer
        if status in FAILED_REFUND_STATUSES:
            outcome = apply_refund_update(
                session, {"id": refund_id, "status": status, "charge": charge or {}}, now=now
            )
            if outcome != "refund failed":
                return False
            log.warning("reconcile: Stripe refund %s is %s; in the curators' queue", refund_id, status)
            return True
        if status != "succeeded" or charge is None:
            return False  # still on its way at Stripe: asked again next run
        apply_refunded_charge(session, charge, now=now)
        settled = session.scalar(sa.select(Refund.status).where(Refund.stripe_refund_id == refund_id))
        if settled != RefundStatus.SUCCEEDED:
            return False
        log.info("reconcile: Stripe refund %s settled", refund_id)
        return True

    return ask_stripe_about_each(
        session,
        list_card_refunds_to_check(session, now=now, limit=limit),
        ask=lambda refund_id: retrieve_refunded_charge(client, refund_id),
        settle=settle,
        what="refund",
    )
