"""Programme figures for the curator dashboard, each aggregated in SQL (GROUP BY), never per order.

Only paid orders count as sales: `paid_at` set and status not cancelled. Sales are counted in
rupiah from the order lines' `unit_price_idr * quantity`, so international orders count in IDR
too. Dates are Asia/Jakarta calendar days; months are Jakarta months (an order paid on 31 January
at 18:00 UTC is February in Kabat). Month buckets are computed in Python as UTC boundaries and
applied with a CASE, which runs the same on SQLite and PostgreSQL.

Every figure is a function `(session, filters, *, today, now) -> list[dict]` in FIGURES, so the
dashboard and each figure's CSV run exactly the same query.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace import params
from marketplace.catalogue.models import Cluster, Product, ProductStatus, Region, RegionKind
from marketplace.i18n import message
from marketplace.labels.models import LabelStatus, ProductLabel
from marketplace.mentoring.models import MentoringKind, MentoringNote
from marketplace.orders.models import Order, OrderLine, OrderStatus
from marketplace.seller.models import Seller, SellerStatus, seller_clusters
from marketplace.timezones import jakarta_date, jakarta_day_start

#: Quick ranges offered beside the date fields.
PRESETS = ("30d", "90d", "12m")
DEFAULT_PRESET = "12m"
#: Longest range a curator may ask for (keeps the month CASE and the charts readable).
MAX_RANGE_DAYS = 3 * 366
#: Active products not edited for this long are "stale".
STALE_AFTER_DAYS = 90
#: Verified labels ending within this many days are "expiring".
EXPIRING_WITHIN_DAYS = 30
#: Rows shown in list figures (top products, out of stock…); the total is still counted.
LIST_LIMIT = 100
TOP_PRODUCTS = 10
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows: Jakarta days `start`..`end` (both included), optional village/cluster."""

    start: date
    end: date
    village_id: Optional[int] = None
    village_slug: str = ""
    cluster_id: Optional[int] = None
    cluster_slug: str = ""
    preset: str = ""

    @property
    def start_utc(self) -> datetime:
        return jakarta_day_start(self.start)

    @property
    def end_utc(self) -> datetime:
        """Exclusive end: midnight in Jakarta after the last day."""
        return jakarta_day_start(self.end + timedelta(days=1))

    def query_args(self) -> dict[str, str]:
        """The filters as URL arguments (for CSV links and the mentoring links)."""
        args = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.village_slug:
            args["village"] = self.village_slug
        if self.cluster_slug:
            args["cluster"] = self.cluster_slug
        return args


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """30d / 90d: that many days ending today; 12m: this month and the eleven before it."""
    if preset == "30d":
        return today - timedelta(days=29), today
    if preset == "90d":
        return today - timedelta(days=89), today
    months_back = today.year * 12 + today.month - 1 - 11
    return date(months_back // 12, months_back % 12 + 1, 1), today


def _parse_day(raw: str) -> Optional[date]:
    return params.find_date(raw)


def parse_filters(
    session: Session, args: Mapping[str, str], *, today: date
) -> tuple[Filters, dict[str, str]]:
    """Read `preset`, `from`, `to`, `village` (slug) and `cluster` (slug) from query arguments.

    Returns the filters and a dict of field → message for what could not be understood (the
    filters then fall back to the default range and no village/cluster).
    """
    errors: dict[str, str] = {}
    preset = (args.get("preset") or "").strip()
    raw_from = (args.get("from") or "").strip()
    raw_to = (args.get("to") or "").strip()
    if preset and preset not in PRESETS:
        errors["preset"] = message(str(_l("Choose one of the offered ranges.")))
        preset = ""
    if preset or not (raw_from or raw_to):
        preset = preset or DEFAULT_PRESET
        start, end = preset_range(preset, today)
    else:
        preset = ""
        start = _parse_day(raw_from) if raw_from else preset_range(DEFAULT_PRESET, today)[0]
        end = _parse_day(raw_to) if raw_to else today
        if start is None:
            errors["from"] = message(str(_l("Enter the first day as a date, e.g. 2026-01-31.")))
        if end is None:
            errors["to"] = message(str(_l("Enter the last day as a date, e.g. 2026-03-31.")))
        if start and end and start > end:
            errors["to"] = message(str(_l("The last day must not be before the first day.")))
        elif start and end and (end - start).days > MAX_RANGE_DAYS:
            errors["to"] = message(str(_l("Choose a range of at most three years.")))
        if "from" in errors or "to" in errors:
            preset = DEFAULT_PRESET
            start, end = preset_range(preset, today)

    village_slug = (args.get("village") or "").strip()[:140]
    cluster_slug = (args.get("cluster") or "").strip()[:60]
    village_id = cluster_id = None
    if village_slug or cluster_slug:
        # One query for both lookups.
        village_q = sa.select(Region.id).where(Region.slug == village_slug, Region.kind == RegionKind.DESA)
        cluster_q = sa.select(Cluster.id).where(Cluster.slug == cluster_slug)
        village_id, cluster_id = session.execute(
            sa.select(village_q.scalar_subquery(), cluster_q.scalar_subquery())
        ).one()
    if village_slug and village_id is None:
        errors["village"] = message(str(_l("There is no such village.")))
        village_slug = ""
    if cluster_slug and cluster_id is None:
        errors["cluster"] = message(str(_l("There is no such cluster.")))
        cluster_slug = ""
    filters = Filters(
        start=start,
        end=end,
        village_id=village_id if village_slug else None,
        village_slug=village_slug,
        cluster_id=cluster_id if cluster_slug else None,
        cluster_slug=cluster_slug,
        preset=preset,
    )
    return filters, errors


def filter_options(session: Session) -> dict[str, list[dict]]:
    """Villages and clusters for the filter form and for zero rows in the village/cluster figures."""
    villages = session.execute(
        sa.select(Region.id, Region.slug, Region.name)
        .where(Region.kind == RegionKind.DESA)
        .order_by(Region.name, Region.id)
    ).all()
    clusters = session.execute(
        sa.select(Cluster.id, Cluster.slug, Cluster.name_id, Cluster.name_en).order_by(
            Cluster.position, Cluster.id
        )
    ).all()
    return {
        "villages": [{"id": v.id, "slug": v.slug, "name": v.name} for v in villages],
        "clusters": [
            {"id": c.id, "slug": c.slug, "name_id": c.name_id, "name_en": c.name_en} for c in clusters
        ],
    }


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


def _paid() -> list:
    return [Order.paid_at.is_not(None), Order.status != OrderStatus.CANCELLED]


def _buyer_key():
    # Account id for members, e-mail for guests: ids hold no "@", so the two never collide.
    return sa.case(
        (Order.buyer_id.is_not(None), sa.cast(Order.buyer_id, sa.String)),
        else_=sa.func.lower(Order.email),
    )


def _sales_lines(filters: Filters):
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
        .where(*_paid(), Order.paid_at >= filters.start_utc, Order.paid_at < filters.end_utc)
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
    lines = _sales_lines(filters)
    found = {
        row.month: _row_totals(row)
        for row in session.execute(sa.select(lines.c.month, *_totals(lines)).group_by(lines.c.month))
    }
    return [{"month": key, **found.get(key, _ZERO)} for key in month_keys(filters.start, filters.end)]


def sales_by_village(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Per village (the seller's), every village listed, best sales first."""
    lines = _sales_lines(filters)
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
    lines = _sales_lines(filters)
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
    lines = _sales_lines(filters)
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
        .where(*_paid())
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
    lines = _sales_lines(filters)
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
    lines = _sales_lines(filters)
    last_sale = (
        sa.select(OrderLine.seller_id, sa.func.max(Order.paid_at).label("last_sale"))
        .join(Order, Order.id == OrderLine.order_id)
        .where(*_paid())
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


def _level_provider() -> Optional[Callable[[Session, datetime], dict[int, Any]]]:
    """naik-kelas levels come from marketplace.naikkelas when that domain is installed."""
    try:
        from marketplace.naikkelas.services import list_seller_levels
    except ImportError:
        return None
    return list_seller_levels


def levels_available() -> bool:
    return _level_provider() is not None


def sellers_by_level(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Approved sellers per naik-kelas level, lowest first ("" = not yet at the first level);
    [] when levels are not available. The date range does not apply: levels are today's."""
    provider = _level_provider()
    if provider is None:
        return []
    levels = provider(session, now)
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
}


def compute_figure(session: Session, key: str, filters: Filters, *, now: datetime) -> list[dict]:
    """One figure by its key (KeyError for an unknown key)."""
    return FIGURES[key](session, filters, today=jakarta_date(now), now=now)


def dashboard(session: Session, filters: Filters, *, now: datetime) -> dict[str, list[dict]]:
    """Every figure: a fixed number of queries however many orders, products or sellers exist."""
    return {key: compute_figure(session, key, filters, now=now) for key in FIGURES}
