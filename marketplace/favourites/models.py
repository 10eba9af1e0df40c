"""Saved products of an account, and "tell me when it is back" subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.catalogue.models import Product, ProductVariant
from marketplace.extensions import db
from marketplace.types import UTCDateTime, utcnow


class Favourite(db.Model):
    """A product an account saved with the heart. Guests keep theirs in a cookie (services)."""

    __tablename__ = "favourites"
    __table_args__ = (sa.UniqueConstraint("user_id", "product_id", name="uq_favourites_user_product"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()


class StockAlert(db.Model):
    """ "Tell me when it is back": one email when the product's stock returns, then spent.

    Pending while `sent_at` is None. `variant_id` None: any stock of the product (a product sold out
    as a whole); else that variant's stock (a sold-out size of a shirt whose other sizes sell). At
    most one pending alert per product, variant and address (two partial unique indexes: NULLs are
    distinct in a unique index, so the product-wide alerts have their own).
    """

    __tablename__ = "stock_alerts"
    __table_args__ = (
        sa.Index(
            "uq_stock_alerts_pending",
            "product_id",
            "email",
            unique=True,
            sqlite_where=sa.text("sent_at IS NULL AND variant_id IS NULL"),
            postgresql_where=sa.text("sent_at IS NULL AND variant_id IS NULL"),
        ),
        sa.Index(
            "uq_stock_alerts_pending_variant",
            "variant_id",
            "email",
            unique=True,
            sqlite_where=sa.text("sent_at IS NULL AND variant_id IS NOT NULL"),
            postgresql_where=sa.text("sent_at IS NULL AND variant_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    #: The sold-out variant asked about (None: the whole product).
    variant_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("product_variants.id", ondelete="CASCADE")
    )
    #: The account that asked (None: a guest who gave an address).
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Lower-cased address the email goes to.
    email: Mapped[str] = mapped_column(sa.String(254))
    #: The language the email is written in (the account's, or the page's for a guest).
    lang: Mapped[str] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the email was queued; the alert is spent from then on.
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    product: Mapped[Product] = relationship()
    variant: Mapped[Optional[ProductVariant]] = relationship()
