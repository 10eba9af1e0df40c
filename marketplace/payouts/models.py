"""The payout ledger: commission rates, signed IDR entries per seller, and payouts made."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.seller.models import Seller
from marketplace.types import UTCDateTime, enum_column, utcnow

__all__ = [
    "CommissionRate",
    "LedgerEntry",
    "LedgerKind",
    "LedgerMonthTotal",
    "Payout",
    "PayoutHold",
    "SellerSalesMonth",
]


class CommissionRate(db.Model):
    """The platform's commission, as data: the rate with the latest `effective_from` on or before a
    sale's (Jakarta) date applies to it. Without any row, DEFAULT_COMMISSION_PERCENT applies."""

    __tablename__ = "commission_rates"
    __table_args__ = (sa.CheckConstraint("percent >= 0 AND percent <= 100", name="commission_percent_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Percent of the goods value, e.g. 5.00 or 2.50 (two decimals: whole basis points).
    percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    effective_from: Mapped[date] = mapped_column(sa.Date, unique=True)
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerKind(enum.StrEnum):
    SALE = "sale"  # + goods and shipping of a paid fulfilment
    COMMISSION = "commission"  # − the platform's share of the goods
    REFUND = "refund"  # − the seller's share of a refund
    COMMISSION_REVERSAL = "commission_reversal"  # + commission given back on refunded goods
    PAYOUT = "payout"  # − money transferred to the seller


class LedgerEntry(db.Model):
    """One signed amount in whole rupiah on a seller's account; the balance is their sum.

    `key` makes every entry idempotent: "sale:f<fulfilment>", "commission:f<fulfilment>",
    "refund:r<refund>:f<fulfilment>", "reversal:r<refund>:f<fulfilment>", "payout:p<payout>".
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        # A shop's entries newest first (`occurred_at` then `id`, read backwards) with no sort; on
        # PostgreSQL the sales CSV's columns too, so the download is an index-only scan (issue 16).
        sa.Index(
            "ix_ledger_entries_seller_newest",
            "seller_id",
            "occurred_at",
            "id",
            postgresql_include=["kind", "reference", "amount_idr"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"))
    kind: Mapped[LedgerKind] = mapped_column(enum_column(LedgerKind, "ledger_kind"))
    key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    #: Whole rupiah, signed: positive is owed to the seller.
    amount_idr: Mapped[int] = mapped_column(sa.BigInteger)
    order_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("orders.id", ondelete="SET NULL"))
    fulfilment_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("fulfilments.id"), index=True)
    refund_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("refunds.id"))
    payout_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("payouts.id"))
    #: The rate applied (COMMISSION and its reversal), for reading the ledger later.
    commission_percent: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(5, 2))
    #: A human handle: the order number, or the payout's bank reference.
    reference: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    #: When it happened (the payment, the refund, the transfer): what periods are counted by.
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerMonthTotal(db.Model):
    """The sum of a seller's ledger entries of one kind in one Jakarta month (issue 16).

    Kept by payouts/totals.py in the transaction that writes or deletes the entries, so the
    curators' month summary and every balance read a few hundred rows instead of every entry
    ever written. Always equal to the GROUP BY of `ledger_entries` it replaces (tests check it).
    """

    __tablename__ = "ledger_month_totals"

    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"), primary_key=True)
    #: The first day of the Jakarta month of the entries' `occurred_at`.
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    kind: Mapped[LedgerKind] = mapped_column(enum_column(LedgerKind, "ledger_kind"), primary_key=True)
    #: Whole rupiah, signed, as the entries.
    amount_idr: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: How many entries the sum holds (0 once a withdrawn sale took its entries away).
    entries: Mapped[int] = mapped_column(default=0)


#: `SellerSalesMonth.product_id` of the row holding the whole shop's month.
WHOLE_SHOP = 0


class SellerSalesMonth(db.Model):
    """A shop's paid orders of one Jakarta month, as its sales page counts them (issue 16): every
    order with `paid_at` set, cancelled ones included, by the month of `paid_at`.

    `product_id` = WHOLE_SHOP (0): the shop's orders, units and goods revenue that month (an order
    counted once); otherwise the lines of that product (no foreign key: the row outlives a
    deleted product, whose lines the page then reads one by one, as it always grouped them).
    Kept by payouts/sales_totals.py in the paying transaction (`order_paid`) and its undo
    (`order_payment_reversed`), the only ways `paid_at` is set or cleared; a paid order's lines
    never change (cancelled units stay in `quantity`).
    """

    __tablename__ = "seller_sales_months"

    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"), primary_key=True)
    #: The first day of the Jakarta month of the orders' `paid_at`.
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    orders: Mapped[int] = mapped_column(default=0)
    units: Mapped[int] = mapped_column(default=0)
    #: Whole rupiah: the lines' quantity × unit_price_idr.
    revenue_idr: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class Payout(db.Model):
    """Money transferred to a seller's bank account; never more than their balance at the time."""

    __tablename__ = "payouts"
    __table_args__ = (sa.CheckConstraint("amount_idr > 0", name="payout_amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"), index=True)
    amount_idr: Mapped[int] = mapped_column(sa.BigInteger)
    bank_reference: Mapped[str] = mapped_column(sa.String(120))
    #: Where it went, copied from SellerPayoutAccount at the time.
    bank_name: Mapped[str] = mapped_column(sa.String(80), default="")
    account_number: Mapped[str] = mapped_column(sa.String(34), default="")
    account_holder: Mapped[str] = mapped_column(sa.String(120), default="")
    #: From the "mark paid" form: a double submit finds this row instead of paying twice.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    seller: Mapped[Seller] = relationship()


class PayoutHold(db.Model):
    """Money of one parcel kept back from payouts while a problem report (case) about it is open.

    Placed by `signals.case_opened`, released (`released_at`) by `signals.case_closed`; never
    deleted. Not a ledger entry: it moves no money, it only lowers what may be paid out now.
    """

    __tablename__ = "payout_holds"
    __table_args__ = (
        sa.CheckConstraint("amount_idr > 0", name="payout_hold_amount_positive"),
        sa.Index("ix_payout_holds_seller_open", "seller_id", "released_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("sellers.id"))
    fulfilment_id: Mapped[int] = mapped_column(sa.ForeignKey("fulfilments.id"), index=True)
    #: Whole rupiah kept back (the case's amount).
    amount_idr: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
