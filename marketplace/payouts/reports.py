"""Payout reports: a month's summary per seller, the bank bulk-transfer file, sales by month,
top products and ledger totals (read only; amounts in whole rupiah)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Product
from marketplace.orders.models import Order, OrderLine
from marketplace.payouts.availability import Balances, list_balances
from marketplace.payouts.models import WHOLE_SHOP, LedgerEntry, LedgerKind, LedgerMonthTotal, SellerSalesMonth
from marketplace.payouts.totals import period_sums, seller_totals
from marketplace.seller.models import Seller, SellerPayoutAccount
from marketplace.spreadsheets import safe_cell
from marketplace.timezones import JAKARTA, jakarta_date, jakarta_day


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The Jakarta calendar month as UTC [start, end)."""
    start = datetime(year, month, 1, tzinfo=JAKARTA)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=JAKARTA)
    return start.astimezone(UTC), end.astimezone(UTC)


def parse_month(raw: str | None, *, now: datetime) -> tuple[int, int]:
    """'2026-11' → (2026, 11); anything else → the current Jakarta month."""
    text = (raw or "").strip()
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        year, month = int(text[:4]), int(text[5:])
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    today = jakarta_date(now)
    return today.year, today.month


@dataclass
class SellerPeriod:
    seller_id: int
    name: str
    sales: int
    commission: int  # net of reversals (≤ 0)
    refunds: int  # ≤ 0
    payouts: int  # ≤ 0
    net: int
    balance: int
    account: SellerPayoutAccount | None
    #: The balance split: waiting for delivery, held by open cases, payable now.
    pending: int = 0
    held: int = 0
    available: int = 0
    #: False for an artisan without an account (a curator or facilitator records the bank account).
    has_owner: bool = True


def list_period_summary(session: Session, *, year: int, month: int) -> list[SellerPeriod]:
    """Every seller with ledger entries: the month's sales, commission, refunds and payouts, and
    the balance now split into pending, held and available. Seven queries, whatever the number of
    sellers or entries."""
    # The month totals (payouts/totals.py), not every entry: a few hundred rows after years.
    in_month = period_sums(session, date(year, month, 1))

    def period_sum(seller_id: int, *kinds: LedgerKind) -> int:
        return sum(in_month.get(seller_id, {}).get(kind, 0) for kind in kinds)

    rows = [
        (
            seller_id,
            period_sum(seller_id, LedgerKind.SALE),
            period_sum(seller_id, LedgerKind.COMMISSION, LedgerKind.COMMISSION_REVERSAL),
            period_sum(seller_id, LedgerKind.REFUND),
            period_sum(seller_id, LedgerKind.PAYOUT),
            total,
        )
        for seller_id, total in seller_totals(session).items()
    ]
    ids = [row[0] for row in rows]
    shops = (
        {
            sid: (name, owner)
            for sid, name, owner in session.execute(
                sa.select(Seller.id, Seller.name, Seller.user_id).where(Seller.id.in_(ids))
            )
        }
        if ids
        else {}
    )
    accounts = (
        {
            a.seller_id: a
            for a in session.scalars(
                sa.select(SellerPayoutAccount).where(SellerPayoutAccount.seller_id.in_(ids))
            )
        }
        if ids
        else {}
    )
    split = list_balances(session, ids) if ids else {}
    summary = [
        SellerPeriod(
            seller_id=seller_id,
            name=shops.get(seller_id, ("", None))[0],
            sales=int(sales),
            commission=int(commission),
            refunds=int(refunds),
            payouts=int(payouts),
            net=int(sales + commission + refunds),
            balance=int(total or 0),
            account=accounts.get(seller_id),
            pending=split.get(seller_id, Balances()).pending,
            held=split.get(seller_id, Balances()).held,
            available=split.get(seller_id, Balances()).available,
            has_owner=shops.get(seller_id, ("", None))[1] is not None,
        )
        for seller_id, sales, commission, refunds, payouts, total in rows
    ]
    summary.sort(key=lambda row: (row.name.lower(), row.seller_id))
    return summary


def payout_reference(seller_id: int, year: int, month: int) -> str:
    return f"PD-{year % 100:02d}{month:02d}-S{seller_id}"


