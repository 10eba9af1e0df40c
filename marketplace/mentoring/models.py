"""A curator's note or field visit about one seller: the programme's mentoring log."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.seller.models import Seller
from marketplace.types import UTCDateTime, enum_column, utcnow

__all__ = ["MentoringKind", "MentoringNote"]


class MentoringKind(enum.StrEnum):
    NOTE = "note"  # a call, a message, an observation
    VISIT = "visit"  # a field visit to the seller (counts for "no visit in 90 days")


class MentoringNote(db.Model):
    """One entry in a seller's mentoring log. Entries are never edited: a correction is a new note."""

    __tablename__ = "mentoring_notes"
    __table_args__ = (
        sa.Index("ix_mentoring_notes_seller_visited", "seller_id", "visited_on"),
        sa.CheckConstraint(
            "follow_up_on IS NULL OR follow_up_on >= visited_on", name="follow_up_not_before_visit"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id", ondelete="CASCADE"))
    #: The curator who wrote it; kept None if that account is ever removed.
    author_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[MentoringKind] = mapped_column(
        enum_column(MentoringKind, "mentoring_kind"), default=MentoringKind.NOTE
    )
    #: The Asia/Jakarta calendar day of the visit or conversation.
    visited_on: Mapped[date] = mapped_column(sa.Date)
    body: Mapped[str] = mapped_column(sa.Text)
    #: When someone should check again (Asia/Jakarta day); None when nothing is planned.
    follow_up_on: Mapped[Optional[date]] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    seller: Mapped[Seller] = relationship()
    author: Mapped[Optional[User]] = relationship()
