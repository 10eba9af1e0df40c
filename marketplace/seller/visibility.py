"""Which products the public may see: active, and sold by an approved seller.

`public_products_filter()` is the SQL condition every public query applies."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.catalogue.models import Product, ProductStatus
from marketplace.seller.models import Seller, SellerStatus


def approved_seller_ids() -> sa.Select:
    return sa.select(Seller.id).where(Seller.status == SellerStatus.APPROVED)


def public_products_filter() -> sa.ColumnElement[bool]:
    """SQL condition on `Product`: active and sold by an approved seller. Needs no join."""
    return sa.and_(
        Product.status == ProductStatus.ACTIVE,
        Product.seller_id.in_(approved_seller_ids()),
    )


def public_products_select() -> sa.Select:
    """`SELECT products` restricted to public products; add filters, ordering and options."""
    return sa.select(Product).where(public_products_filter())