def bulk_transfer_csv(session: Session, *, year: int, month: int) -> tuple[str, list[SellerPeriod]]:
    """A bank bulk-transfer file of every seller with money available to pay out (parcels
    delivered, no open case) and a payout account — whoever recorded it: the owner, or a curator or
    facilitator for an artisan without an account — : seller, bank, account number, holder, amount
    (whole rupiah), reference. Returns the CSV text and the sellers with money available but left
    out because they have no payout account."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["seller", "bank", "account_number", "account_holder", "amount_idr", "reference"])
    missing = []
    for row in list_period_summary(session, year=year, month=month):
        if row.available <= 0:
            continue
        if row.account is None:
            missing.append(row)
            continue
        writer.writerow(
            [
                safe_cell(row.name),
                safe_cell(row.account.bank_name),
                safe_cell(row.account.account_number),
                safe_cell(row.account.account_holder),
                row.available,
                payout_reference(row.seller_id, year, month),
            ]
        )
    return buffer.getvalue(), missing


# -- a seller's own figures -----------------------------------------------------------------------


def last_months(now: datetime, count: int = 12) -> list[tuple[int, int]]:
    """The last `count` Jakarta months, oldest first, ending with the current one."""
    today = jakarta_date(now)
    year, month = today.year, today.month
    months = []
    for _i in range(count):
        months.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


@dataclass
class MonthFigures:
    year: int
    month: int
    revenue: int
    units: int
    orders: int


def monthly_sales(
    session: Session, seller_ids: list[int], *, now: datetime, count: int = 12
) -> list[MonthFigures]:
    """Goods revenue (IDR), units and orders per Jakarta month for the last `count` months, by the
    date each order was paid, cancelled ones included (refunds are shown in the ledger, not
    subtracted here). One shop: its rows of `SellerSalesMonth` (payouts/sales_totals.py); several
    shops count an order of two of them once, so they are read from the lines."""
    if len(set(seller_ids)) != 1:
        return monthly_sales_from_lines(session, seller_ids, now=now, count=count)
    months = last_months(now, count)
    figures = {key: MonthFigures(key[0], key[1], 0, 0, 0) for key in months}
    for month, orders, units, revenue in session.execute(
        sa.select(
            SellerSalesMonth.month,
            SellerSalesMonth.orders,
            SellerSalesMonth.units,
            SellerSalesMonth.revenue_idr,
        ).where(
            SellerSalesMonth.seller_id == seller_ids[0],
            SellerSalesMonth.product_id == WHOLE_SHOP,
            SellerSalesMonth.month >= date(*months[0], 1),
        )
    ):
        bucket = figures.get((month.year, month.month))
        if bucket is not None:
            bucket.revenue, bucket.units, bucket.orders = int(revenue), int(units), int(orders)
    return [figures[key] for key in months]


def monthly_sales_from_lines(
    session: Session, seller_ids: list[int], *, now: datetime, count: int = 12
) -> list[MonthFigures]:
    """`monthly_sales` from the order lines: one row per order, bucketed here so SQLite and
    PostgreSQL agree on Jakarta months (several shops; the oracle of the kept months' tests)."""
    months = last_months(now, count)
    start, _ = month_bounds(*months[0])
    rows = session.execute(
        sa.select(
            Order.id,
            Order.paid_at,
            sa.func.sum(OrderLine.quantity),
            sa.func.sum(OrderLine.quantity * OrderLine.unit_price_idr),
        )
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(OrderLine.seller_id.in_(seller_ids), Order.paid_at.is_not(None), Order.paid_at >= start)
        .group_by(Order.id, Order.paid_at)
    ).all()
    figures = {key: MonthFigures(key[0], key[1], 0, 0, 0) for key in months}
    for _order_id, paid_at, units, revenue in rows:
        day = jakarta_date(paid_at)
        bucket = figures.get((day.year, day.month))
        if bucket is None:
            continue
        bucket.revenue += int(revenue or 0)
        bucket.units += int(units or 0)
        bucket.orders += 1
    return [figures[key] for key in months]


def top_products(
    session: Session, seller_ids: list[int], *, now: datetime, limit: int = 5
) -> list[tuple[str, str, int, int]]:
    """(title_id, title_en, units, revenue IDR) of the best-selling products of the last 12 months,
    by revenue, then title. The products' sums from `SellerSalesMonth`; the lines of deleted
    products, each on its own, and the titles of the few products that can rank, from the lines."""
    first = last_months(now, 12)[0]
    start, _ = month_bounds(*first)
    paid_lines = (
        sa.select(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.seller_id.in_(seller_ids), Order.paid_at.is_not(None), Order.paid_at >= start)
    )
    # (revenue, units, product id or None, title_id, title_en)
    ranked: list[tuple[int, int, int | None, str, str]] = [
        (int(revenue), int(units), product_id, "", "")
        for product_id, units, revenue in session.execute(
            sa.select(
                SellerSalesMonth.product_id,
                sa.func.sum(SellerSalesMonth.units),
                sa.func.sum(SellerSalesMonth.revenue_idr),
            )
            .join(Product, Product.id == SellerSalesMonth.product_id)  # deleted ones: their lines, below
            .where(
                SellerSalesMonth.seller_id.in_(seller_ids),
                SellerSalesMonth.product_id != WHOLE_SHOP,
                SellerSalesMonth.month >= date(*first, 1),
            )
            .group_by(SellerSalesMonth.product_id)
            .having(sa.func.sum(SellerSalesMonth.units) != 0)
        )
    ]
    ranked += [
        (int(line.quantity * line.unit_price_idr), int(line.quantity), None, line.title_id, line.title_en)
        for line in session.scalars(paid_lines.where(OrderLine.product_id.is_(None)))
    ]
    if len(ranked) > limit:  # only what can rank: the revenues down to the limit-th, ties included
        floor = sorted((row[0] for row in ranked), reverse=True)[limit - 1]
        ranked = [row for row in ranked if row[0] >= floor]
    wanted = [row[2] for row in ranked if row[2] is not None]
    titles = (
        {
            product_id: (t_id, t_en)
            for product_id, t_id, t_en in session.execute(
                sa.select(
                    OrderLine.product_id, sa.func.max(OrderLine.title_id), sa.func.max(OrderLine.title_en)
                )
                .join(Order, Order.id == OrderLine.order_id)
                .where(
                    OrderLine.product_id.in_(wanted),
                    OrderLine.seller_id.in_(seller_ids),
                    Order.paid_at.is_not(None),
                    Order.paid_at >= start,
                )
                .group_by(OrderLine.product_id)
            )
        }
        if wanted
        else {}
    )
    rows = [
        (revenue, units, *titles.get(product_id, ("", "")))
        if product_id is not None
        else (revenue, units, t_id, t_en)
        for revenue, units, product_id, t_id, t_en in ranked
    ]
    rows.sort(key=lambda row: (-row[0], row[2]))
    return [(t_id, t_en or "", units, revenue) for revenue, units, t_id, t_en in rows[:limit]]


def top_products_from_lines(
    session: Session, seller_ids: list[int], *, now: datetime, limit: int = 5
) -> list[tuple[str, str, int, int]]:
    """`top_products` grouped from the order lines (the oracle of the kept months' tests)."""
    start, _ = month_bounds(*last_months(now, 12)[0])
    revenue = sa.func.sum(OrderLine.quantity * OrderLine.unit_price_idr)
    rows = session.execute(
        sa.select(
            sa.func.max(OrderLine.title_id),
            sa.func.max(OrderLine.title_en),
            sa.func.sum(OrderLine.quantity),
            revenue,
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.seller_id.in_(seller_ids), Order.paid_at.is_not(None), Order.paid_at >= start)
        .group_by(sa.func.coalesce(OrderLine.product_id, -OrderLine.id))
        .order_by(revenue.desc(), sa.func.max(OrderLine.title_id))
        .limit(limit)
    ).all()
    return [(t_id, t_en or "", int(units), int(total)) for t_id, t_en, units, total in rows]


def ledger_totals(session: Session, seller_ids: list[int]) -> dict[LedgerKind, int]:
    rows = session.execute(  # the month totals: the same sums, without reading every entry
        sa.select(LedgerMonthTotal.kind, sa.func.sum(LedgerMonthTotal.amount_idr))
        .where(LedgerMonthTotal.seller_id.in_(seller_ids))
        .group_by(LedgerMonthTotal.kind)
    ).all()
    totals = {kind: 0 for kind in LedgerKind}
    for kind, total in rows:
        totals[LedgerKind(kind)] = int(total or 0)
    return totals


#: Rows fetched at a time when a download reads every entry of a shop (a round trip each).
STREAM_BATCH = 5000


def iter_entry_rows(session: Session, seller_ids: list[int]) -> Iterator[sa.Row]:
    """(Jakarta day, kind, reference, amount_idr) of every entry, newest first, as
    `list_entries` orders them, fetched STREAM_BATCH at a time (a server-side cursor on
    PostgreSQL): the sales CSV of a shop with 100,000 entries never holds them all. Plain values
    from the database (the day made in SQL, the kind as its text): converting 80,000 timestamps
    and kinds in Python was half the download's CPU. On PostgreSQL an index-only scan in order
    (ix_ledger_entries_seller_newest), no sort."""
    query = (
        sa.select(
            jakarta_day(LedgerEntry.occurred_at),
            sa.type_coerce(LedgerEntry.kind, sa.String()),
            LedgerEntry.reference,
            LedgerEntry.amount_idr,
        )
        .where(LedgerEntry.seller_id.in_(seller_ids))
        .order_by(LedgerEntry.occurred_at.desc(), LedgerEntry.id.desc())
        .execution_options(yield_per=STREAM_BATCH)
    )
    yield from session.connection().execute(query)


def list_entries(session: Session, seller_ids: list[int], *, limit: int | None = 100) -> list[LedgerEntry]:
    query = (
        sa.select(LedgerEntry)
        .where(LedgerEntry.seller_id.in_(seller_ids))
        .order_by(LedgerEntry.occurred_at.desc(), LedgerEntry.id.desc())
    )
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))
