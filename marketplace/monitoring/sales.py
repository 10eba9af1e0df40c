"""The dashboard's sales figures: paid sales by month, village, cluster, buyer, product.

Only paid orders count (`paid_at` set, not cancelled), in rupiah from the order lines'
`unit_price_idr * quantity`, by Jakarta day of payment. Read from the summaries of
`monitoring.models` (kept by `monitoring.summary`, held equal to the order lines by
tests/monitoring/test_summary.py): a year costs the same few hundred rows however many orders.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Cluster, Product, Region, RegionKind
from marketplace.monitoring.filters import TOP_PRODUCTS, UNKNOWN, Filters
from marketplace.monitoring.models import (
    ANY,
    NO_PRODUCT,
    SalesDayBuyer,
    SalesDayGroup,
    SalesDayProduct,
    SalesMonthRunning,
    SalesProductTotal,
)
from marketplace.orders.models import Order, OrderStatus
from marketplace.seller.models import Seller

# --- months -------------------------------------------------------------------------------------


def month_keys(start: date, end: date) -> list[str]:
    """'YYYY-MM' for every Jakarta month the range touches, in order."""
    keys = []
    index, last = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    while index <= last:
        keys.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
        index += 1
    return keys


def paid_conditions() -> list:
    return [Order.paid_at.is_not(None), Order.status != OrderStatus.CANCELLED]


def _row_totals(row) -> dict[str, int]:
    return {
        "sales_idr": int(row.sales_idr or 0),
        "orders": int(row.orders or 0),
        "units": int(row.units or 0),
    }


_ZERO = {"sales_idr": 0, "orders": 0, "units": 0}


# --- figures read from the summaries (monitoring.models, kept by monitoring.summary) -------------


def _group_rows(filters: Filters, *, by_village: bool = False, by_cluster: bool = False) -> sa.Select:
    """SalesDayGroup rows of the range for the filters; `by_*`: one row per village/cluster instead
    of the ANY row (the filter, if any, still applies)."""
    village = filters.village_id if filters.village_id is not None else ANY
    cluster = filters.cluster_id if filters.cluster_id is not None else ANY
    stmt = sa.select().where(SalesDayGroup.day >= filters.start, SalesDayGroup.day <= filters.end)
    if by_village and filters.village_id is None:
        stmt = stmt.where(SalesDayGroup.village_id != ANY)
    else:
        stmt = stmt.where(SalesDayGroup.village_id == village)
    if by_cluster and filters.cluster_id is None:
        stmt = stmt.where(SalesDayGroup.cluster_id != ANY)
    else:
        stmt = stmt.where(SalesDayGroup.cluster_id == cluster)
    return stmt


def _summed():
    return (
        sa.func.coalesce(sa.func.sum(SalesDayGroup.sales_idr), 0).label("sales_idr"),
        sa.func.coalesce(sa.func.sum(SalesDayGroup.orders), 0).label("orders"),
        sa.func.coalesce(sa.func.sum(SalesDayGroup.units), 0).label("units"),
    )


def sales_by_month(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Sales (IDR), orders and units per Jakarta month of the range; months without sales are 0."""
    found: dict[str, dict[str, int]] = {}
    stmt = _group_rows(filters).add_columns(
        SalesDayGroup.day, SalesDayGroup.sales_idr, SalesDayGroup.orders, SalesDayGroup.units
    )
    for row in session.execute(stmt):
        totals = found.setdefault(row.day.strftime("%Y-%m"), dict(_ZERO))
        for name in _ZERO:
            totals[name] += int(getattr(row, name))
    return [{"month": key, **found.get(key, _ZERO)} for key in month_keys(filters.start, filters.end)]


