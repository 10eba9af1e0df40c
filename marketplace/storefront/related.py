"""The product page's rows under the product: more from this maker, more from this desa, and the
visitor's recently viewed products. Each row loads in a fixed number of queries.

    more_from(session, product, limit=4) -> MoreFrom(maker=[...], village=[...])   (two queries)
    recently_viewed(session, ids, *, exclude) -> list[Product]      (two queries; none without ids)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Product
from marketplace.catalogue.queries import newest_order
from marketplace.seller.models import Seller
from marketplace.seller.visibility import public_products_filter, public_products_select
from marketplace.storefront.listings import CARD_OPTIONS

MORE_FROM = 4


class MoreFrom(NamedTuple):
    maker: list[Product]
    village: list[Product]


def more_from(session: Session, product: Product, limit: int = MORE_FROM) -> MoreFrom:
    """The maker's newest other public products, and the newest of other makers of the same desa.

    One statement ranks both groups (ROW_NUMBER over "same maker or not") and keeps `limit` of
    each, card relations joined; the images are the second.
    """
    same_maker = Product.seller_id == product.seller_id
    ranked = (
        sa.select(
            Product.id.label("id"),
            same_maker.label("mine"),
            sa.func.row_number().over(partition_by=same_maker, order_by=newest_order()).label("rank"),
        )
        .join(Seller, Seller.id == Product.seller_id)
        .where(
            public_products_filter(), Product.id != product.id, Seller.village_id == product.seller.village_id
        )
        .subquery()
    )
    rows = session.execute(
        sa.select(Product, ranked.c.mine)
        .join(ranked, ranked.c.id == Product.id)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.mine.desc(), ranked.c.rank)
        .options(*CARD_OPTIONS)
    ).unique()
    maker, village = [], []
    for found, mine in rows:
        (maker if mine else village).append(found)
    return MoreFrom(maker, village)


def recently_viewed(session: Session, ids: Sequence[int], *, exclude: int | None = None) -> list[Product]:
    """The public products among `ids` (newest viewed first), without `exclude`."""
    wanted = [pid for pid in ids if pid != exclude]
    if not wanted:
        return []
    found = {
        p.id: p
        for p in session.scalars(
            public_products_select().where(Product.id.in_(wanted)).options(*CARD_OPTIONS)
        ).unique()
    }
    return [found[pid] for pid in wanted if pid in found]
