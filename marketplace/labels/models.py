"""Label reminders: one row per label and expiry date the seller was already warned about."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.types import UTCDateTime, utcnow

__all__ = ["LabelReminder"]


class LabelReminder(db.Model):
    """An expiry reminder already sent for `label_id` expiring on `valid_until`.

    Unique on (label, valid_until): `labels remind` run twice sends nothing new, while a label whose
    `valid_until` changed (renewed) is reminded again before its new expiry.
    """

    __tablename__ = "label_reminders"
    __table_args__ = (sa.UniqueConstraint("label_id", "valid_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    label_id: Mapped[int] = mapped_column(sa.ForeignKey("product_labels.id", ondelete="CASCADE"))
    #: The expiry date the reminder was about (the label's `valid_until` at the time).
    valid_until: Mapped[date] = mapped_column(sa.Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
