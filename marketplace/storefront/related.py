"""The product page's rows under the product: more from this maker, more from this desa, and the
visitor's recently viewed products. Each row loads in a fixed number of queries.

    more_from(session, product, limit=4) -> MoreFrom(maker=[...], village=[...])   (one query)
    recently_viewed(session, ids, *, exclude) -> list[CardProduct]  (one query; none without ids)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Product
from marketplace.catalogue.queries import newest_order
from marketplace.seller.models import Seller
from marketplace.seller.visibility import public_products_filter
from marketplace.storefront.cards import CardProduct, card_from_row, card_rows, card_select

MORE_FROM = 4


class MoreFrom(NamedTuple):
    maker: list[CardProduct]
    village: list[CardProduct]


def more_from(session: Session, product: Product, limit: int = MORE_FROM) -> MoreFrom:
    """The maker's newest other public products, and the newest of other makers of the same desa.

    One statement ranks both groups (ROW_NUMBER over "same maker or not"), keeps `limit` of each
    and selects their cards' columns (storefront.cards, first photo included).
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
        card_select()
        .add_columns(ranked.c.mine)
        .join(ranked, ranked.c.id == Product.id)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.mine.desc(), ranked.c.rank)
    )
    maker, village = [], []
    for row in rows:
        (maker if row[-1] else village).append(card_from_row(row))
    return MoreFrom(maker, village)


def recently_viewed(session: Session, ids: Sequence[int], *, exclude: int | None = None) -> list[CardProduct]:
    """The cards of the public products among `ids` (newest viewed first), without `exclude`."""
    wanted = [pid for pid in ids if pid != exclude]
    if not wanted:
        return []
    found = {card.id: card for card in card_rows(session, _public_cards_by_ids(), {"ids": wanted})}
    return [found[pid] for pid in wanted if pid in found]


@cache  # built once, its ids bound at execution: read on every page of a visitor with recent views
def _public_cards_by_ids() -> sa.Select:
    return card_select().where(public_products_filter(), Product.id.in_(sa.bindparam("ids", expanding=True)))
