"""Payout and sales pages' values, precomputed: rupiah text, month names, the bar chart's geometry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date, get_day_names
from babel.numbers import format_percent
from flask_babel import lazy_gettext as _l

from marketplace.money import Money
from marketplace.orders.formatting import fulfilment_status_label
from marketplace.orders.models import FulfilmentStatus
from marketplace.payouts.models import LedgerKind
from marketplace.payouts.schedule import AutoCompleteDays, PendingParcel
from marketplace.timezones import jakarta_time

KIND_LABELS = {
    LedgerKind.SALE: _l("Sale"),
    LedgerKind.COMMISSION: _l("Platform commission"),
    LedgerKind.REFUND: _l("Refund"),
    LedgerKind.COMMISSION_REVERSAL: _l("Commission returned"),
    LedgerKind.PAYOUT: _l("Payout"),
}
#: The opposite entries of a refund that failed at Stripe (payouts/failed_refunds.py).
FAILED_REFUND_LABELS = {
    LedgerKind.REFUND: _l("Refund failed: added back"),
    LedgerKind.COMMISSION_REVERSAL: _l("Commission of a failed refund"),
}


def kind_label(entry) -> str:
    """The entry's kind in words; a failed refund's opposite entries say so."""
    kind = LedgerKind(entry.kind)
    added_back = kind == LedgerKind.REFUND and entry.amount_idr > 0
    taken_again = kind == LedgerKind.COMMISSION_REVERSAL and entry.amount_idr < 0
    if added_back or taken_again:
        return str(FAILED_REFUND_LABELS[kind])
    return str(KIND_LABELS.get(kind, entry.kind))


CHART_WIDTH = 600
CHART_HEIGHT = 220
CHART_TOP = 10
CHART_BOTTOM = 30


def rupiah(amount: int, lang: str) -> str:
    return Money(int(amount), "IDR").format(lang)


def percent_text(percent: Decimal, lang: str) -> str:
    """A commission percent as the reader writes it: "5%", "5,5%" (id) or "5.5%" (en).

    Exact: the Decimal is divided, never turned into a float; no trailing zeros ("5.00%").
    """
    return format_percent(Decimal(percent) / 100, "#,##0.##%", locale=lang)


def month_label(year: int, month: int, lang: str, pattern: str = "MMM y") -> str:
    return format_date(date(year, month, 1), pattern, locale=lang)


def period_rows(summary, *, lang: str) -> list[dict]:
    return [
        {
            "seller_id": row.seller_id,
            "name": row.name,
            "sales": rupiah(row.sales, lang),
            "commission": rupiah(row.commission, lang),
            "refunds": rupiah(row.refunds, lang),
            "payouts": rupiah(row.payouts, lang),
            "net": rupiah(row.net, lang),
            "balance": rupiah(row.balance, lang),
            "pending": rupiah(row.pending, lang),
            "held": rupiah(row.held, lang),
            "available": rupiah(row.available, lang),
            "balance_value": row.available,
            "owed": row.available > 0,
            "has_account": row.account is not None,
            "has_owner": row.has_owner,
            "account": (
                f"{row.account.bank_name} {row.account.account_number} ({row.account.account_holder})"
                if row.account
                else ""
            ),
        }
        for row in summary
    ]


def chart(figures, *, lang: str) -> dict:
    """Bars for the monthly revenue, as SVG attributes (no inline styles: CSP)."""
    peak = max((f.revenue for f in figures), default=0) or 1
    slot = CHART_WIDTH / max(len(figures), 1)
    usable = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    bars = []
    for index, f in enumerate(figures):
        height = round(usable * f.revenue / peak, 1) if f.revenue else 0
        bars.append(
            {
                "x": round(index * slot + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "y": round(CHART_TOP + usable - height, 1),
                "height": height,
                "label": month_label(f.year, f.month, lang, "MMM"),
                "label_x": round(index * slot + slot / 2, 1),
                "title": f"{month_label(f.year, f.month, lang)}: {rupiah(f.revenue, lang)}",
            }
        )
    return {"width": CHART_WIDTH, "height": CHART_HEIGHT, "label_y": CHART_HEIGHT - 10, "bars": bars}


def month_rows(figures, *, lang: str) -> list[dict]:
    """The table under the chart, from the first month with a sale: a new shop's page does not
    open with eleven empty months (one card each on a phone) before its first sale."""
    first = next((i for i, f in enumerate(figures) if f.revenue or f.units or f.orders), len(figures))
    return [
        {
            "month": month_label(f.year, f.month, lang),
            "revenue": rupiah(f.revenue, lang),
            "units": f.units,
            "orders": f.orders,
        }
        for f in figures[first:]
    ]


def refund_text(items: list[tuple[int, str, str]], lang: str) -> str:
    """ "1 × Kaos batik, shipping": what a REFUND entry took back."""
    parts = [
        str(_l("%(num)d × %(title)s", num=units, title=title_en if lang == "en" and title_en else title_id))
        if title_id
        else str(_l("shipping"))
        for units, title_id, title_en in items
    ]
    return ", ".join(parts)


def entry_rows(
    entries,
    *,
    lang: str,
    refund_items: dict | None = None,
    parcel_url=None,
    delivered: set[int] | None = None,
) -> list[dict]:
    """`refund_items` (payouts.refund_details): what each refund took back; `parcel_url(fulfilment
    id)`: a link to the seller's parcel for entries of an order; `delivered` (parcel ids) marks which
    are settled: the others wait for delivery."""
    refund_items = refund_items or {}
    delivered = delivered or set()
    return [
        {
            "when": jakarta_time(e.occurred_at, lang),
            "kind": kind_label(e),
            "reference": e.reference,
            "detail": refund_text(refund_items[e.id], lang) if e.id in refund_items else "",
            "url": parcel_url(e.fulfilment_id) if parcel_url and e.fulfilment_id else "",
            "amount": rupiah(e.amount_idr, lang),
            "negative": e.amount_idr < 0,
            "state": str(
                _l("Available") if e.fulfilment_id is None or e.fulfilment_id in delivered else _l("Pending")
            ),
        }
        for e in entries
    ]


def totals_view(totals: dict, *, lang: str, balances=None) -> dict:
    """The ledger's totals by kind and, from `balances` (payouts.availability.Balances), the
    balance split into pending (parcel not delivered yet), held (open problem report) and available."""
    view = {
        "sales": rupiah(totals[LedgerKind.SALE], lang),
        "commission": rupiah(totals[LedgerKind.COMMISSION] + totals[LedgerKind.COMMISSION_REVERSAL], lang),
        "refunds": rupiah(totals[LedgerKind.REFUND], lang),
        "payouts": rupiah(totals[LedgerKind.PAYOUT], lang),
        "balance": rupiah(sum(totals.values()), lang),
    }
    if balances is not None:
        view["pending"] = rupiah(balances.pending, lang)
        view["held"] = rupiah(balances.held, lang)
        view["available"] = rupiah(balances.available, lang)
        view["has_held"] = balances.held > 0
    return view


# -- when the money is paid (payouts/schedule.py) ---------------------------------------------------


def weekday_name(weekday: int, lang: str) -> str:
    """ "Friday", "Jumat" (Monday 0)."""
    return str(get_day_names("wide", locale=lang)[weekday])


def payout_day_text(day: date, lang: str) -> str:
    """ "Friday 11 December", "Jumat 11 Desember": a payout run's day."""
    return format_date(day, "EEEE d MMMM", locale=lang)


