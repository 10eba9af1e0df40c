"""Orders split into one fulfilment per seller, and their status history."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.seller.models import Seller
from marketplace.types import UTCDateTime, enum_column, utcnow


class OrderStatus(enum.StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    SHIPPED = "shipped"  # every fulfilment shipped
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class FulfilmentStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the order's payment
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class PaymentMethod(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    STRIPE = "stripe"


class ShippingMethod(enum.StrEnum):
    COURIER = "courier"
    PICKUP = "pickup"  # free pickup at the seller's village


class Order(db.Model):
    """One checkout. Money columns are minor units of `currency`; totals are fixed at placement."""

    __tablename__ = "orders"
    __table_args__ = (
        sa.CheckConstraint("subtotal_minor >= 0", name="subtotal_not_negative"),
        sa.CheckConstraint("shipping_minor >= 0", name="shipping_not_negative"),
        sa.CheckConstraint("total_minor >= 0", name="total_not_negative"),
        sa.Index("ix_orders_status_due", "status", "payment_due_at"),
        # The bank-transfer unique code: the open transfers' totals near a new order's, found by
        # range instead of reading every order awaiting payment (orders.placement).
        sa.Index("ix_orders_status_method_total", "status", "payment_method", "total_minor"),
        #: Sales by the day they were paid (monitoring's ranges, a shop's months).
        sa.Index("ix_orders_paid_at", "paid_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Human-readable, unguessable enough to read over the phone: e.g. PD-261128-7K3Q.
    number: Mapped[str] = mapped_column(sa.String(24), unique=True)
    buyer_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    #: Language for emails and the guest order page.
    lang: Mapped[str] = mapped_column(sa.String(8), default="id")
    status: Mapped[OrderStatus] = mapped_column(
        enum_column(OrderStatus, "order_status"), default=OrderStatus.AWAITING_PAYMENT
    )
    #: Sent with the checkout form; a second submit of the same form finds this order (double click).
    checkout_token: Mapped[str] = mapped_column(sa.String(64), unique=True)

    currency: Mapped[str] = mapped_column(sa.String(3), default="IDR")
    #: Rupiah per 1 unit of `currency` (1 EUR = 17300 IDR), the rate the order was priced at,
    #: frozen at placement (None for IDR orders). See marketplace.markets.services.
    exchange_rate: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(20, 10))
    subtotal_minor: Mapped[int] = mapped_column(sa.BigInteger)
    shipping_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: Bank transfer only: a small amount added so the transfer can be matched to this order.
    unique_code_minor: Mapped[int] = mapped_column(default=0)
    #: What the buyer pays: subtotal + shipping + unique code.
    total_minor: Mapped[int] = mapped_column(sa.BigInteger)

    payment_method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod, "payment_method"))
    payment_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    shipping_method: Mapped[ShippingMethod] = mapped_column(enum_column(ShippingMethod, "shipping_method"))
    shipping_zone: Mapped[Optional[str]] = mapped_column(sa.String(40))
    ship_name: Mapped[str] = mapped_column(sa.String(120), default="")
    ship_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    ship_street: Mapped[str] = mapped_column(sa.String(200), default="")
    ship_line2: Mapped[str] = mapped_column(sa.String(200), default="")
    ship_district: Mapped[str] = mapped_column(sa.String(120), default="")
    ship_city: Mapped[str] = mapped_column(sa.String(120), default="")
    ship_province: Mapped[str] = mapped_column(sa.String(120), default="")
    ship_postal_code: Mapped[str] = mapped_column(sa.String(16), default="")
    ship_country: Mapped[str] = mapped_column(sa.String(2), default="ID")
    #: The buyer's note for the sellers at checkout (a size, a colour): plain text, trimmed, at most
    #: NOTE_MAX_LENGTH characters (orders.notes.clean_note); shown escaped with its line breaks.
    note: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    fulfilments: Mapped[list[Fulfilment]] = relationship(
        back_populates="order", order_by="Fulfilment.id", cascade="all, delete-orphan"
    )
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id", cascade="all, delete-orphan"
    )


class Fulfilment(db.Model):
    """The part of an order one seller packs and ships."""

    __tablename__ = "fulfilments"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "seller_id", name="uq_fulfilments_order_seller"),
        #: The auto-complete job's scan: shipped parcels by age.
        sa.Index("ix_fulfilments_status_shipped_at", "status", "shipped_at"),
        #: A shop's parcels by status: the menu's "to ship" count and the seller's orders list.
        sa.Index("ix_fulfilments_seller_status", "seller_id", "status"),
        #: Payouts' pending sums (payouts/availability.py): the parts not delivered, per shop, with
        #: their ledger sum in the index (an index-only scan of ~44,000 of 444,000 parts at scale).
        sa.Index(
            "ix_fulfilments_undelivered",
            "seller_id",
            postgresql_include=["ledger_idr"],
            postgresql_where=sa.text("status <> 'delivered'"),
            sqlite_where=sa.text("status <> 'delivered'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"))
    status: Mapped[FulfilmentStatus] = mapped_column(
        enum_column(FulfilmentStatus, "fulfilment_status"), default=FulfilmentStatus.PENDING
    )
    shipping_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    courier: Mapped[str] = mapped_column(sa.String(60), default="")
    tracking_number: Mapped[str] = mapped_column(sa.String(80), default="")
    #: shipping.models.Courier.code when the seller chose a known courier (its page links the
    #: tracking number); None for "other" (free text in `courier`) and parcels shipped before.
    courier_code: Mapped[Optional[str]] = mapped_column(sa.String(20))
    #: True while a buyer's problem report (cases.models.Case) is open: the parcel does not
    #: complete by itself. Set and cleared with conditional UPDATEs, so it races safely with
    #: the auto-complete job.
    has_open_case: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    shipped_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    delivered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: Cancelled before shipping (orders/cancellation.py): when, by whom ("buyer" or "seller"), why.
    cancelled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: The longest processing days of the part's products (orders/lateness.py's due time): set at
    #: placement, rewritten when a product's processing days change (lateness.py, in that flush).
    #: None: not known; the on-time count then reads the part's lines.
    slowest_days: Mapped[Optional[int]] = mapped_column()
    #: What the part adds to its shop's `FulfilmentCount` now (orders/outcomes.py's bits: paid,
    #: cancelled by the shop, shipped, measured on time or late once settled, on time): the
    #: counts change by the difference when a flush changes the part, its order or its shop.
    counted_as: Mapped[int] = mapped_column(sa.SmallInteger, default=0, server_default="0")
    #: The sum of the part's payout ledger entries (whole rupiah, signed), kept by payouts/totals.py
    #: with an additive UPDATE in the transaction that writes or removes them; never set through
    #: the ORM. Pending money = this over the parts not delivered (issue 16).
    ledger_idr: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    cancelled_by: Mapped[str] = mapped_column(sa.String(16), default="", server_default="")
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    order: Mapped[Order] = relationship(back_populates="fulfilments")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="fulfilment", order_by="OrderLine.id")
    #: Read-only: where a pickup order is collected (the seller's village).
    seller: Mapped[Seller] = relationship(viewonly=True)


class OrderLine(db.Model):
    """A product bought, with title, price and seller snapshotted at the moment of the order."""

    __tablename__ = "order_lines"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price_minor >= 0", name="unit_price_not_negative"),
        sa.CheckConstraint(
            "cancelled_quantity >= 0 AND cancelled_quantity <= quantity", name="cancelled_within_quantity"
        ),
        #: A shop's lines (its sales page, monitoring's "no sales"): without it, a scan of every line.
        sa.Index("ix_order_lines_seller_order", "seller_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    fulfilment_id: Mapped[int] = mapped_column(sa.ForeignKey("fulfilments.id"), index=True)
    product_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    #: The variant bought (None once deleted: the snapshot below still says which it was).
    variant_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("product_variants.id", ondelete="SET NULL"), index=True
    )
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"))
    title_id: Mapped[str] = mapped_column(sa.String(160))
    title_en: Mapped[str] = mapped_column(sa.String(160), default="")
    #: The variant's options and values at the order, in each language ("Ukuran: XL" / "Size: XL");
    #: "" for a product without options.
    variant_label_id: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    variant_label_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    sku: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    seller_name: Mapped[str] = mapped_column(sa.String(140))
    #: In the order's currency's minor units.
    unit_price_minor: Mapped[int] = mapped_column(sa.BigInteger)
    quantity: Mapped[int] = mapped_column()
    line_total_minor: Mapped[int] = mapped_column(sa.BigInteger)
    #: Units the buyer or the seller cancelled before shipping (never shipped; refunded).
    cancelled_quantity: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The product's IDR price per unit at the order: what the seller's earnings are counted in,
    #: whatever currency the buyer paid in (equal to unit_price_minor for IDR orders).
    unit_price_idr: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    weight_grams: Mapped[int] = mapped_column()
    #: What customs needs, frozen at the order (issue: international shipping).
    hs_code: Mapped[Optional[str]] = mapped_column(sa.String(12))
    origin_country: Mapped[str] = mapped_column(sa.String(2), default="ID")
    #: Customs description (English title, else Indonesian), frozen at the order.
    customs_description: Mapped[str] = mapped_column(sa.String(160), default="", server_default="")

    order: Mapped[Order] = relationship(back_populates="lines")
    fulfilment: Mapped[Fulfilment] = relationship(back_populates="lines")

    def title_in(self, lang: str) -> str:
        """The snapshot title in `lang` with its variant: "Kemeja batik (Size: XL)"."""
        english = lang == "en"
        title = self.title_en if english and self.title_en else self.title_id
        label = self.variant_label_en if english and self.variant_label_en else self.variant_label_id
        return f"{title} ({label})" if label else title


class OrderEvent(db.Model):
    """Who changed what and when: one row per status change of an order or a fulfilment."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    fulfilment_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("fulfilments.id"))
    #: None for the system (expiry job, Stripe webhook); `actor_label` says which.
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(sa.String(60), default="")
    from_status: Mapped[Optional[str]] = mapped_column(sa.String(24))
    to_status: Mapped[str] = mapped_column(sa.String(24))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")


