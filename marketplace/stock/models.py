"""The stock ledger: one row per change to a product's stock (table `stock_movements`)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.types import UTCDateTime, enum_column, utcnow


class StockMovementKind(enum.StrEnum):
    RESERVE = "reserve"  # an order took units (delta < 0)
    RELEASE = "release"  # an unpaid/cancelled order gave them back (delta > 0)
    SALE = "sale"  # a reservation became a sale on payment (delta 0: already taken)
    ADJUSTMENT = "adjustment"  # a seller or curator corrected stock (either sign)
    RETURN = "return"  # goods came back after a refund (delta > 0)


class StockMovement(db.Model):
    """The stock ledger: every change to a product's stock, written in the same transaction."""

    __tablename__ = "stock_movements"
    __table_args__ = (sa.Index("ix_stock_movements_product_created", "product_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    #: The variant whose stock moved (None only for a variant deleted since).
    variant_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("product_variants.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[StockMovementKind] = mapped_column(enum_column(StockMovementKind, "stock_movement_kind"))
    #: Change to the variant's (and so the product's) available stock (negative when units are taken).
    quantity_delta: Mapped[int] = mapped_column()
    order_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
