"""Carts stored in the database: a guest's (found by a cookie token) or an account's."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.catalogue.models import Product, ProductVariant
from marketplace.extensions import db
from marketplace.types import UTCDateTime, utcnow


class Cart(db.Model):
    """Holds quantities only; prices are always read from the products when shown or ordered."""

    __tablename__ = "carts"
    __table_args__ = (sa.CheckConstraint("token IS NOT NULL OR user_id IS NOT NULL", name="has_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random secret in the guest's `cart_token` cookie; None once the cart belongs to an account.
    token: Mapped[Optional[str]] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", order_by="CartLine.id", cascade="all, delete-orphan"
    )


class CartLine(db.Model):
    __tablename__ = "cart_lines"
    __table_args__ = (
        sa.UniqueConstraint("cart_id", "product_id", "variant_id", name="uq_cart_lines_cart_product_variant"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(sa.ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    #: The variant chosen (the product's only one when it has no options).
    variant_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("product_variants.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column()
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    variant: Mapped[Optional[ProductVariant]] = relationship()
