"""The origin tag of a product: its public code and, when a curator withdrew it, why."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.catalogue.models import Product
from marketplace.extensions import db
from marketplace.types import UTCDateTime, utcnow

__all__ = ["OriginTag"]


class OriginTag(db.Model):
    """One per product, made the first time its seller prints tags; kept for as long as the product.

    Printed tags cannot be recalled, so the row is never deleted: revoking sets `revoked_at`, and
    `/t/<code>` then warns whoever scans one of the tags already out there.
    """

    __tablename__ = "origin_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), unique=True)
    #: Random URL-safe text printed in the QR code (`/t/<code>`): not derived from the product id,
    #: so tags cannot be forged for other products by counting.
    code: Mapped[str] = mapped_column(sa.String(24), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Set by a curator: the tag no longer vouches for the product (cleared when reinstated).
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Shown on the public page while revoked.
    revoke_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    product: Mapped[Product] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
