"""A buyer's question on a product, the shop's one answer, reports and a curator's hiding."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.catalogue.models import Product
from marketplace.extensions import db
from marketplace.types import UTCDateTime, utcnow

__all__ = ["ProductQuestion", "QuestionReport"]

#: The longest question and answer a form takes (characters).
MAX_QUESTION = 1000
MAX_ANSWER = 2000
MIN_QUESTION = 5


class ProductQuestion(db.Model):
    """One question asked by a logged-in buyer. Public once answered, unless a curator hid it.

    `seller_id` is the product's shop when the question was asked: the one shop that may answer,
    and what the seller's list filters on without joining products.
    """

    __tablename__ = "product_questions"
    __table_args__ = (
        sa.Index("ix_product_questions_product_answered", "product_id", "answered_at"),
        sa.Index("ix_product_questions_seller_answered", "seller_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id", ondelete="CASCADE"))
    asker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The page's language when asked ("id" or "en"): the text's `lang` on the page.
    lang: Mapped[str] = mapped_column(sa.String(8), default="id")
    body: Mapped[str] = mapped_column(sa.Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The shop's answer, written once (a conditional UPDATE: two answers at once make one) and
    #: correctable by the shop later (`answer_edited_at`, shown beside it as "edited").
    answer: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    answer_edited_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Hidden by a curator (with the reason the asker is told): no longer public nor waiting.
    hidden_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    hidden_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Reports not yet looked at by a curator (reset when a curator keeps the question).
    open_reports: Mapped[int] = mapped_column(default=0, server_default="0")

    product: Mapped[Product] = relationship()
    asker: Mapped[User] = relationship(foreign_keys=[asker_id])


class QuestionReport(db.Model):
    """Someone logged in said a question or its answer does not belong: once per account."""

    __tablename__ = "question_reports"
    __table_args__ = (sa.UniqueConstraint("question_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("product_questions.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
