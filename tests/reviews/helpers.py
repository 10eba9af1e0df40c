"""Builders for review tests: a buyer's order whose part arrived, and a JPEG to upload."""

from __future__ import annotations

import io

from PIL import Image

from marketplace.media.storage import get_storage
from marketplace.orders.fulfilment import mark_fulfilment_delivered
from marketplace.reviews import services
from marketplace.types import utcnow
from tests.cases.helpers import shipped_order


def jpeg(width: int = 640, colour=(180, 90, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, 480), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def delivered_order(session, *, now=None, buyer=None, units: int = 2, delivered: bool = True):
    """(buyer, seller owner, order, line): a paid courier order of one product, shipped and, by
    default, marked received by the buyer."""
    now = now or utcnow()
    buyer, owner, order, fulfilment = shipped_order(session, now=now, buyer=buyer, units=units)
    if delivered:
        assert mark_fulfilment_delivered(session, fulfilment, actor_label="buyer", now=now)
        session.commit()
    return buyer, owner, order, order.lines[0]


def write_review(app, session, line, author, *, rating=5, body="Bagus sekali", photos=(), lang="id"):
    """`author`'s review of `line`, through the service, committed."""
    review = services.create_review(
        session,
        line_id=line.id,
        author=author,
        rating=rating,
        body=body,
        lang=lang,
        photos=list(photos),
        storage=get_storage(app),
        now=utcnow(),
    )
    session.commit()
    return review
