"""Programme figures for the curator dashboard, each aggregated in SQL (GROUP BY), never per order.

Only paid orders count as sales: `paid_at` set and status not cancelled. Sales are counted in
rupiah from the order lines' `unit_price_idr * quantity`, so international orders count in IDR
too. Dates are Asia/Jakarta calendar days; months are Jakarta months (an order paid on 31 January
at 18:00 UTC is February in Kabat). Month buckets are computed in Python as UTC boundaries and
applied with a CASE, which runs the same on SQLite and PostgreSQL.

Sales figures are in `monitoring.sales`, the filters in `monitoring.filters`; this module holds
the catalogue and seller figures and the FIGURES table. Every figure is a function
`(session, filters, *, today, now) -> list[dict]` in FIGURES, so the dashboard and each figure's
CSV run exactly the same query.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Product, ProductStatus, Region
from marketplace.labels.models import LabelStatus, ProductLabel
from marketplace.mentoring.models import MentoringKind, MentoringNote
from marketplace.monitoring.filters import (
    EXPIRING_WITHIN_DAYS,
    LIST_LIMIT,
    PRESETS,
    STALE_AFTER_DAYS,
    UNKNOWN,
    Filters,
    filter_options,
    parse_filters,
)
from marketplace.monitoring.models import SalesDayProduct
from marketplace.monitoring.ratings import ratings_by_cluster, ratings_by_village
from marketplace.monitoring.sales import (
    buyers,
    paid_conditions,
    sales_by_cluster,
    sales_by_month,
    sales_by_village,
    sold_in_range,
    top_products,
)
from marketplace.naikkelas.services import list_seller_levels
from marketplace.orders.models import Order, OrderLine
from marketplace.seller.models import Seller, SellerStatus, seller_clusters
from marketplace.timezones import jakarta_date, jakarta_day_start

__all__ = [
    "FIGURES", "LIST_LIMIT", "PRESETS", "UNKNOWN", "Filters", "compute_figure", "dashboard",
    "filter_options", "parse_filters",
]  # fmt: skip


def _catalogue_filters(stmt, filters: Filters):
    if filters.village_id is not None:
        stmt = stmt.where(Seller.village_id == filters.village_id)
    if filters.cluster_id is not None:
        stmt = stmt.where(Product.cluster_id == filters.cluster_id)
    return stmt


def _product_list(session: Session, stmt) -> list[dict]:
    rows = session.execute(stmt.limit(LIST_LIMIT)).all()
    total = int(rows[0].total) if rows else 0
    return [
        {
            "product_id": row.id,
            "product": row.slug,
            "title_id": row.title_id,
            "title_en": row.title_en,
            "seller_id": row.seller_id,
            "seller": row.seller_name,
            "village": row.village_slug,
            "village_name": row.village_name,
            "updated_at": row.updated_at,
            "total": total,
        }
        for row in rows
    ]


def _product_columns():
    return (
        Product.id,
        Product.slug,
        Product.title_id,
        Product.title_en,
        Product.updated_at,
        Seller.id.label("seller_id"),
        Seller.name.label("seller_name"),
        Region.slug.label("village_slug"),
        Region.name.label("village_name"),
        sa.func.count().over().label("total"),
    )


def out_of_stock(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Active products with no stock left (a snapshot: the date range does not apply)."""
    stmt = (
        sa.select(*_product_columns())
        .join(Seller, Seller.id == Product.seller_id)
        .join(Region, Region.id == Seller.village_id)
        .where(Product.status == ProductStatus.ACTIVE, Product.stock == 0)
        .order_by(Region.name, Seller.name, Product.id)
    )
    return _product_list(session, _catalogue_filters(stmt, filters))