def sales_by_village(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Per village (the seller's), every village listed, best sales first."""
    stmt = _group_rows(filters, by_village=True).add_columns(SalesDayGroup.village_id, *_summed())
    found = {
        row.village_id: _row_totals(row) for row in session.execute(stmt.group_by(SalesDayGroup.village_id))
    }
    village_q = sa.select(Region.id, Region.slug, Region.name).where(Region.kind == RegionKind.DESA)
    if filters.village_id is not None:
        village_q = village_q.where(Region.id == filters.village_id)
    rows = [
        {"village": v.slug, "name": v.name, **found.get(v.id, _ZERO)}
        for v in session.execute(village_q.order_by(Region.name, Region.id))
    ]
    rows.sort(key=lambda row: (-row["sales_idr"], -row["orders"], row["name"]))
    return rows


def sales_by_cluster(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Per product cluster (deleted products: "unknown"), every cluster listed, best sales first."""
    stmt = _group_rows(filters, by_cluster=True).add_columns(SalesDayGroup.cluster_id, *_summed())
    found = {
        row.cluster_id: _row_totals(row)
        for row in session.execute(
            stmt.group_by(SalesDayGroup.cluster_id).having(sa.func.sum(SalesDayGroup.orders) > 0)
        )
    }
    cluster_q = sa.select(Cluster.id, Cluster.slug, Cluster.name_id, Cluster.name_en)
    if filters.cluster_id is not None:
        cluster_q = cluster_q.where(Cluster.id == filters.cluster_id)
    rows = [
        {"cluster": c.slug, "name_id": c.name_id, "name_en": c.name_en, **found.get(c.id, _ZERO)}
        for c in session.execute(cluster_q.order_by(Cluster.position, Cluster.id))
    ]
    rows.sort(key=lambda row: (-row["sales_idr"], -row["orders"]))
    if NO_PRODUCT in found:
        rows.append({"cluster": UNKNOWN, "name_id": "", "name_en": "", **found[NO_PRODUCT]})
    return rows


def sold_in_range(filters: Filters) -> sa.Exists:
    """EXISTS: the shop (`Seller`, correlated) sold in the range, of the filtered cluster if any
    (one probe per shop on ix_sales_day_products_seller_day)."""
    stmt = sa.select(SalesDayProduct.seller_id).where(
        SalesDayProduct.seller_id == Seller.id,
        SalesDayProduct.day >= filters.start,
        SalesDayProduct.day <= filters.end,
        SalesDayProduct.orders > 0,
    )
    if filters.cluster_id is not None:
        stmt = stmt.join(Product, Product.id == SalesDayProduct.product_id).where(
            Product.cluster_id == filters.cluster_id
        )
    return stmt.correlate(Seller).exists()


def buyers(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Buyers, orders and sales: domestic vs international (ship_country) and new vs repeat.

    A buyer (account, or e-mail for guests) is new when their first paid order anywhere on the
    market falls in the range; a buyer who ordered both at home and abroad counts in both rows.
    Read from SalesDayBuyer (an order is in one row of its group): a buyer is counted on their
    first row of the range, the one whose previous day in the group (`prev_day` per place,
    `prev_any_day` whatever the place) is before the range, so one pass sums the range's rows
    without grouping them by buyer (which hashed 135,000 rows a year).
    """
    rows = SalesDayBuyer
    village = filters.village_id if filters.village_id is not None else ANY
    cluster = filters.cluster_id if filters.cluster_id is not None else ANY

    def first_in_range(column):
        return sa.func.coalesce(
            sa.func.sum(sa.case(((column.is_(None)) | (column < filters.start), 1), else_=0)), 0
        )

    is_new = sa.case((rows.first_day >= filters.start, 1), else_=0).label("is_new")
    found = session.execute(
        sa.select(
            rows.domestic,
            is_new,
            first_in_range(rows.prev_day).label("place_buyers"),
            first_in_range(rows.prev_any_day).label("age_buyers"),
            sa.func.sum(rows.sales_idr).label("sales_idr"),
            sa.func.sum(rows.orders).label("orders"),
            sa.func.sum(rows.units).label("units"),
        )
        .where(
            rows.village_id == village,
            rows.cluster_id == cluster,
            rows.day >= filters.start,
            rows.day <= filters.end,
            rows.orders > 0,
        )
        .group_by(rows.domestic, is_new)
    ).all()

    def entry(segment: str, picked: list, count: str) -> dict:
        return {
            "segment": segment,
            "buyers": sum(int(getattr(row, count)) for row in picked),
            **{name: sum(int(getattr(row, name)) for row in picked) for name in _ZERO},
        }

    return [
        entry("domestic", [row for row in found if row.domestic == 1], "place_buyers"),
        entry("international", [row for row in found if row.domestic == 0], "place_buyers"),
        entry("new", [row for row in found if row.is_new == 1], "age_buyers"),
        entry("repeat", [row for row in found if row.is_new == 0], "age_buyers"),
    ]


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _running_at(month: date, sign: int) -> list[sa.Select]:
    """Each product's paid sales from its first month through the end of `month`, times `sign`, as
    two selects for the caller's union: the running row of `month`, or the total's row for a
    product whose span ended before it (products that first sold later have neither)."""
    totals, running = SalesProductTotal, SalesMonthRunning

    def signed(model) -> list:
        return [(sign * getattr(model, name)).label(name) for name in ("orders", "units", "sales_idr")]

    return [
        sa.select(running.product_id, running.seller_id, *signed(running)).where(running.month == month),
        sa.select(totals.product_id, totals.seller_id, *signed(totals)).where(totals.last_month < month),
    ]


def _days(lo: date, hi: date, sign: int) -> sa.Select:
    """SalesDayProduct rows of the Jakarta days `lo..hi`, times `sign`."""
    days = SalesDayProduct
    return sa.select(
        days.product_id,
        days.seller_id,
        *((sign * getattr(days, name)).label(name) for name in ("orders", "units", "sales_idr")),
    ).where(days.day >= lo, days.day <= hi)


def _day_count(lo: date, hi: date, today: date) -> int:
    """Days of `lo..hi` that can hold sales (none after today): what reading them costs."""
    return max(0, (min(hi, today) - lo).days + 1)


def _product_sums_of_range(filters: Filters, today: date) -> sa.Subquery:
    """(product_id, seller_id, orders, units, sales_idr) rows whose sums per product cover the range
    exactly, reading as few rows as it can: whole months as the running totals through the last
    month minus those through the month before the first (SalesMonthRunning: a row or two per
    product however many months, no join: the caller groups by product), and each part month at
    either end from SalesDayProduct: either its days inside the range added, or the whole month
    counted and its days outside taken away, whichever reads fewer days (the twelve months ending
    today take away the first days of a year ago's month, and read nothing of this month's)."""
    start, end = filters.start, filters.end
    first_month, last_month = start.replace(day=1), end.replace(day=1)
    before = (first_month, start - timedelta(days=1))  # the start month's days outside the range
    after = (end + timedelta(days=1), _month_end(end))  # the end month's days outside the range
    parts: list[sa.Select] = []
    if first_month == last_month:
        if _day_count(start, end, today) <= _day_count(*before, today) + _day_count(*after, today):
            return _days(start, end, 1).subquery("range_sums")
    else:
        if _day_count(start, _month_end(start), today) <= _day_count(*before, today):
            parts.append(_days(start, _month_end(start), 1))
            first_month, before = _month_end(start) + timedelta(days=1), None
        if _day_count(last_month, end, today) <= _day_count(*after, today):
            parts.append(_days(last_month, end, 1))
            last_month, after = (last_month - timedelta(days=1)).replace(day=1), None
    for outside in (before, after):
        if outside is not None and outside[0] <= outside[1]:
            parts.append(_days(*outside, -1))
    if first_month <= last_month:
        before_first = (first_month - timedelta(days=1)).replace(day=1)
        parts += [*_running_at(last_month, 1), *_running_at(before_first, -1)]
    return (parts[0] if len(parts) == 1 else sa.union_all(*parts)).subquery("range_sums")


def top_products(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """The best-selling products of the range by revenue (then units); deleted products grouped."""
    sums = _product_sums_of_range(filters, today)
    stmt = sa.select(
        sums.c.product_id,
        sa.func.sum(sums.c.units).label("units"),
        sa.func.sum(sums.c.sales_idr).label("sales_idr"),
        sa.func.sum(sums.c.orders).label("orders"),
    )
    if filters.village_id is not None:
        stmt = stmt.join(Seller, Seller.id == sums.c.seller_id).where(Seller.village_id == filters.village_id)
    if filters.cluster_id is not None:
        stmt = stmt.join(Product, Product.id == sums.c.product_id).where(
            Product.cluster_id == filters.cluster_id
        )
    summed = stmt.group_by(sums.c.product_id).having(sa.func.sum(sums.c.orders) > 0).subquery("summed")
    # Rank before naming: the planner expects a few hundred groups (a union's estimate) and would
    # otherwise look up the product and shop of all ~10,000 before keeping ten.
    grouped = (
        sa.select(summed)
        .order_by(summed.c.sales_idr.desc(), summed.c.units.desc(), summed.c.product_id)
        .limit(TOP_PRODUCTS)
        .subquery("per_product")
    )
    rows = session.execute(
        sa.select(
            grouped,
            Product.slug,
            Product.title_id,
            Product.title_en,
            Seller.id.label("seller_id"),
            Seller.name.label("seller_name"),
        )
        .outerjoin(Product, Product.id == grouped.c.product_id)
        .outerjoin(Seller, Seller.id == Product.seller_id)
        .order_by(grouped.c.sales_idr.desc(), grouped.c.units.desc(), grouped.c.product_id)
    )
    return [
        {
            "product_id": None if row.product_id == NO_PRODUCT else row.product_id,
            "product": row.slug or UNKNOWN,
            "title_id": row.title_id or "",
            "title_en": row.title_en or "",
            "seller_id": row.seller_id,
            "seller": row.seller_name or "",
            "units": int(row.units),
            "sales_idr": int(row.sales_idr),
            "orders": int(row.orders),
        }
        for row in rows
    ]
