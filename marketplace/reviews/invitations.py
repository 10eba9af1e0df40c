"""The invitation to review: one email per delivered part of an account's order, some days after
it arrived, in the buyer's language, linking their order page (where each line has "Write a
review"). Run by the job runner (`reviews.invite`); never twice for a part (the unique
`review_invitations.fulfilment_id`), never for a part whose every line is reviewed already, never
for parts delivered long before the feature (INVITE_WINDOW_DAYS)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.i18n import localized
from marketplace.orders.models import Fulfilment, FulfilmentStatus, Order
from marketplace.reviews.models import Review, ReviewInvitation

#: Days after delivery before the invitation: time to unpack and use what arrived.
INVITE_AFTER_DAYS = 3
#: Parts delivered longer ago than this are never invited (an old order is not worth an email).
INVITE_WINDOW_DAYS = 30


def invite_reviews(session: Session, *, now: datetime, limit: int = 200) -> int:
    """Email the buyer of each part delivered INVITE_AFTER_DAYS ago (within the window) once;
    returns emails queued. Flushes only."""
    already = sa.select(ReviewInvitation.id).where(ReviewInvitation.fulfilment_id == Fulfilment.id)
    parts = session.scalars(
        sa.select(Fulfilment)
        .join(Order, Order.id == Fulfilment.order_id)
        .where(
            Fulfilment.status == FulfilmentStatus.DELIVERED,
            Fulfilment.delivered_at <= now - timedelta(days=INVITE_AFTER_DAYS),
            Fulfilment.delivered_at > now - timedelta(days=INVITE_WINDOW_DAYS),
            Order.buyer_id.is_not(None),
            ~already.exists(),
        )
        .order_by(Fulfilment.delivered_at, Fulfilment.id)
        .limit(limit)
        .options(selectinload(Fulfilment.lines), selectinload(Fulfilment.order))
    ).all()
    line_ids = [line.id for part in parts for line in part.lines]
    reviewed = set(
        session.scalars(sa.select(Review.order_line_id).where(Review.order_line_id.in_(line_ids)))
        if line_ids
        else []
    )
    sent = 0
    for part in parts:
        session.add(ReviewInvitation(fulfilment_id=part.id, sent_at=now))
        session.flush()
        open_lines = [
            line
            for line in part.lines
            if line.id not in reviewed
            and line.product_id is not None
            and line.quantity > line.cancelled_quantity
        ]
        buyer = session.get(User, part.order.buyer_id)
        if not open_lines or buyer is None or not buyer.email:
            continue  # recorded all the same: nothing to ask for, now or later
        lang = buyer.locale or part.order.lang or "id"
        send_email(
            session,
            to=buyer.email,
            template="review_invitation",
            lang=lang,
            context={
                "name": buyer.name or "",
                "shop": open_lines[0].seller_name,
                "order_number": part.order.number,
                "items": [localized(line, "title", lang) for line in open_lines],
                "link": external_url("orders.show", number=part.order.number),
            },
        )
        sent += 1
    return sent
