"""Test oracle: the dashboard's sales figures as computed before the summaries (issue 16), straight
from the paid order lines. tests/monitoring/test_summary.py holds the summary-backed figures equal
to these. (Copied from marketplace/monitoring/sales.py and services.py as they were.)

Only paid orders count (`paid_at` set, not cancelled), in rupiah from the order lines'
`unit_price_idr * quantity`; months are Jakarta months, bucketed by a portable CASE.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Cluster, Product, Region, RegionKind
from marketplace.mentoring.models import MentoringKind, MentoringNote
from marketplace.monitoring.filters import LIST_LIMIT, TOP_PRODUCTS, UNKNOWN, Filters
from marketplace.orders.models import Order, OrderLine, OrderStatus
from marketplace.seller.models import Seller, SellerStatus, seller_clusters
from marketplace.timezones import jakarta_day_start

# --- months -------------------------------------------------------------------------------------


def month_keys(start: date, end: date) -> list[str]:
    """'YYYY-MM' for every Jakarta month the range touches, in order."""
    keys = []
    index, last = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    while index <= last:
        keys.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
        index += 1
    return keys


def _month_case(filters: Filters):
    """CASE mapping paid_at to its Jakarta month key, from boundaries computed here (portable)."""
    whens = []
    for key in month_keys(filters.start, filters.end):
        year, month = int(key[:4]), int(key[5:])
        following = date(year + month // 12, month % 12 + 1, 1)
        whens.append((Order.paid_at < jakarta_day_start(following), sa.literal(key)))
    # Rows are already limited to the range, so "before the next month's start" is enough.
    return sa.case(*whens, else_=sa.literal(UNKNOWN))


# --- the sales lines every sales figure groups ----------------------------------------------------


def paid_conditions() -> list:
    return [Order.paid_at.is_not(None), Order.status != OrderStatus.CANCELLED]


def _buyer_key():
    # Account id for members, e-mail for guests: ids hold no "@", so the two never collide.
    return sa.case(
        (Order.buyer_id.is_not(None), sa.cast(Order.buyer_id, sa.String)),
        else_=sa.func.lower(Order.email),
    )


def sales_lines(filters: Filters):
    """One row per paid order line in range (and village/cluster), with what figures group by.

    Grouping happens on this subquery's columns, never on expressions holding bound parameters
    (PostgreSQL does not treat two copies of such an expression as the same GROUP BY key).
    """
    stmt = (
        sa.select(
            OrderLine.order_id.label("order_id"),
            OrderLine.seller_id.label("seller_id"),
            OrderLine.product_id.label("product_id"),
            Seller.village_id.label("village_id"),
            Product.cluster_id.label("cluster_id"),
            OrderLine.quantity.label("quantity"),
            (OrderLine.unit_price_idr * OrderLine.quantity).label("amount"),
            Order.paid_at.label("paid_at"),
            _buyer_key().label("buyer"),
            sa.case((Order.ship_country == "ID", 1), else_=0).label("domestic"),
            _month_case(filters).label("month"),
        )
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Seller, Seller.id == OrderLine.seller_id)
        .outerjoin(Product, Product.id == OrderLine.product_id)
        .where(*paid_conditions(), Order.paid_at >= filters.start_utc, Order.paid_at < filters.end_utc)
    )
    if filters.village_id is not None:
        stmt = stmt.where(Seller.village_id == filters.village_id)
    if filters.cluster_id is not None:
        stmt = stmt.where(Product.cluster_id == filters.cluster_id)
    return stmt.subquery("sales")


def _totals(lines):
    return (
        sa.func.coalesce(sa.func.sum(lines.c.amount), 0).label("sales_idr"),
        sa.func.count(sa.distinct(lines.c.order_id)).label("orders"),
        sa.func.coalesce(sa.func.sum(lines.c.quantity), 0).label("units"),
    )


def _row_totals(row) -> dict[str, int]:
    return {
        "sales_idr": int(row.sales_idr or 0),
        "orders": int(row.orders or 0),
        "units": int(row.units or 0),
    }


_ZERO = {"sales_idr": 0, "orders": 0, "units": 0}


def sales_by_month(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Sales (IDR), orders and units per Jakarta month of the range; months without sales are 0."""
    lines = sales_lines(filters)
    found = {
        row.month: _row_totals(row)
        for row in session.execute(sa.select(lines.c.month, *_totals(lines)).group_by(lines.c.month))
    }
    return [{"month": key, **found.get(key, _ZERO)} for key in month_keys(filters.start, filters.end)]


