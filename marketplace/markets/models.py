"""Exchange rates: how many rupiah one unit of a foreign currency is worth, dated, with their source."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.types import UTCDateTime, utcnow

__all__ = ["ExchangeRate"]


class ExchangeRate(db.Model):
    """One currency's rate as of a day. The newest effective date (then the newest row) is used.

    Rows are never deleted, so the history of rates stays readable; correcting a day's rate
    updates that day's row (audited as "rate.change").
    """

    __tablename__ = "exchange_rates"
    __table_args__ = (
        sa.UniqueConstraint("currency", "effective_date", name="uq_exchange_rates_currency_date"),
        sa.CheckConstraint("rate > 0", name="rate_positive"),
        sa.Index("ix_exchange_rates_currency_date", "currency", "effective_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ISO 4217 code of the foreign currency (never IDR: the rupiah is the reference).
    currency: Mapped[str] = mapped_column(sa.String(3))
    #: Rupiah per 1 unit of `currency` (1 EUR = 17300.00 IDR), exact Decimal, never a float.
    rate: Mapped[Decimal] = mapped_column(sa.Numeric(20, 8))
    #: The day the rate is valid from (the source's publication date).
    effective_date: Mapped[date] = mapped_column(sa.Date)
    #: Where the rate came from: "Bank Indonesia JISDOR", "csv import", a curator's note.
    source: Mapped[str] = mapped_column(sa.String(120), default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def version(self) -> str:
        """What the checkout form carries: changes whenever the rate used for this currency does."""
        return rate_version(self.currency, self.id, self.rate)


def rate_version(currency: str, rate_id: int, rate: Decimal) -> str:
    """`ExchangeRate.version` from its parts (for rows read without the ORM)."""
    return f"{currency}:{rate_id}:{Decimal(rate).normalize()}"
