"""Reviews of order lines: stars, text, photos, the seller's reply, reports and moderation.

The product's own counters (`Product.rating_count`, `rating_sum`, `units_sold`) are kept by this
domain in the same transactions (services.py, listeners.py), so listings never count reviews.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.types import UTCDateTime, utcnow

__all__ = ["MAX_PHOTOS", "Review", "ReviewInvitation", "ReviewPhoto", "ReviewReport"]

MAX_PHOTOS = 3


class Review(db.Model):
    """One buyer's stars and words about the product of one completed order line (once per line)."""

    __tablename__ = "reviews"
    __table_args__ = (
        sa.CheckConstraint("rating >= 1 AND rating <= 5", name="rating_one_to_five"),
        #: The product page: its visible reviews, photos first, newest first.
        sa.Index("ix_reviews_product_visible", "product_id", "hidden_at", "photo_count", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Unique: a line is reviewed once (the database refuses a second row, even from two tabs).
    order_line_id: Mapped[int] = mapped_column(
        sa.ForeignKey("order_lines.id", ondelete="CASCADE"), unique=True
    )
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: Shown publicly: the reviewer's first name at the time of writing.
    author_name: Mapped[str] = mapped_column(sa.String(60), default="")
    #: 1–5 stars.
    rating: Mapped[int] = mapped_column()
    body: Mapped[str] = mapped_column(sa.Text, default="")
    #: The language the buyer wrote in (their language when they wrote it): "id" or "en".
    lang: Mapped[str] = mapped_column(sa.String(8), default="id")
    #: How many photos: reviews with photos come first without reading the photos table.
    photo_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    #: The shop's one public reply.
    reply_body: Mapped[str] = mapped_column(sa.Text, default="")
    reply_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    reply_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))

    #: Reports by logged-in visitors not looked at by a curator yet (the console's queue).
    open_reports: Mapped[int] = mapped_column(default=0)
    #: Hidden by a curator: gone from public pages and from the product's rating.
    hidden_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str] = mapped_column(sa.Text, default="")
    hidden_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))

    photos: Mapped[list[ReviewPhoto]] = relationship(
        back_populates="review", order_by="ReviewPhoto.position", cascade="all, delete-orphan"
    )


class ReviewPhoto(db.Model):
    """A buyer's photo, re-encoded like product photos; renditions are public (`products/` prefix)."""

    __tablename__ = "review_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()

    review: Mapped[Review] = relationship(back_populates="photos")


class ReviewReport(db.Model):
    """A logged-in visitor says a review breaks the rules; one report per visitor and review."""

    __tablename__ = "review_reports"
    __table_args__ = (
        sa.UniqueConstraint("review_id", "reporter_id", name="uq_review_reports_review_reporter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewInvitation(db.Model):
    """The one email inviting a buyer to review a delivered part: the unique key makes it once."""

    __tablename__ = "review_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    fulfilment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("fulfilments.id", ondelete="CASCADE"), unique=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