class CancelledBy(enum.StrEnum):
    BUYER = "buyer"
    SELLER = "seller"


class OrderCancellation(db.Model):
    """Units of one seller's part cancelled before shipping, and what goes back for them.

    Written by orders/cancellation.py; the refunds domain refunds it (`signals.order_cancelled`).
    """

    __tablename__ = "order_cancellations"
    __table_args__ = (sa.CheckConstraint("amount_minor >= 0", name="cancellation_amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    fulfilment_id: Mapped[int] = mapped_column(sa.ForeignKey("fulfilments.id"), index=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"), index=True)
    #: "buyer" or "seller" (CancelledBy).
    cancelled_by: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: {order_line_id (as text): units cancelled}.
    units: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: The part's shipping goes back too (the whole part was cancelled).
    shipping: Mapped[bool] = mapped_column(default=False)
    #: Every part of the order is cancelled now: all that is left of the payment goes back.
    full: Mapped[bool] = mapped_column(default=False)
    #: What goes back, in the order's currency's minor units (0 when nothing was paid).
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    currency: Mapped[str] = mapped_column(sa.String(3))
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LateParcelReminder(db.Model):
    """One row per late part whose seller was reminded: the unique key makes the reminder once."""

    __tablename__ = "late_parcel_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    fulfilment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("fulfilments.id", ondelete="CASCADE"), unique=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FulfilmentCount(db.Model):
    """A shop's parcels by settled outcome, for naik kelas and monitoring's "levels" (issue 16).

    Kept by orders/outcomes.py in the flush that changes a part (the sum of the parts'
    `counted_as` bits); the on-time share adds the few parts still open, read at query time,
    because an open part becomes late by time passing. `grace_days` is the LATE_GRACE_DAYS the
    on-time bits were counted with (-1: counted with two different settings; read live then).
    """

    __tablename__ = "fulfilment_counts"

    #: No foreign key, as the sales summaries: a row outlives nothing it counts.
    seller_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    grace_days: Mapped[int] = mapped_column()
    #: Parts of paid orders.
    paid: Mapped[int] = mapped_column(default=0)
    #: Parts of paid orders the shop cancelled units of.
    shop_cancelled: Mapped[int] = mapped_column(default=0)
    #: Parts shipped or delivered (paid or not, as naik kelas's "orders shipped" counts them).
    shipped: Mapped[int] = mapped_column(default=0)
    #: Paid parts settled and measured: shipped, or cancelled after they were due.
    measured: Mapped[int] = mapped_column(default=0)
    #: Paid parts shipped by their due time.
    on_time: Mapped[int] = mapped_column(default=0)
