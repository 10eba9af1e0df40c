"""The audit log: an append-only record of actions with their before and after values."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import ActorRole, User
from marketplace.extensions import db
from marketplace.types import UTCDateTime, utcnow

__all__ = ["ActorRole", "AuditEntry"]


class AuditEntry(db.Model):
    """One action: who (an account, or the system), what, on which record, values before/after.

    Never updated or deleted by the application. `seller_id` is set for changes to a seller's
    things (made by the owner, a facilitator or a curator) so a shop's history is one query.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        sa.Index("ix_audit_entries_created", "created_at"),
        sa.Index("ix_audit_entries_target", "target_type", "target_id"),
        sa.Index("ix_audit_entries_seller_created", "seller_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for the system (a CLI job, a webhook); `actor_label` says which.
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(120), default="")
    #: The role the actor acted in: an `ActorRole` value (a String column: no CHECK, no migration).
    actor_role: Mapped[str] = mapped_column(sa.String(20), default="")
    #: Dotted verb, e.g. "seller.approve", "product.reject", "label.verify", "refund.create".
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    #: The record acted on: a table-like name ("seller", "product", "order") and its id.
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[Optional[int]] = mapped_column()
    #: A human handle for the target at the time (order number, product title), for reading the log.
    target_label: Mapped[str] = mapped_column(sa.String(200), default="")
    seller_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("sellers.id", ondelete="SET NULL"))
    before: Mapped[Optional[dict[str, Any]]] = mapped_column(sa.JSON)
    after: Mapped[Optional[dict[str, Any]]] = mapped_column(sa.JSON)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[Optional[User]] = relationship()

    @property
    def role(self) -> Optional[ActorRole]:
        """`actor_role` as an ActorRole; None for an empty or unknown stored value."""
        try:
            return ActorRole(self.actor_role)
        except ValueError:
            return None
