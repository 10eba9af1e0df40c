"""What pages read of reviews, each in a fixed number of statements whatever the catalogue's size.

list_product_reviews(session, product_id, limit=) -> list[Review]   visible, photos first
rating_distribution(session, product_id) -> {stars: count}          visible reviews
shop_rating(session, seller_id) -> (count, stars)                   the shop's public products
reviews_by_line(session, line_ids) -> {line id: Review}
list_seller_reviews(session, seller_ids, limit=) -> list[Review]
list_reported_reviews(session, limit=) -> list[Review]
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from marketplace.catalogue.models import Product
from marketplace.reviews.models import Review, ReviewReport
from marketplace.seller.visibility import public_products_filter

PRODUCT_PAGE_REVIEWS = 20
LIST_LIMIT = 200


def list_product_reviews(
    session: Session, product_id: int, *, limit: int = PRODUCT_PAGE_REVIEWS
) -> list[Review]:
    """The product's visible reviews, those with photos first, then newest (two statements)."""
    stmt = (
        sa.select(Review)
        .where(Review.product_id == product_id, Review.hidden_at.is_(None))
        .order_by((Review.photo_count > 0).desc(), Review.created_at.desc(), Review.id.desc())
        .limit(limit)
        .options(selectinload(Review.photos))
    )
    return list(session.scalars(stmt))


def list_product_reviews_page(session: Session, product_id: int, *, page: int, per_page: int) -> list[Review]:
    """One page of the product's visible reviews in the product page's order (two statements)."""
    stmt = (
        sa.select(Review)
        .where(Review.product_id == product_id, Review.hidden_at.is_(None))
        .order_by((Review.photo_count > 0).desc(), Review.created_at.desc(), Review.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
        .options(selectinload(Review.photos))
    )
    return list(session.scalars(stmt))


def rating_distribution(session: Session, product_id: int) -> dict[int, int]:
    """{5: n, 4: n, …, 1: n} of the product's visible reviews (one statement)."""
    rows = session.execute(
        sa.select(Review.rating, sa.func.count())
        .where(Review.product_id == product_id, Review.hidden_at.is_(None))
        .group_by(Review.rating)
    ).all()
    counts = {stars: 0 for stars in range(5, 0, -1)}
    for stars, count in rows:
        counts[int(stars)] = int(count)
    return counts


def shop_rating_columns(seller_id) -> tuple:
    """(reviews, stars) of a shop's public products from their counters, as two scalar subqueries
    to select beside the seller (`seller_id` a column or a value): no statement of their own."""

    def total(column):
        return (
            sa.select(sa.func.coalesce(sa.func.sum(column), 0))
            .where(Product.seller_id == seller_id, public_products_filter())
            .scalar_subquery()
        )

    return total(Product.rating_count).label("rating_count"), total(Product.rating_sum).label("rating_sum")


def reviews_by_line(session: Session, line_ids: Sequence[int]) -> dict[int, Review]:
    if not line_ids:
        return {}
    rows = session.scalars(sa.select(Review).where(Review.order_line_id.in_(list(line_ids))))
    return {review.order_line_id: review for review in rows}


def list_seller_reviews(
    session: Session, seller_ids: Sequence[int], *, limit: int = LIST_LIMIT
) -> list[Review]:
    """The shops' reviews, hidden ones too (the shop sees that they were hidden), newest first."""
    if not seller_ids:
        return []
    stmt = (
        sa.select(Review)
        .where(Review.seller_id.in_(list(seller_ids)))
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(limit)
        .options(selectinload(Review.photos))
    )
    return list(session.scalars(stmt))


def list_reported_reviews(session: Session, *, limit: int = LIST_LIMIT) -> list[Review]:
    """Visible reviews with reports no curator looked at yet, most reported first."""
    stmt = (
        sa.select(Review)
        .where(Review.open_reports > 0, Review.hidden_at.is_(None))
        .order_by(Review.open_reports.desc(), Review.id)
        .limit(limit)
        .options(selectinload(Review.photos))
    )
    return list(session.scalars(stmt))


def report_reasons(session: Session, review_ids: Sequence[int]) -> dict[int, list[str]]:
    """The reasons given in the reports of these reviews (one statement)."""
    if not review_ids:
        return {}
    reasons: dict[int, list[str]] = {}
    rows = session.execute(
        sa.select(ReviewReport.review_id, ReviewReport.reason)
        .where(ReviewReport.review_id.in_(list(review_ids)))
        .order_by(ReviewReport.id)
    )
    for review_id, reason in rows:
        reasons.setdefault(review_id, []).append(reason)
    return reasons


def count_reported_reviews(session: Session) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Review)
            .where(Review.open_reports > 0, Review.hidden_at.is_(None))
        )
        or 0
    )


def product_titles(session: Session, product_ids: Sequence[int]) -> dict[int, Product]:
    """{product id: Product} for the titles of a list of reviews (one statement)."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    return {product.id: product for product in session.scalars(sa.select(Product).where(Product.id.in_(ids)))}
