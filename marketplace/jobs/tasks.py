"""The periodic tasks the job runner knows: what each does and how often.

A task is a function of the session (in an app context) returning a one-line English summary in
its format from summaries.py (the curator's page translates it); it flushes or
commits as its domain's command does, and the runner commits once more after it. Every task here is
also safe to run twice at once (the runner's lease makes that rare, not impossible: a run that
outlives its lease): orders are expired with conditional updates, reminders are recorded under a
unique key, and each email is claimed with a conditional UPDATE before it is sent.

To add a task: write it in its domain (a service), add a Task below. Its command, if it has one,
stays where it is for people who run it by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace.email.services import deliver_pending
from marketplace.jobs import summaries
from marketplace.labels.common import EXPIRY_WARNING_DAYS
from marketplace.labels.reminders import send_expiry_reminders
from marketplace.orders.fulfilment import auto_complete_fulfilments
from marketplace.orders.lateness import remind_late_sellers
from marketplace.orders.services import expire_unpaid_orders
from marketplace.payments.reconcile import reconcile_card_payments
from marketplace.payments.services import card_payments_available, stripe_client
from marketplace.refunds.reconcile import reconcile_card_refunds
from marketplace.reviews.invitations import invite_reviews
from marketplace.timezones import market_today
from marketplace.types import utcnow

#: A run still holding its lease after this long is taken to be dead, and another runner may start
#: the task: a crashed runner delays its tasks by at most this. Every task below stays correct if a
#: slow run (200 emails to a hanging SMTP server) overlaps the next one.
DEFAULT_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Task:
    name: str
    label: object  # a lazy string: the curator page shows it in the reader's language
    interval: timedelta
    run: Callable[[Session], str]
    lease: timedelta = DEFAULT_LEASE


def expire_unpaid(session: Session) -> str:
    count = expire_unpaid_orders(session, now=utcnow())
    return summaries.EXPIRED_UNPAID.format(count=count)


def remind_expiring_labels(session: Session) -> str:
    result = send_expiry_reminders(session, today=market_today(), days=EXPIRY_WARNING_DAYS)
    return summaries.LABEL_REMINDERS.format(emails=result.emails, labels=result.labels)


def auto_complete_parcels(session: Session) -> str:
    count = auto_complete_fulfilments(session, now=utcnow())
    return summaries.PARCELS_COMPLETED.format(count=count)


def remind_late_parcels(session: Session) -> str:
    sent = remind_late_sellers(session, now=utcnow(), grace_days=current_app.config.get("LATE_GRACE_DAYS", 2))
    return summaries.LATE_REMINDERS.format(count=sent)


def invite_to_review(session: Session) -> str:
    sent = invite_reviews(session, now=utcnow())
    return summaries.REVIEW_INVITES.format(count=sent)


def reconcile_with_stripe(session: Session) -> str:
    """Card payments and refunds whose webhook is late or lost, settled from what Stripe says."""
    if not card_payments_available(current_app.config):
        return summaries.STRIPE_RECONCILED.format(payments=0, refunds=0, failed=0)
    client = stripe_client(current_app.config)
    now = utcnow()
    payments = reconcile_card_payments(session, client=client, now=now)
    refunds = reconcile_card_refunds(session, client=client, now=now)
    return summaries.STRIPE_RECONCILED.format(
        payments=payments.settled, refunds=refunds.settled, failed=payments.failed + refunds.failed
    )


def send_pending_email(session: Session) -> str:
    counts = deliver_pending(session, limit=200)
    return summaries.EMAIL_SENT.format(sent=counts["sent"], retry=counts["retry"], failed=counts["failed"])


#: In the order a pass runs them: email last, so what the others queued goes out in the same pass.
TASKS: tuple[Task, ...] = (
    # First: an order Stripe was paid for is settled before the expiry below could cancel it.
    Task(
        "payments.reconcile",
        _l("Settle card payments and refunds whose Stripe webhook is late"),
        timedelta(minutes=5),
        reconcile_with_stripe,
    ),
    Task(
        "orders.expire_unpaid",
        _l("Cancel unpaid orders past their deadline"),
        timedelta(minutes=5),
        expire_unpaid,
    ),
    Task(
        "labels.remind", _l("Remind sellers of expiring labels"), timedelta(hours=24), remind_expiring_labels
    ),
    Task(
        "orders.auto_complete",
        _l("Complete parcels shipped long ago"),
        timedelta(hours=1),
        auto_complete_parcels,
    ),
    Task("orders.remind_late", _l("Remind sellers of late parcels"), timedelta(hours=6), remind_late_parcels),
    Task("reviews.invite", _l("Invite buyers to review what arrived"), timedelta(hours=6), invite_to_review),
    # Every 15 s: the order confirmation waits here (rendered when sent), and a buyer looks for it at once.
    Task("email.send_pending", _l("Send queued email"), timedelta(seconds=15), send_pending_email),
)


def find_task(name: str, tasks: tuple[Task, ...] = TASKS) -> Task | None:
    return next((task for task in tasks if task.name == name), None)
