"""When a seller's money becomes theirs: the office's weekly payout run, and when pending money
becomes available to pay.

- Available money is transferred by a curator on the office's payout day (setting PAYOUT_WEEKDAY,
  Friday unless set; Jakarta's calendar). Nothing pays automatically: the day is the office's
  promise, and the curators' page names the same next run as the sellers'.
- A parcel's money is pending until the parcel is delivered (payouts/availability.py): when the
  buyer confirms receipt or the seller marks it, else by itself `auto_complete_days` after it was
  shipped (its order's shipping zone: orders.fulfilment.auto_complete_days, the job's own rule),
  unless a problem report is open. The auto-complete job runs hourly, so "by itself" is counted
  an hour late, and such money is promised for the first payout day *after* the parcel's last
  day: a run may already be over on the day it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.orders.fulfilment import auto_complete_days
from marketplace.orders.models import Fulfilment, FulfilmentStatus, Order
from marketplace.shipping.models import ShippingZone
from marketplace.shipping.rates import DOMESTIC_AUTO_COMPLETE_DAYS
from marketplace.timezones import jakarta_date

#: How late after its due time the hourly auto-complete job may deliver a parcel.
AUTO_COMPLETE_SLACK = timedelta(hours=1)
#: Pending parcels listed on the seller's page (the balance counts them all).
PENDING_LIST_LIMIT = 50


def next_payout_day(today: date, weekday: int) -> date:
    """The first day on or after `today` that falls on `weekday` (Monday 0)."""
    return today + timedelta(days=(weekday - today.weekday()) % 7)


@dataclass(frozen=True)
class AutoCompleteDays:
    """The days after shipping before a parcel completes by itself: (shortest, longest) at home
    and abroad, from the shipping zones (at home DOMESTIC_AUTO_COMPLETE_DAYS without a zone)."""

    home: tuple[int, int] = (DOMESTIC_AUTO_COMPLETE_DAYS, DOMESTIC_AUTO_COMPLETE_DAYS)
    abroad: tuple[int, int] | None = None


def auto_complete_rule(session: Session) -> AutoCompleteDays:
    """The zones' auto-complete days, at home and abroad: one query."""
    ranges = {
        bool(international): (int(shortest), int(longest))
        for international, shortest, longest in session.execute(
            sa.select(
                ShippingZone.international,
                sa.func.min(ShippingZone.auto_complete_days),
                sa.func.max(ShippingZone.auto_complete_days),
            ).group_by(ShippingZone.international)
        )
    }
    # Pickup orders have no zone: they complete after DOMESTIC_AUTO_COMPLETE_DAYS.
    home = ranges.get(False, (DOMESTIC_AUTO_COMPLETE_DAYS, DOMESTIC_AUTO_COMPLETE_DAYS))
    home = (min(home[0], DOMESTIC_AUTO_COMPLETE_DAYS), max(home[1], DOMESTIC_AUTO_COMPLETE_DAYS))
    return AutoCompleteDays(home=home, abroad=ranges.get(True))


@dataclass(frozen=True)
class PendingParcel:
    """A parcel whose money is not available yet, and when it is expected."""

    fulfilment_id: int
    order_number: str
    status: FulfilmentStatus
    amount_idr: int
    shipped_at: datetime | None
    has_open_case: bool
    #: The Jakarta day the parcel completes by itself at the latest (shipped, no open report).
    completes_by: date | None
    #: The payout run that pays it at the latest, when `completes_by` is known.
    paid_by: date | None


def list_pending_parcels(
    session: Session, seller_id: int, *, weekday: int, limit: int = PENDING_LIST_LIMIT
) -> list[PendingParcel]:
    """The shop's parcels holding money that is not available yet (not delivered, a ledger sum
    other than zero), oldest first, at most `limit`: one query (the partial index of undelivered
    parcels). Shipped parcels without an open report say when they complete by themselves and the
    payout run after that day."""
    rows = session.execute(
        sa.select(
            Fulfilment.id,
            Order.number,
            Fulfilment.status,
            Fulfilment.ledger_idr,
            Fulfilment.shipped_at,
            Fulfilment.has_open_case,
            auto_complete_days(),
        )
        .join(Order, Order.id == Fulfilment.order_id)
        .where(
            Fulfilment.seller_id == seller_id,
            sa.text("fulfilments.status <> 'delivered'"),
            Fulfilment.ledger_idr != 0,
        )
        .order_by(Fulfilment.id)
        .limit(limit)
    )
    parcels = []
    for fulfilment_id, number, status, amount, shipped_at, open_case, days in rows:
        completes_by = paid_by = None
        if status == FulfilmentStatus.SHIPPED and shipped_at is not None and not open_case:
            completes_by = jakarta_date(shipped_at + timedelta(days=int(days)) + AUTO_COMPLETE_SLACK)
            paid_by = next_payout_day(completes_by + timedelta(days=1), weekday)
        parcels.append(
            PendingParcel(
                fulfilment_id=fulfilment_id,
                order_number=number,
                status=FulfilmentStatus(status),
                amount_idr=int(amount),
                shipped_at=shipped_at,
                has_open_case=bool(open_case),
                completes_by=completes_by,
                paid_by=paid_by,
            )
        )
    return parcels
