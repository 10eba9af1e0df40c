"""The payout ledger: sales enter when an order is paid, refunds and payouts take away.

Rules:

- Every amount is whole rupiah (IDR minor units), integers only. A seller earns in IDR whatever
  the buyer paid in: goods at `OrderLine.unit_price_idr` × quantity.
- SALE (+) when the order is paid (`record_sales` listens to `signals.order_paid`): the goods plus
  the parcel's shipping. Shipping collected for a seller's parcel is the seller's: they pay the
  courier. Entered when paid, so a seller sees the sale at once as *pending*; it becomes available
  to pay out when the parcel is delivered; a later refund takes it back.
- COMMISSION (−) on the goods only (never shipping), rounded half-up to whole rupiah per
  fulfilment with integer arithmetic, at the CommissionRate in force on the payment's Jakarta date
  (DEFAULT_COMMISSION_PERCENT when none was ever set).
- REFUND (−) the seller's IDR share of a refund, and COMMISSION_REVERSAL (+) the commission on the
  refunded goods, computed on the cumulative refunded goods of the fulfilment so that refunding
  everything in several steps gives back exactly the commission taken.
- PAYOUT (−) money transferred; never more than the *available* balance (parcel delivered, no
  open case: `payouts/availability.py`), one payout per form submit.
- Each entry has a unique `key`, so recording the same fact twice writes one row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from marketplace.audit.services import record_action
from marketplace.errors import NotFound, ValidationError
from marketplace.money import Money
from marketplace.orders.amounts import goods_idr, shipping_idr
from marketplace.orders.models import Order
from marketplace.payouts.availability import available_balance
from marketplace.payouts.models import CommissionRate, LedgerEntry, LedgerKind, Payout
from marketplace.payouts.notices import email_payout
from marketplace.payouts.reports import (  # re-exported: the read-only reports
    MonthFigures,  # noqa: F401
    SellerPeriod,  # noqa: F401
    bulk_transfer_csv,  # noqa: F401
    iter_entry_rows,  # noqa: F401
    last_months,  # noqa: F401
    ledger_totals,  # noqa: F401
    list_entries,  # noqa: F401
    list_period_summary,  # noqa: F401
    month_bounds,  # noqa: F401
    monthly_sales,  # noqa: F401
    parse_month,  # noqa: F401
    payout_reference,  # noqa: F401
    top_products,  # noqa: F401
)
from marketplace.payouts.totals import add_to_totals
from marketplace.refunds.models import Refund, RefundLine, RefundStatus
from marketplace.seller.models import Seller, SellerPayoutAccount
from marketplace.timezones import jakarta_date

DEFAULT_COMMISSION_PERCENT = Decimal("5.00")
MAX_BANK_REFERENCE = 120


# -- commission -----------------------------------------------------------------------------------


def basis_points(percent: Decimal) -> int:
    """5.00 → 500, 2.5 → 250. ValidationError for more than two decimals or outside 0–100."""
    if not isinstance(percent, Decimal):
        raise ValidationError(_("Enter the commission as a percentage, e.g. 5 or 2.5."), field="percent")
    scaled = percent * 100
    if scaled != scaled.to_integral_value() or not 0 <= scaled <= 10_000:
        raise ValidationError(
            _("The commission must be from 0 to 100 percent, with at most two decimals."), field="percent"
        )
    return int(scaled)


def commission_of(value_idr: int, percent: Decimal) -> int:
    """`percent` of `value_idr` in whole rupiah, half-up, integer arithmetic only (negative: mirrored)."""
    if value_idr < 0:
        return -commission_of(-value_idr, percent)
    return (value_idr * basis_points(percent) + 5_000) // 10_000


def rate_on(session: Session, day: date) -> Decimal:
    """The commission percent in force on `day` (the latest rate effective on or before it)."""
    percent = session.scalar(
        sa.select(CommissionRate.percent)
        .where(CommissionRate.effective_from <= day)
        .order_by(CommissionRate.effective_from.desc())
        .limit(1)
    )
    return Decimal(percent) if percent is not None else DEFAULT_COMMISSION_PERCENT


def list_commission_rates(session: Session) -> list[CommissionRate]:
    return list(session.scalars(sa.select(CommissionRate).order_by(CommissionRate.effective_from.desc())))


def parse_percent(raw: object) -> Decimal:
    text = str(raw if raw is not None else "").strip().replace(",", ".").rstrip("%").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(
            _("Enter the commission as a percentage, e.g. 5 or 2.5."), field="percent"
        ) from None
    if not value.is_finite():
        raise ValidationError(_("Enter the commission as a percentage, e.g. 5 or 2.5."), field="percent")
    basis_points(value)
    return value


def set_commission_rate(
    session: Session, *, percent: Decimal, effective_from: date, actor, note: str = "", now: datetime
) -> CommissionRate:
    """Set the commission from `effective_from` (today or later, Jakarta time; sales already in the
    ledger keep their rate). A second rate for the same day replaces the first. Audited
    ("commission.change"). Raises ValidationError for a bad percent or a date in the past."""
    basis_points(percent)
    if not isinstance(effective_from, date):
        raise ValidationError(_("Enter the date the rate starts."), field="effective_from")
    if effective_from < jakarta_date(now):
        raise ValidationError(
            _("A new rate can start today or later: sales already recorded keep their rate."),
            field="effective_from",
        )
    before = {"percent": rate_on(session, effective_from), "effective_from": effective_from}
    rate = session.scalar(sa.select(CommissionRate).where(CommissionRate.effective_from == effective_from))
    if rate is None:
        rate = CommissionRate(effective_from=effective_from, created_at=now)
        session.add(rate)
    rate.percent = percent
    rate.note = (note or "").strip()[:2000]
    rate.created_by_id = getattr(actor, "id", None)
    session.flush()
    record_action(
        session,
        actor=actor,
        action="commission.change",
        target_type="commission_rate",
        target_id=rate.id,
        target_label=f"{percent}% from {effective_from.isoformat()}",
        before=before,
        after={"percent": percent, "effective_from": effective_from},
        note=rate.note,
    )
    return rate


# -- entries --------------------------------------------------------------------------------------


def _add_entries(session: Session, entries: list[LedgerEntry]) -> int:
    """Insert the entries whose key is new; returns how many were written."""
    if not entries:
        return 0
    existing = set(
        session.scalars(sa.select(LedgerEntry.key).where(LedgerEntry.key.in_([e.key for e in entries])))
    )
    fresh = [e for e in entries if e.key not in existing]
    session.add_all(fresh)
    session.flush()
    add_to_totals(session, fresh)
    return len(fresh)


def record_sales(session: Session, order: Order, *, now: datetime) -> int:
    """SALE and COMMISSION entries for each fulfilment of a paid order. Idempotent; returns the
    number of entries written (0 the second time)."""
    paid_at = order.paid_at or now
    percent = rate_on(session, jakarta_date(paid_at))
    entries = []
    for fulfilment in order.fulfilments:
        goods = goods_idr(fulfilment)
        common = {
            "seller_id": fulfilment.seller_id,
            "order_id": order.id,
            "fulfilment_id": fulfilment.id,
            "reference": order.number,
            "occurred_at": paid_at,
            "created_at": now,
        }
        entries.append(
            LedgerEntry(
                kind=LedgerKind.SALE,
                key=f"sale:f{fulfilment.id}",
                amount_idr=goods + shipping_idr(order, fulfilment),
                **common,
            )
        )
        entries.append(
            LedgerEntry(
                kind=LedgerKind.COMMISSION,
                key=f"commission:f{fulfilment.id}",
                amount_idr=-commission_of(goods, percent),
                commission_percent=percent,
                **common,
            )
        )
    return _add_entries(session, entries)


def record_refund(session: Session, refund, *, now: datetime) -> int:
    """REFUND (−) and COMMISSION_REVERSAL (+) entries for a refund's lines, per fulfilment.

    The reversal is the commission on all goods refunded so far for the fulfilment, minus what was
    already reversed: refunding everything in steps gives back exactly the commission taken.
    Idempotent. Refunds of money that should never have been taken have no lines and no entries.
    """
    by_fulfilment: dict[int, list] = defaultdict(list)
    for line in refund.lines:
        by_fulfilment[line.fulfilment_id].append(line)
    if not by_fulfilment:
        return 0
    ids = list(by_fulfilment)
    commissions = dict(
        session.execute(
            sa.select(LedgerEntry.fulfilment_id, LedgerEntry.commission_percent).where(
                LedgerEntry.kind == LedgerKind.COMMISSION, LedgerEntry.fulfilment_id.in_(ids)
            )
        ).all()
    )
    refunded_goods = dict(
        session.execute(
            sa.select(RefundLine.fulfilment_id, sa.func.sum(RefundLine.amount_idr))
            .join(Refund, Refund.id == RefundLine.refund_id)
            .where(
                RefundLine.fulfilment_id.in_(ids),
                RefundLine.order_line_id.is_not(None),
                Refund.status != RefundStatus.FAILED,
            )
            .group_by(RefundLine.fulfilment_id)
        ).all()
    )
    reversed_so_far = dict(
        session.execute(
            sa.select(LedgerEntry.fulfilment_id, sa.func.sum(LedgerEntry.amount_idr))
            .where(LedgerEntry.kind == LedgerKind.COMMISSION_REVERSAL, LedgerEntry.fulfilment_id.in_(ids))
            .group_by(LedgerEntry.fulfilment_id)
        ).all()
    )
    order_number = session.scalar(sa.select(Order.number).where(Order.id == refund.order_id)) or ""
    entries = []
    for fulfilment_id, lines in sorted(by_fulfilment.items()):
        common = {
            "seller_id": lines[0].seller_id,
            "order_id": refund.order_id,
            "fulfilment_id": fulfilment_id,
            "refund_id": refund.id,
            "reference": order_number,
            "occurred_at": refund.created_at or now,
            "created_at": now,
        }
        amount = sum(line.amount_idr for line in lines)
        if amount:
            entries.append(
                LedgerEntry(
                    kind=LedgerKind.REFUND,
                    key=f"refund:r{refund.id}:f{fulfilment_id}",
                    amount_idr=-amount,
                    **common,
                )
            )
        percent = commissions.get(fulfilment_id)
        if percent is None:
            continue  # the sale never entered the ledger: no commission was taken
        due_back = commission_of(int(refunded_goods.get(fulfilment_id) or 0), Decimal(percent))
        reversal = due_back - int(reversed_so_far.get(fulfilment_id) or 0)
        if reversal > 0:
            entries.append(
                LedgerEntry(
                    kind=LedgerKind.COMMISSION_REVERSAL,
                    key=f"reversal:r{refund.id}:f{fulfilment_id}",
                    amount_idr=reversal,
                    commission_percent=percent,
                    **common,
                )
            )
    return _add_entries(session, entries)


def balance(session: Session, seller_id: int) -> int:
    """What the platform owes the seller now, in rupiah (may be negative after a late refund)."""
    total = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount_idr), 0)).where(
            LedgerEntry.seller_id == seller_id
        )
    )
    return int(total or 0)


# -- payouts --------------------------------------------------------------------------------------


def find_payout_by_token(session: Session, token: str) -> Payout | None:
    return session.scalar(sa.select(Payout).where(Payout.token == token)) if token else None


def create_payout(
    session: Session,
    *,
    seller_id: int,
    amount_idr: int,
    bank_reference: str,
    token: str,
    actor,
    now: datetime,
) -> Payout:
    """Record a transfer to the seller: a Payout and its PAYOUT entry, audited ("payout.create").

    The seller's row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's write lock) and the
    available balance (delivered parcels, less open cases' holds) read under the lock, so two
    payouts at once never take more than is available. A second submit of the same form (`token`)
    returns the first payout. The shop's contacts are emailed (payouts/notices.py). Raises
    NotFound for an unknown seller, ValidationError for an amount ≤ 0 or above the available
    balance, a missing bank reference, or a seller without a payout account.
    """
    token = (token or "").strip()
    if not token or len(token) > 64:
        raise ValidationError(_("The form expired. Please open the page again."))
    seller = session.scalar(
        sa.select(Seller)
        .where(Seller.id == seller_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if seller is None:
        raise NotFound(_("Seller not found."))
    existing = find_payout_by_token(session, token)
    if existing is not None:
        return existing
    bank_reference = (bank_reference or "").strip()
    if not bank_reference:
        raise ValidationError(_("Enter the bank transfer's reference."), field="bank_reference")
    if len(bank_reference) > MAX_BANK_REFERENCE:
        raise ValidationError(_("The bank reference is too long."), field="bank_reference")
    if not isinstance(amount_idr, int) or isinstance(amount_idr, bool) or amount_idr <= 0:
        raise ValidationError(_("Enter an amount above zero."), field="amount")
    owed = balance(session, seller.id)
    available = available_balance(session, seller.id)
    if available <= 0:
        # Most often the same transfer recorded a moment ago, in another tab or by another curator.
        raise ValidationError(
            _(
                "Nothing is available to pay this seller now. If this transfer was recorded a moment "
                "ago (in another tab or by another curator), it shows under “Paid out”."
            ),
            field="amount",
        )
    if amount_idr > available:
        raise ValidationError(
            _(
                "A payout cannot exceed the money available now (%(available)s): sales wait until "
                "their parcel is delivered, and open problem reports hold their amount.",
                available=Money(max(available, 0), "IDR").format(),
            ),
            field="amount",
        )
    account = session.scalar(sa.select(SellerPayoutAccount).where(SellerPayoutAccount.seller_id == seller.id))
    if account is None:
        raise ValidationError(_("This seller has no payout bank account yet."))
    payout = Payout(
        seller_id=seller.id,
        amount_idr=amount_idr,
        bank_reference=bank_reference,
        bank_name=account.bank_name,
        account_number=account.account_number,
        account_holder=account.account_holder,
        token=token,
        created_by_id=getattr(actor, "id", None),
        created_at=now,
    )
    session.add(payout)
    session.flush()
    _add_entries(
        session,
        [
            LedgerEntry(
                seller_id=seller.id,
                kind=LedgerKind.PAYOUT,
                key=f"payout:p{payout.id}",
                amount_idr=-amount_idr,
                payout_id=payout.id,
                reference=bank_reference,
                occurred_at=now,
                created_at=now,
            )
        ],
    )
    record_action(
        session,
        actor=actor,
        action="payout.create",
        target_type="payout",
        target_id=payout.id,
        target_label=f"{seller.name}: {bank_reference}",
        seller_id=seller.id,
        before={"balance_idr": owed, "available_idr": available},
        after={
            "balance_idr": owed - amount_idr,
            "available_idr": available - amount_idr,
            "amount_idr": amount_idr,
            "bank_reference": bank_reference,
        },
    )
    email_payout(session, seller, payout)
    return payout
