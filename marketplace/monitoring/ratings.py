"""Buyers' ratings by village and cluster: visible reviews written in the date range, averaged.

Each figure is one grouped query over `reviews` (hidden reviews left out), with the dashboard's
village and cluster filters; a village or cluster without reviews in the range is not listed.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Cluster, Product, Region
from marketplace.monitoring.filters import Filters
from marketplace.reviews.models import Review
from marketplace.reviews.presenters import average_decimal
from marketplace.seller.models import Seller


def _reviews(columns, filters: Filters) -> sa.Select:
    stmt = (
        sa.select(
            *columns, sa.func.count(Review.id).label("reviews"), sa.func.sum(Review.rating).label("stars")
        )
        .select_from(Review)
        .join(Product, Product.id == Review.product_id)
        .join(Seller, Seller.id == Product.seller_id)
        .where(
            Review.hidden_at.is_(None),
            Review.created_at >= filters.start_utc,
            Review.created_at < filters.end_utc,
        )
    )
    if filters.village_id is not None:
        stmt = stmt.where(Seller.village_id == filters.village_id)
    if filters.cluster_id is not None:
        stmt = stmt.where(Product.cluster_id == filters.cluster_id)
    return stmt


def _averaged(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["average"] = str(average_decimal(row["reviews"], row.pop("stars")))
    rows.sort(key=lambda row: (-float(row["average"]), -row["reviews"]))
    return rows


def ratings_by_village(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Per village (the seller's): reviews in the range and their average stars, best first."""
    stmt = _reviews((Region.slug, Region.name), filters).join(Region, Region.id == Seller.village_id)
    rows = session.execute(stmt.group_by(Region.id, Region.slug, Region.name)).all()
    return _averaged(
        [
            {"village": r.slug, "name": r.name, "reviews": int(r.reviews), "stars": int(r.stars or 0)}
            for r in rows
        ]
    )


def ratings_by_cluster(session: Session, filters: Filters, *, today: date, now: datetime) -> list[dict]:
    """Per product cluster: reviews in the range and their average stars, best first."""
    stmt = _reviews((Cluster.slug, Cluster.name_id, Cluster.name_en), filters).join(
        Cluster, Cluster.id == Product.cluster_id
    )
    rows = session.execute(stmt.group_by(Cluster.id, Cluster.slug, Cluster.name_id, Cluster.name_en)).all()
    return _averaged(
        [
            {
                "cluster": r.slug,
                "name_id": r.name_id,
                "name_en": r.name_en,
                "reviews": int(r.reviews),
                "stars": int(r.stars or 0),
            }
            for r in rows
        ]
    )