def sales_by_village(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Per village (the seller's), every village listed, best sales first."""
    lines = sales_lines(filters)
    found = {
        row.village_id: _row_totals(row)
        for row in session.execute(
            sa.select(lines.c.village_id, *_totals(lines)).group_by(lines.c.village_id)
        )
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
    lines = sales_lines(filters)
    found = {
        row.cluster_id: _row_totals(row)
        for row in session.execute(
            sa.select(lines.c.cluster_id, *_totals(lines)).group_by(lines.c.cluster_id)
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
    if None in found:
        rows.append({"cluster": UNKNOWN, "name_id": "", "name_en": "", **found[None]})
    return rows


def buyers(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Buyers, orders and sales: domestic vs international (ship_country) and new vs repeat.

    A buyer (account, or e-mail for guests) is new when their first paid order anywhere on the
    market falls in the range; a buyer who ordered both at home and abroad counts in both rows.
    """
    lines = sales_lines(filters)
    by_place = {
        row.domestic: row
        for row in session.execute(
            sa.select(
                lines.c.domestic,
                sa.func.count(sa.distinct(lines.c.buyer)).label("buyers"),
                *_totals(lines),
            ).group_by(lines.c.domestic)
        )
    }
    every_paid = (
        sa.select(_buyer_key().label("buyer"), Order.paid_at.label("paid_at"))
        .where(*paid_conditions())
        .subquery("paid")
    )
    first = (
        sa.select(every_paid.c.buyer, sa.func.min(every_paid.c.paid_at).label("first_paid"))
        .group_by(every_paid.c.buyer)
        .subquery("first")
    )
    tagged = (
        sa.select(
            lines,
            sa.case((first.c.first_paid >= filters.start_utc, 1), else_=0).label("is_new"),
        )
        .join(first, first.c.buyer == lines.c.buyer)
        .subquery("tagged")
    )
    by_age = {
        row.is_new: row
        for row in session.execute(
            sa.select(
                tagged.c.is_new,
                sa.func.count(sa.distinct(tagged.c.buyer)).label("buyers"),
                *_totals(tagged),
            ).group_by(tagged.c.is_new)
        )
    }

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
    lines = sales_lines(filters)
    grouped = (
        sa.select(
            lines.c.product_id,
            sa.func.coalesce(sa.func.sum(lines.c.quantity), 0).label("units"),
            sa.func.coalesce(sa.func.sum(lines.c.amount), 0).label("sales_idr"),
            sa.func.count(sa.distinct(lines.c.order_id)).label("orders"),
        )
        .group_by(lines.c.product_id)
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
            "product_id": row.product_id,
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


def sellers_without_sales(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Approved sellers with no paid sale in the range, with their last sale and last visit ever."""
    lines = sales_lines(filters)
    last_sale = (
        sa.select(OrderLine.seller_id, sa.func.max(Order.paid_at).label("last_sale"))
        .join(Order, Order.id == OrderLine.order_id)
        .where(*paid_conditions())
        .group_by(OrderLine.seller_id)
        .subquery("last_sale")
    )
    last_visit = (
        sa.select(MentoringNote.seller_id, sa.func.max(MentoringNote.visited_on).label("last_visit"))
        .where(MentoringNote.kind == MentoringKind.VISIT)
        .group_by(MentoringNote.seller_id)
        .subquery("last_visit")
    )
    stmt = (
        sa.select(
            Seller.id,
            Seller.name,
            Region.slug.label("village_slug"),
            Region.name.label("village_name"),
            last_sale.c.last_sale,
            last_visit.c.last_visit,
            sa.func.count().over().label("total"),
        )
        .join(Region, Region.id == Seller.village_id)
        .outerjoin(last_sale, last_sale.c.seller_id == Seller.id)
        .outerjoin(last_visit, last_visit.c.seller_id == Seller.id)
        .where(
            Seller.status == SellerStatus.APPROVED,
            Seller.id.not_in(sa.select(lines.c.seller_id).where(lines.c.seller_id.is_not(None))),
        )
        .order_by(Region.name, Seller.name, Seller.id)
        .limit(LIST_LIMIT)
    )
    if filters.village_id is not None:
        stmt = stmt.where(Seller.village_id == filters.village_id)
    if filters.cluster_id is not None:
        stmt = stmt.where(
            Seller.id.in_(
                sa.select(seller_clusters.c.seller_id).where(
                    seller_clusters.c.cluster_id == filters.cluster_id
                )
            )
        )
    rows = session.execute(stmt).all()
    total = int(rows[0].total) if rows else 0
    return [
        {
            "seller_id": row.id,
            "seller": row.name,
            "village": row.village_slug,
            "village_name": row.village_name,
            "last_sale": row.last_sale,
            "last_visit": row.last_visit,
            "total": total,
        }
        for row in rows
    ]
