"""The dashboard's sales figures: paid sales by month, village, cluster, buyer, product.

Only paid orders count (`paid_at` set, not cancelled), in rupiah from the order lines'
`unit_price_idr * quantity`, by Jakarta day of payment. Read from the summaries of
`monitoring.models` (kept by `monitoring.summary`, held equal to the order lines by
tests/monitoring/test_summary.py): a year costs the same few hundred rows however many orders.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Cluster, Product, Region, RegionKind
from marketplace.monitoring.filters import TOP_PRODUCTS, UNKNOWN, Filters
from marketplace.monitoring.models import (
    ANY,
    NO_PRODUCT,
    SalesBuyer,
    SalesDayBuyer,
    SalesDayGroup,
    SalesDayProduct,
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
    Read from SalesDayBuyer (an order is in one row of its group) and SalesBuyer (first days).
    """
    rows = SalesDayBuyer
    village = filters.village_id if filters.village_id is not None else ANY
    cluster = filters.cluster_id if filters.cluster_id is not None else ANY
    in_range = (
        rows.village_id == village,
        rows.cluster_id == cluster,
        rows.day >= filters.start,
        rows.day <= filters.end,
        rows.orders > 0,
    )
    # Distinct buyers by grouping (a hash aggregate on PostgreSQL) rather than count(DISTINCT),
    # which sorted every row of the range, on disk for a year. One scan: per buyer and place.
    per_place = (
        sa.select(
            rows.buyer,
            rows.domestic,
            sa.func.sum(rows.sales_idr).label("sales_idr"),
            sa.func.sum(rows.orders).label("orders"),
            sa.func.sum(rows.units).label("units"),
        )
        .where(*in_range)
        .group_by(rows.buyer, rows.domestic)
        .cte("per_place")
    )
    per_buyer = (
        sa.select(
            per_place.c.buyer,
            sa.func.sum(per_place.c.sales_idr).label("sales_idr"),
            sa.func.sum(per_place.c.orders).label("orders"),
            sa.func.sum(per_place.c.units).label("units"),
        )
        .group_by(per_place.c.buyer)
        .subquery("per_buyer")
    )

    def summed(source, segment, key):
        return (
            sa.select(
                sa.literal_column(str(segment)).label("segment"),
                key.label("key"),
                sa.func.count().label("buyers"),
                sa.func.coalesce(sa.func.sum(source.c.sales_idr), 0).label("sales_idr"),
                sa.func.coalesce(sa.func.sum(source.c.orders), 0).label("orders"),
                sa.func.coalesce(sa.func.sum(source.c.units), 0).label("units"),
            )
            .select_from(source)
            .group_by(key)
        )

    is_new = sa.case((SalesBuyer.first_day >= filters.start, 1), else_=0)
    found = session.execute(
        sa.union_all(
            summed(per_place, 0, per_place.c.domestic),
            summed(per_buyer, 1, is_new).join(SalesBuyer, SalesBuyer.buyer == per_buyer.c.buyer),
        )
    ).all()
    by_place = {row.key: row for row in found if row.segment == 0}
    by_age = {row.key: row for row in found if row.segment == 1}

    def entry(segment: str, row) -> dict:
        if row is None:
            return {"segment": segment, "buyers": 0, **_ZERO}
        return {"segment": segment, "buyers": int(row.buyers), **_row_totals(row)}

    return [
        entry("domestic", by_place.get(1)),
        entry("international", by_place.get(0)),
        entry("new", by_age.get(1)),
        entry("repeat", by_age.get(0)),
    ]


def top_products(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """The best-selling products of the range by revenue (then units); deleted products grouped."""
    stmt = sa.select(
        SalesDayProduct.product_id,
        sa.func.sum(SalesDayProduct.units).label("units"),
        sa.func.sum(SalesDayProduct.sales_idr).label("sales_idr"),
        sa.func.sum(SalesDayProduct.orders).label("orders"),
    ).where(SalesDayProduct.day >= filters.start, SalesDayProduct.day <= filters.end)
    if filters.village_id is not None:
        stmt = stmt.join(Seller, Seller.id == SalesDayProduct.seller_id).where(
            Seller.village_id == filters.village_id
        )
    if filters.cluster_id is not None:
        stmt = stmt.join(Product, Product.id == SalesDayProduct.product_id).where(
            Product.cluster_id == filters.cluster_id
        )
    grouped = (
        stmt.group_by(SalesDayProduct.product_id)
        .having(sa.func.sum(SalesDayProduct.orders) > 0)
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
        .limit(TOP_PRODUCTS)
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
