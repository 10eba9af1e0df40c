"""The invitation to review: one email per account's order, some days after its parcels arrived,
in the buyer's language, listing what to review grouped by shop and linking their order page
(where each line has "Write a review"). Run by the job runner (`reviews.invite`).

When an order is invited (one email for its parcels from several shops, not one per parcel):
- INVITE_AFTER_DAYS after its *last* parcel arrived, once every parcel not cancelled has arrived:
  the usual case, parcels from the shops of one kecamatan arrive within days of each other.
- A parcel still on its way (a problem report, a slow courier, 30 days abroad) does not hold the
  others back for ever: INVITE_MAX_WAIT_DAYS after the first arrival the parcels arrived so far
  are invited, and the late one gets its own email when it arrives. So an order sends two emails
  only when its parcels arrive more than that apart, and the email says the rest is on its way.
Never twice for a parcel (the unique `review_invitations.fulfilment_id`: a row for each parcel an
email covered, or decided to skip), never for a parcel whose every line is reviewed already, never
for parcels delivered long before the feature (INVITE_WINDOW_DAYS)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, selectinload

from marketplace.accounts.models import User
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.i18n import localized
from marketplace.orders.models import Fulfilment, FulfilmentStatus, Order
from marketplace.reviews.models import Review, ReviewInvitation

#: Days after delivery before the invitation: time to unpack and use what arrived.
INVITE_AFTER_DAYS = 3
#: Days after an order's first parcel arrived that its arrived parcels wait for one still on its way.
INVITE_MAX_WAIT_DAYS = 14
#: Parts delivered longer ago than this are never invited (an old order is not worth an email).
INVITE_WINDOW_DAYS = 30

#: Parcels that may still arrive: the order waits for them (up to INVITE_MAX_WAIT_DAYS).
_ON_THE_WAY = (FulfilmentStatus.PENDING, FulfilmentStatus.PROCESSING, FulfilmentStatus.SHIPPED)


def _due_orders(session: Session, *, now: datetime, limit: int) -> list[int]:
    """Ids of account orders to invite now, the longest waiting first: an arrived parcel not
    invited yet, inside the window and INVITE_AFTER_DAYS old, and either nothing more to wait for
    (no parcel on its way, none arrived in the last INVITE_AFTER_DAYS) or the first such arrival
    INVITE_MAX_WAIT_DAYS old."""
    settled_after = now - timedelta(days=INVITE_AFTER_DAYS)
    invited = sa.select(ReviewInvitation.id).where(ReviewInvitation.fulfilment_id == Fulfilment.id)
    other = aliased(Fulfilment)
    unsettled = sa.select(other.id).where(
        other.order_id == Fulfilment.order_id,
        sa.or_(
            other.status.in_(_ON_THE_WAY),
            sa.and_(other.status == FulfilmentStatus.DELIVERED, other.delivered_at > settled_after),
        ),
    )
    first_arrival = sa.func.min(Fulfilment.delivered_at)
    return list(
        session.scalars(
            sa.select(Fulfilment.order_id)
            .join(Order, Order.id == Fulfilment.order_id)
            .where(
                Fulfilment.status == FulfilmentStatus.DELIVERED,
                Fulfilment.delivered_at <= settled_after,
                Fulfilment.delivered_at > now - timedelta(days=INVITE_WINDOW_DAYS),
                Order.buyer_id.is_not(None),
                ~invited.exists(),
            )
            .group_by(Fulfilment.order_id)
            .having(
                sa.or_(
                    ~unsettled.exists(),
                    first_arrival <= now - timedelta(days=INVITE_MAX_WAIT_DAYS),
                )
            )
            .order_by(first_arrival, Fulfilment.order_id)
            .limit(limit)
        )
    )


def invite_reviews(session: Session, *, now: datetime, limit: int = 200) -> int:
    """Email the buyer of each order due (see the module) once for its parcels arrived so far
    and not invited yet; returns emails queued. A fixed number of queries for up to `limit`
    orders. Flushes only."""
    order_ids = _due_orders(session, now=now, limit=limit)
    if not order_ids:
        return 0
    orders = session.scalars(
        sa.select(Order)
        .where(Order.id.in_(order_ids))
        .order_by(Order.id)
        .options(selectinload(Order.fulfilments).selectinload(Fulfilment.lines))
    ).all()
    part_ids = [part.id for order in orders for part in order.fulfilments]
    invited = set(
        session.scalars(
            sa.select(ReviewInvitation.fulfilment_id).where(ReviewInvitation.fulfilment_id.in_(part_ids))
        )
    )
    line_ids = [line.id for order in orders for part in order.fulfilments for line in part.lines]
    reviewed = set(session.scalars(sa.select(Review.order_line_id).where(Review.order_line_id.in_(line_ids))))
    buyers = {
        user.id: user
        for user in session.scalars(sa.select(User).where(User.id.in_({order.buyer_id for order in orders})))
    }
    oldest = now - timedelta(days=INVITE_WINDOW_DAYS)
    sent = 0
    for order in orders:
        arrived = [
            part
            for part in order.fulfilments
            if part.status == FulfilmentStatus.DELIVERED
            and part.id not in invited
            and part.delivered_at is not None
            and part.delivered_at > oldest
        ]
        if not arrived:
            continue
        # Recorded all the same when nothing is left to ask for: never asked about, now or later.
        session.add_all(ReviewInvitation(fulfilment_id=part.id, sent_at=now) for part in arrived)
        session.flush()
        buyer = buyers.get(order.buyer_id)
        lang = (buyer.locale if buyer else None) or order.lang or "id"
        shops = _shops_to_review(arrived, reviewed, lang)
        if not shops or buyer is None or not buyer.email:
            continue
        send_email(
            session,
            to=buyer.email,
            template="review_invitation",
            lang=lang,
            context={
                "name": buyer.name or "",
                "order_number": order.number,
                "shops": shops,
                "shop": shops[0]["name"],
                "more_on_the_way": any(part.status in _ON_THE_WAY for part in order.fulfilments),
                "link": external_url("orders.show", number=order.number),
            },
        )
        sent += 1
    return sent


def _shops_to_review(parts: list[Fulfilment], reviewed: set[int], lang: str) -> list[dict]:
    """[{"name": shop, "items": [titles]}] for the lines still to review (units left after
    cancellations, a product still in the catalogue), shop by shop in the order's own order."""
    items: dict[str, list[str]] = defaultdict(list)
    for part in sorted(parts, key=lambda p: p.id):
        for line in part.lines:
            if line.id in reviewed or line.product_id is None or line.quantity <= line.cancelled_quantity:
                continue
            items[line.seller_name].append(localized(line, "title", lang))
    return [{"name": name, "items": titles} for name, titles in items.items()]