def _days_text(days: tuple[int, int]) -> str:
    """ "14", or "10–14" when the zones differ."""
    return str(days[0]) if days[0] == days[1] else f"{days[0]}\u2013{days[1]}"


def payout_schedule_view(*, rule: AutoCompleteDays, weekday: int, next_run: date, lang: str) -> dict:
    """The seller's sentences under the balance: when pending money becomes available (the
    auto-complete rule, at home and abroad) and when available money is paid (the next run)."""
    if rule.abroad:
        pending = _l(
            "Paid after the buyer receives the parcel (or automatically %(days)s days after shipping; "
            "%(abroad)s days abroad), on the next payout day after that.",
            days=_days_text(rule.home),
            abroad=_days_text(rule.abroad),
        )
    else:
        pending = _l(
            "Paid after the buyer receives the parcel (or automatically %(days)s days after shipping), "
            "on the next payout day after that.",
            days=_days_text(rule.home),
        )
    return {
        "pending_note": str(pending),
        "available_note": str(
            _l(
                "The kecamatan pays out available money every %(weekday)s.",
                weekday=weekday_name(weekday, lang),
            )
        ),
        "next_payout": str(_l("Next payout: %(day)s (WIB)", day=payout_day_text(next_run, lang))),
    }


def pending_parcel_rows(parcels: list[PendingParcel], *, lang: str, parcel_url) -> list[dict]:
    """One row per parcel whose money is pending: its order, state, amount and when it is paid."""
    rows = []
    for parcel in parcels:
        if parcel.status == FulfilmentStatus.CANCELLED:
            when = _l("Cancelled: the kecamatan settles what is left with you.")
        elif parcel.status != FulfilmentStatus.SHIPPED:
            when = _l("After you ship it and the buyer receives it.")
        elif parcel.has_open_case:
            when = _l("Held while the buyer's problem report is open.")
        else:
            when = _l(
                "When the buyer confirms receipt, at the latest on %(day)s; "
                "paid out on %(payday)s at the latest.",
                day=payout_day_text(parcel.completes_by, lang),
                payday=payout_day_text(parcel.paid_by, lang),
            )
        rows.append(
            {
                "number": parcel.order_number,
                "url": parcel_url(parcel.fulfilment_id),
                "status": fulfilment_status_label(parcel.status),
                "amount": rupiah(parcel.amount_idr, lang),
                "negative": parcel.amount_idr < 0,
                "when": str(when),
            }
        )
    return rows
