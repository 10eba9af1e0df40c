"""The outgoing email queue: a row per message, written in the transaction that caused it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.types import UTCDateTime, enum_column, utcnow

__all__ = ["EmailStatus", "OutboundEmail"]


class EmailStatus(enum.StrEnum):
    QUEUED = "queued"
    #: Claimed by one sender; a claim older than a few minutes is taken over (the sender died).
    SENDING = "sending"
    SENT = "sent"
    #: Gave up after the maximum number of attempts.
    FAILED = "failed"


class OutboundEmail(db.Model):
    __tablename__ = "outbound_emails"
    __table_args__ = (
        sa.Index("ix_outbound_emails_status_next", "status", "next_attempt_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[Optional[str]] = mapped_column(sa.Text)
    #: Template name ("order_confirmation") and the language it was rendered in.
    template: Mapped[str] = mapped_column(sa.String(80))
    lang: Mapped[str] = mapped_column(sa.String(8))
    #: "<kind>:<id>" (e.g. "order:42") for an email rendered when it is sent: queued with empty
    #: bodies, it gets its context from the kind's builder (`services.register_context`), and the
    #: bodies it was sent with are stored then. None: rendered when queued.
    render_from: Mapped[Optional[str]] = mapped_column(sa.String(80))
    #: queued → sending → sent, or back to queued with a later next_attempt_at, or failed.
    status: Mapped[EmailStatus] = mapped_column(
        enum_column(EmailStatus, "email_status"), default=EmailStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
