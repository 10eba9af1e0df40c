"""Demo favourites: the demo buyer has saved a few products and waits for a sold-out batik."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalogue.models import Product
from marketplace.demo import data
from marketplace.favourites.models import Favourite, StockAlert

#: What buyer@demo.test saved, oldest first: a batik cloth, a coconut-shell kalimba, Ijen coffee,
#: a rattan basket.
FAVOURITE_SLUGS = (
    "kain-batik-tulis-kangkung-setingkes",
    "kalimba-batok-kelapa",
    "kopi-arabika-ijen-250g",
    "keranjang-rotan-bundar-bertutup",
)
#: Sold out in the demo (stock 0): the buyer asked to be told when it is back.
BACK_IN_STOCK_SLUG = "batik-tulis-pewarna-alami-gajah-oling"


def seed_demo_favourites(session: Session, *, now: datetime) -> Counter:
    """Adds only what is missing (a second run changes nothing); returns what it created."""
    created: Counter = Counter()
    buyer = session.scalar(sa.select(User).where(User.email == data.BUYER_EMAIL))
    if buyer is None:
        return created
    slugs = (*FAVOURITE_SLUGS, BACK_IN_STOCK_SLUG)
    products = {p.slug: p for p in session.scalars(sa.select(Product).where(Product.slug.in_(slugs)))}
    saved = set(session.scalars(sa.select(Favourite.product_id).where(Favourite.user_id == buyer.id)))
    for age, slug in enumerate(reversed(FAVOURITE_SLUGS)):
        product = products.get(slug)
        if product is not None and product.id not in saved:
            session.add(
                Favourite(user_id=buyer.id, product_id=product.id, created_at=now - timedelta(days=age + 1))
            )
            created["favourites"] += 1
    sold_out = products.get(BACK_IN_STOCK_SLUG)
    if sold_out is not None and sold_out.stock == 0:
        waiting = session.scalar(
            sa.select(StockAlert.id).where(
                StockAlert.product_id == sold_out.id, StockAlert.user_id == buyer.id
            )
        )
        if waiting is None:
            session.add(
                StockAlert(
                    product_id=sold_out.id,
                    user_id=buyer.id,
                    email=buyer.email,
                    lang=buyer.locale or "id",
                    created_at=now - timedelta(days=3),
                )
            )
            created["back-in-stock alerts"] += 1
    session.flush()
    return created
