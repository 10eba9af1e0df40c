"""People: buyers, sellers' owners, facilitators and curators, and the addresses buyers save."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Optional

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from marketplace.extensions import db
from marketplace.types import UTCDateTime, utcnow

__all__ = ["ActorRole", "Address", "User", "new_session_nonce"]


class ActorRole(StrEnum):
    """The role an actor acted in; stored by value in the audit log's `actor_role` (a string column)."""

    CURATOR = "curator"
    SELLER = "seller"  # the shop's owner
    FACILITATOR = "facilitator"  # acting for a shop someone else owns
    SYSTEM = "system"  # a CLI job, a webhook: no account


def new_session_nonce() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    """An account. Every account can buy; seller and curator powers come from other rows/flags."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased and trimmed, so uniqueness ignores case on every database.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    is_curator: Mapped[bool] = mapped_column(default=False)
    #: The language emails are written in and the UI falls back to ("id" or "en").
    locale: Mapped[str] = mapped_column(sa.String(8), default="id")
    #: The buyer's market as last chosen (?country=/?currency=): ISO 3166 alpha-2 and ISO 4217.
    country: Mapped[Optional[str]] = mapped_column(sa.String(2))
    currency: Mapped[Optional[str]] = mapped_column(sa.String(3))
    active: Mapped[bool] = mapped_column(default=True)
    #: Part of the login session id: rotating it (logout, password reset) ends every copy of the
    #: session cookie and remember-me cookie issued before.
    session_nonce: Mapped[str] = mapped_column(sa.String(32), default=new_session_nonce)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    addresses: Mapped[list[Address]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Address.id"
    )

    @validates("email")
    def _normalize_email(self, key: str, value: str) -> str:
        return (value or "").strip().lower()

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    def get_id(self) -> str:
        """The value Flask-Login keeps in the session cookie: "<id>:<nonce>"."""
        return f"{self.id}:{self.session_nonce}"


class Address(db.Model):
    """A shipping address a buyer saved; checkout copies it onto the order (orders keep snapshots)."""

    __tablename__ = "addresses"
    __table_args__ = (
        # At most one default address per user, enforced by the database on both backends.
        sa.Index(
            "uq_addresses_default_per_user",
            "user_id",
            unique=True,
            sqlite_where=sa.text("is_default"),
            postgresql_where=sa.text("is_default"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The buyer's own name for it: "Rumah", "Kantor".
    label: Mapped[str] = mapped_column(sa.String(60), default="")
    recipient_name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str] = mapped_column(sa.String(32))
    #: Street, number, RT/RW (line 1).
    street: Mapped[str] = mapped_column(sa.String(200))
    line2: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Kecamatan.
    district: Mapped[str] = mapped_column(sa.String(120))
    #: Kota or kabupaten (city or regency).
    city: Mapped[str] = mapped_column(sa.String(120))
    province: Mapped[str] = mapped_column(sa.String(120))
    postal_code: Mapped[str] = mapped_column(sa.String(12))
    #: ISO 3166-1 alpha-2.
    country: Mapped[str] = mapped_column(sa.String(2), default="ID")
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="addresses")

    def lines(self, country_name: str = "") -> list[str]:
        """The address as it is written on a parcel, one line per entry; an address abroad ends with
        its country (`country_name` in the reader's language, else its code). Parts an address
        abroad may leave empty (district, province) leave no stray comma or space."""
        out = [self.recipient_name, self.street]
        if self.line2:
            out.append(self.line2)
        out.append(", ".join(part for part in (self.district, self.city) if part))
        region = " ".join(part for part in (self.province, self.postal_code) if part)
        if region:
            out.append(region)
        if self.country != "ID":
            out.append(country_name or self.country)
        out.append(self.phone)
        return out
