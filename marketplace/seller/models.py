"""Sellers (UMKM shops), the clusters they work in, their payout bank accounts, facilitators, and
the shop profile's workshop photos and changes waiting for a curator."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.catalogue.models import Cluster, Product, Region
from marketplace.extensions import db
from marketplace.types import UTCDateTime, enum_column, utcnow

__all__ = [
    "ProfileChangeStatus",
    "Seller",
    "SellerFacilitator",
    "SellerPayoutAccount",
    "SellerStatus",
    "ShopProfileRevision",
    "WorkshopPhoto",
    "seller_clusters",
]


class SellerStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


seller_clusters = sa.Table(
    "seller_clusters",
    db.Model.metadata,
    sa.Column("seller_id", sa.ForeignKey("sellers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("cluster_id", sa.ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True),
)


class Seller(db.Model):
    """An UMKM: an artisan, artisan group (KUB) or village enterprise (BUMDes)."""

    __tablename__ = "sellers"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The account that runs this shop; None when a facilitator manages an offline artisan.
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"), index=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(140), unique=True)
    name: Mapped[str] = mapped_column(sa.String(140))
    #: individual, kub (artisan group) or bumdes (village enterprise)
    kind: Mapped[str] = mapped_column(sa.String(20), default="individual")
    story_id: Mapped[str] = mapped_column(sa.Text, default="")
    story_en: Mapped[str] = mapped_column(sa.Text, default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    #: Street, house number, RT/RW: where parcels are sent from (private; printed as the sender on
    #: labels and customs forms, after the shop's name and before the desa).
    address_line: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    #: Only approved sellers' products are ever public.
    status: Mapped[SellerStatus] = mapped_column(
        enum_column(SellerStatus, "seller_status"), default=SellerStatus.PENDING, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: The curator's note on the last decision about the application (shown on the seller dashboard).
    review_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: The artisan behind a shop without its own account, as on their ID card (set by a curator):
    #: the payout account's holder must carry this name, or the difference is explained.
    artisan_name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    #: Days the shop needs to send a paid order (a product's own processing days may be longer);
    #: past them and the grace (LATE_GRACE_DAYS) a parcel is late (orders/lateness.py).
    processing_days: Mapped[int] = mapped_column(default=3, server_default="3")
    #: The maker's WhatsApp number in E.164 ("+6281234567890"; Indonesian mobiles only, checked by
    #: contact.mobile_e164), or "". Shown to buyers only while `whatsapp_public` (the shop opted in).
    whatsapp_number: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    whatsapp_public: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    village: Mapped[Region] = relationship()
    clusters: Mapped[list[Cluster]] = relationship(secondary=seller_clusters, order_by=Cluster.position)
    products: Mapped[list[Product]] = relationship(back_populates="seller")


class SellerPayoutAccount(db.Model):
    """Where the platform transfers a seller's earnings (the payout ledger pays into this)."""

    __tablename__ = "seller_payout_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id", ondelete="CASCADE"), unique=True)
    bank_name: Mapped[str] = mapped_column(sa.String(80))
    #: Digits only (spaces and dashes removed when saved).
    account_number: Mapped[str] = mapped_column(sa.String(34))
    account_holder: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Who set it last: "owner" (the shop's account), or "curator" / "facilitator" for an artisan
    #: without an account, with the artisan's signed consent below.
    recorded_via: Mapped[str] = mapped_column(sa.String(20), default="owner", server_default="owner")
    recorded_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The day the artisan signed the consent form (Jakarta date), and the private scan of it
    #: (under `private/payout-consent/`, served only to curators and the recording facilitator).
    consent_on: Mapped[Optional[date]] = mapped_column(sa.Date)
    consent_evidence_key: Mapped[Optional[str]] = mapped_column(sa.String(200))
    #: Why the holder's name differs from the artisan's (required when it does).
    holder_explanation: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    seller: Mapped[Seller] = relationship()


class SellerFacilitator(db.Model):
    """A facilitator (pendamping) account allowed to run a shop's dashboard for its owner.

    Granted by the shop's owner, or by a curator for an artisan without an account (who agreed
    offline: `consent_note` says how). Revoking sets `revoked_at`; rows are kept as history.
    At most one active link per shop and facilitator.
    """

    __tablename__ = "seller_facilitators"
    __table_args__ = (
        sa.Index(
            "uq_seller_facilitators_active_pair",
            "seller_id",
            "facilitator_id",
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        ),
        sa.Index("ix_seller_facilitators_facilitator", "facilitator_id", "revoked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    facilitator_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    #: The owner or curator who granted access.
    granted_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: "owner" or "curator": who decided, and so who may see the consent note.
    granted_via: Mapped[str] = mapped_column(sa.String(20), default="owner")
    #: For a curator's link: how the artisan agreed (date, place, witness).
    consent_note: Mapped[str] = mapped_column(sa.Text, default="")
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    seller: Mapped[Seller] = relationship()
    facilitator: Mapped[User] = relationship(foreign_keys=[facilitator_id])


class ProfileChangeStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    #: The shop took every change back before a curator decided: nothing waits any more.
    WITHDRAWN = "withdrawn"


class ShopProfileRevision(db.Model):
    """Changes to an approved shop's public profile waiting for a curator (marketplace/seller/profile.py).

    Buyers see the live shop until a curator approves. `changes` holds only the proposed values
    that differ from the live ones: Seller columns (name, story_id, story_en, village_id) and
    "photo_alts", {"<WorkshopPhoto id>": {"alt_id": …, "alt_en": …}} for live photos' new
    descriptions. New workshop photos wait in `photos`. A pending revision always proposes
    something: one emptied by the shop is WITHDRAWN, so the curator's count is a plain count.
    """

    __tablename__ = "shop_profile_revisions"
    __table_args__ = (
        # At most one open change per shop: a second edit updates it.
        sa.Index(
            "uq_shop_profile_revisions_pending_per_seller",
            "seller_id",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    status: Mapped[ProfileChangeStatus] = mapped_column(
        enum_column(ProfileChangeStatus, "profile_change_status"),
        default=ProfileChangeStatus.PENDING,
        index=True,
    )
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: Who proposed the change last (the owner or a facilitator).
    submitted_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The curator's reason (required to reject), shown on the shop's profile page and emailed.
    reviewer_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Bumped on every edit: the curator's decision names the version it saw.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    seller: Mapped[Seller] = relationship()
    photos: Mapped[list[WorkshopPhoto]] = relationship(
        back_populates="revision", order_by="WorkshopPhoto.id", passive_deletes=True
    )


class WorkshopPhoto(db.Model):
    """A photo of the shop's workshop, shown on its public page once a curator approved it.

    Stored like product photos (media renditions named after `storage_key`). A new upload waits
    in the shop's pending ShopProfileRevision (`approved_at` None) and is deleted if the curator
    rejects the change.
    """

    __tablename__ = "seller_workshop_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    #: The change it arrived with (kept after the decision, as history).
    revision_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("shop_profile_revisions.id", ondelete="SET NULL"), index=True
    )
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    #: What the photo shows, for buyers who cannot see it (the img's alt), in both languages.
    alt_id: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    alt_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a curator approved it: public from then on; None while it waits.
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    revision: Mapped[Optional[ShopProfileRevision]] = relationship(back_populates="photos")
