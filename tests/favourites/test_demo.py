"""The demo buyer's favourites and back-in-stock alert: believable, and a second run adds nothing."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.demo import data
from marketplace.demo.favourites import BACK_IN_STOCK_SLUG, FAVOURITE_SLUGS, seed_demo_favourites
from marketplace.favourites.models import Favourite, StockAlert
from marketplace.stock.services import adjust_stock
from marketplace.types import utcnow
from tests.factories import make_product, make_user


def test_demo_buyer_has_favourites_and_waits_for_a_sold_out_batik(session):
    buyer = make_user(session, email=data.BUYER_EMAIL, locale="en")
    for slug in FAVOURITE_SLUGS:
        make_product(session, slug=slug)
    sold_out = make_product(session, slug=BACK_IN_STOCK_SLUG, stock=0)
    created = seed_demo_favourites(session, now=utcnow())
    assert created == {"favourites": len(FAVOURITE_SLUGS), "back-in-stock alerts": 1}
    assert seed_demo_favourites(session, now=utcnow()) == {}
    saved = session.scalars(
        sa.select(Favourite.product_id)
        .where(Favourite.user_id == buyer.id)
        .order_by(Favourite.created_at.desc())
    ).all()
    assert len(saved) == len(FAVOURITE_SLUGS)
    alert = session.scalar(sa.select(StockAlert))
    assert (alert.product_id, alert.email, alert.lang, alert.sent_at) == (
        sold_out.id,
        buyer.email,
        "en",
        None,
    )

    adjust_stock(session, sold_out, delta=1, reason="new batch", now=utcnow())  # the demo's email goes out
    assert seed_demo_favourites(session, now=utcnow()) == {}  # a spent alert is not renewed