def stale_listings(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Active products nobody has updated for STALE_AFTER_DAYS days (oldest first)."""
    stmt = (
        sa.select(*_product_columns())
        .join(Seller, Seller.id == Product.seller_id)
        .join(Region, Region.id == Seller.village_id)
        .where(
            Product.status == ProductStatus.ACTIVE,
            Product.updated_at < now - timedelta(days=STALE_AFTER_DAYS),
        )
        .order_by(Product.updated_at, Product.id)
    )
    return _product_list(session, _catalogue_filters(stmt, filters))


def sellers_without_sales(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Approved sellers with no paid sale in the range, with their last sale and last visit ever."""
    # The Jakarta day of the shop's last sale ever (ix_sales_day_products_seller_day, backwards).
    last_day = (
        sa.select(sa.func.max(SalesDayProduct.day))
        .where(SalesDayProduct.seller_id == Seller.id, SalesDayProduct.orders > 0)
        .correlate(Seller)
        .scalar_subquery()
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
            last_day.label("last_day"),
            last_visit.c.last_visit,
            sa.func.count().over().label("total"),
        )
        .join(Region, Region.id == Seller.village_id)
        .outerjoin(last_visit, last_visit.c.seller_id == Seller.id)
        .where(
            Seller.status == SellerStatus.APPROVED,
            ~sold_in_range(filters),
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
    last_sales = _last_sales(session, {row.id: row.last_day for row in rows if row.last_day is not None})
    return [
        {
            "seller_id": row.id,
            "seller": row.name,
            "village": row.village_slug,
            "village_name": row.village_name,
            "last_sale": last_sales.get(row.id),
            "last_visit": row.last_visit,
            "total": total,
        }
        for row in rows
    ]


def _last_sales(session: Session, last_days: dict[int, date]) -> dict[int, datetime]:
    """{shop id: its last paid sale's time}, looked up on the Jakarta day each shop last sold."""
    if not last_days:
        return {}
    on_that_day = [
        sa.and_(
            OrderLine.seller_id == seller_id,
            Order.paid_at >= jakarta_day_start(day),
            Order.paid_at < jakarta_day_start(day + timedelta(days=1)),
        )
        for seller_id, day in sorted(last_days.items())
    ]
    return dict(
        session.execute(
            sa.select(OrderLine.seller_id, sa.func.max(Order.paid_at))
            .join(Order, Order.id == OrderLine.order_id)
            .where(*paid_conditions(), sa.or_(*on_that_day))
            .group_by(OrderLine.seller_id)
        ).all()
    )


LABEL_STAGES = (LabelStatus.REQUESTED, LabelStatus.VERIFIED, "expiring", "expired", LabelStatus.REJECTED)


def label_pipeline(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Label counts today: requested, verified and still valid, of which expiring within 30 days,
    expired, rejected (a snapshot: the date range does not apply)."""
    verified = ProductLabel.status == LabelStatus.VERIFIED
    soon = today + timedelta(days=EXPIRING_WITHIN_DAYS)

    def count(*conditions):
        return sa.func.coalesce(sa.func.sum(sa.case((sa.and_(*conditions), 1), else_=0)), 0)

    stmt = (
        sa.select(
            count(ProductLabel.status == LabelStatus.REQUESTED),
            count(verified, sa.or_(ProductLabel.valid_until.is_(None), ProductLabel.valid_until >= today)),
            count(verified, ProductLabel.valid_until >= today, ProductLabel.valid_until <= soon),
            count(verified, ProductLabel.valid_until < today),
            count(ProductLabel.status == LabelStatus.REJECTED),
        )
        .select_from(ProductLabel)
        .join(Product, Product.id == ProductLabel.product_id)
        .join(Seller, Seller.id == Product.seller_id)
    )
    values = session.execute(_catalogue_filters(stmt, filters)).one()
    return [
        {"stage": stage, "labels": int(value or 0)} for stage, value in zip(LABEL_STAGES, values, strict=True)
    ]


def sellers_by_level(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Approved sellers per naik-kelas level, lowest first ("" = not yet at the first level).
    The date range does not apply: levels are today's."""
    levels = list_seller_levels(session, now)
    seller_q = sa.select(Seller.id).where(Seller.status == SellerStatus.APPROVED)
    if filters.village_id is not None:
        seller_q = seller_q.where(Seller.village_id == filters.village_id)
    if filters.cluster_id is not None:
        seller_q = seller_q.where(
            Seller.id.in_(
                sa.select(seller_clusters.c.seller_id).where(
                    seller_clusters.c.cluster_id == filters.cluster_id
                )
            )
        )
    rows: dict[str, dict] = {}
    for seller_id in session.scalars(seller_q):
        level = levels.get(seller_id)
        code = str(getattr(level, "code", "") or "") if level is not None else ""
        row = rows.setdefault(
            code,
            {
                "level": code,
                "name_id": str(getattr(level, "name_id", "") or code),
                "name_en": str(getattr(level, "name_en", "") or ""),
                "position": getattr(level, "position", 0) if level is not None else -1,
                "sellers": 0,
            },
        )
        row["sellers"] += 1
    return sorted(rows.values(), key=lambda row: (row["position"], row["level"]))


#: figure key (also the CSV's name) → the function computing it.
FIGURES: dict[str, Callable[..., list[dict]]] = {
    "months": sales_by_month,
    "villages": sales_by_village,
    "clusters": sales_by_cluster,
    "buyers": buyers,
    "top-products": top_products,
    "out-of-stock": out_of_stock,
    "no-sales": sellers_without_sales,
    "stale-listings": stale_listings,
    "labels": label_pipeline,
    "levels": sellers_by_level,
    "ratings-villages": ratings_by_village,
    "ratings-clusters": ratings_by_cluster,
}


def compute_figure(session: Session, key: str, filters: Filters, *, now: datetime) -> list[dict]:
    """One figure by its key (KeyError for an unknown key)."""
    return FIGURES[key](session, filters, today=jakarta_date(now), now=now)


def dashboard(session: Session, filters: Filters, *, now: datetime) -> dict[str, list[dict]]:
    """Every figure: a fixed number of queries however many orders, products or sellers exist."""
    return {key: compute_figure(session, key, filters, now=now) for key in FIGURES}
