"""What review pages and sections show, precomputed: stars, averages, bars, review cards.

Averages are computed from integer counters (`rating_sum`, `rating_count`), rounded half-up to
one decimal with integer arithmetic, and formatted in the reader's locale ("4,5" / "4.5").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from flask import url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from marketplace.i18n import local_datetime
from marketplace.media import picture_attrs
from marketplace.reviews import queries
from marketplace.reviews.models import Review
from marketplace.timezones import jakarta_date

FULL, EMPTY = "★", "☆"


def average_tenths(count: int, stars: int) -> int:
    """The average rating in tenths (45 = 4.5), half-up; 0 without reviews."""
    if count <= 0:
        return 0
    return (stars * 20 + count) // (2 * count)


def average_decimal(count: int, stars: int) -> Decimal:
    """The average with one decimal, e.g. Decimal("4.0")."""
    return (Decimal(average_tenths(count, stars)) / 10).quantize(Decimal("0.1"))


def star_glyphs(tenths: int) -> str:
    """Five stars, the average rounded half-up to whole stars (4.5 → ★★★★★, 4.4 → ★★★★☆)."""
    full = max(0, min(5, (tenths + 5) // 10))
    return FULL * full + EMPTY * (5 - full)


@dataclass(frozen=True)
class RatingSummary:
    count: int
    #: "4.5" in the reader's locale.
    average: str
    #: Five star glyphs, decorative (aria-hidden); `label` says the same in words.
    stars: str
    #: "4.5 out of 5 stars"
    label: str
    #: "12 reviews"
    count_text: str


def rating_summary(count: int, stars: int) -> RatingSummary | None:
    """The one-line rating of a product or a shop; None without (visible) reviews."""
    if count <= 0:
        return None
    tenths = average_tenths(count, stars)
    average = format_decimal(Decimal(tenths) / 10, format="0.0")
    return RatingSummary(
        count=count,
        average=average,
        stars=star_glyphs(tenths),
        label=_("%(average)s out of 5 stars", average=average),
        count_text=ngettext("%(num)d review", "%(num)d reviews", count),
    )


def sold_text(units: int) -> str:
    """ "12 sold" on a card; empty before the first delivered unit."""
    if units <= 0:
        return ""
    return ngettext("%(num)d sold", "%(num)d sold", units)


@dataclass(frozen=True)
class DistributionRow:
    stars: int
    count: int
    total: int
    #: "5 stars: 8 reviews", the row's text for everyone (the bar beside it is decorative).
    label: str


@dataclass
class ReviewCard:
    id: int
    author: str
    stars: str
    rating_label: str
    date: str
    body: list[str]
    #: The language the buyer wrote in (set as `lang` on the text when it is not the page's).
    lang: str
    photos: list[dict] = field(default_factory=list)
    reply: list[str] = field(default_factory=list)
    reply_date: str = ""
    report_url: str = ""
    hidden: bool = False
    hidden_reason: str = ""
    product: str = ""
    product_url: str = ""
    reply_url: str = ""
    open_reports: int = 0
    reasons: list[str] = field(default_factory=list)


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split("\n") if part.strip()]


def review_card(review: Review, *, alt: str) -> ReviewCard:
    return ReviewCard(
        id=review.id,
        author=review.author_name or _("A buyer"),
        stars=star_glyphs(review.rating * 10),
        rating_label=ngettext("%(num)d out of 5 stars", "%(num)d out of 5 stars", review.rating),
        date=local_datetime(review.created_at, "d MMM yyyy"),
        body=_paragraphs(review.body),
        lang=review.lang,
        photos=[
            {
                **picture_attrs(photo, wanted_width=320),
                "alt": _(
                    "Photo %(n)d from %(author)s's review of %(product)s",
                    n=index + 1,
                    author=review.author_name or _("a buyer"),
                    product=alt,
                ),
            }
            for index, photo in enumerate(review.photos)
            if review.hidden_at is None  # a hidden review's files are deleted
        ],
        reply=_paragraphs(review.reply_body),
        reply_date=local_datetime(review.reply_at, "d MMM yyyy") if review.reply_at else "",
        report_url=url_for("reviews.report", review_id=review.id),
        hidden=review.hidden_at is not None,
        hidden_reason=review.hidden_reason,
        open_reports=review.open_reports,
    )


@dataclass(frozen=True)
class ProductReviews:
    summary: RatingSummary | None
    distribution: list[DistributionRow]
    reviews: list[ReviewCard]
    #: "See all 31 reviews" when the product page shows only the first ones.
    more_url: str = ""
    more_text: str = ""


def product_reviews(
    count: int,
    stars: int,
    reviews: Sequence[Review],
    distribution: Mapping[int, int],
    *,
    title: str,
    product_id: int | None = None,
) -> ProductReviews:
    """templates/storefront/_reviews.html: the summary, the 5★…1★ rows and the review cards."""
    summary = rating_summary(count, stars)
    rows = [
        DistributionRow(
            stars=level,
            count=distribution.get(level, 0),
            total=count,
            label=ngettext(
                "%(stars)d stars: %(num)d",
                "%(stars)d stars: %(num)d",
                distribution.get(level, 0),
                stars=level,
            )
            if level > 1
            else ngettext("1 star: %(num)d", "1 star: %(num)d", distribution.get(level, 0)),
        )
        for level in range(5, 0, -1)
    ]
    more = count > len(reviews) and product_id is not None
    return ProductReviews(
        summary=summary,
        distribution=rows if summary else [],
        reviews=[review_card(review, alt=title) for review in reviews],
        more_url=url_for("reviews.product_reviews", product_id=product_id) if more else "",
        more_text=ngettext("See all %(num)d review", "See all %(num)d reviews", count) if more else "",
    )


def json_ld_rating(count: int, stars: int) -> dict | None:
    """schema.org AggregateRating (the value a decimal string), or None without reviews."""
    if count <= 0:
        return None
    return {
        "@type": "AggregateRating",
        "ratingValue": str(average_decimal(count, stars)),
        "reviewCount": count,
        "bestRating": 5,
        "worstRating": 1,
    }


def json_ld_reviews(reviews: Sequence[Review], *, limit: int = 5) -> list[dict]:
    """schema.org Review entries of the first visible reviews."""
    return [
        {
            "@type": "Review",
            "author": {"@type": "Person", "name": review.author_name or "Pembeli"},
            "datePublished": jakarta_date(review.created_at).isoformat(),
            "reviewBody": review.body[:2000],
            "inLanguage": review.lang,
            "reviewRating": {
                "@type": "Rating",
                "ratingValue": review.rating,
                "bestRating": 5,
                "worstRating": 1,
            },
        }
        for review in list(reviews)[:limit]
    ]


@dataclass(frozen=True)
class ProductPageReviews:
    """What the product page shows of its reviews, and what its JSON-LD says of them."""

    view: object
    json_ld_rating: dict | None
    json_ld_reviews: list[dict]


def product_page_reviews(session, product, *, title: str) -> ProductPageReviews:
    """The product page's reviews section and JSON-LD. The product's counters say whether there is
    anything to read: a product without reviews costs no query, one with reviews two."""
    reviews, distribution = [], {}
    if product.rating_count > 0:
        reviews = queries.list_product_reviews(session, product.id)
        distribution = queries.rating_distribution(session, product.id)
    return ProductPageReviews(
        view=product_reviews(
            product.rating_count,
            product.rating_sum,
            reviews,
            distribution,
            title=title,
            product_id=product.id,
        ),
        json_ld_rating=json_ld_rating(product.rating_count, product.rating_sum),
        json_ld_reviews=json_ld_reviews(reviews),
    )


def editable_photos(review: Review, *, alt: str, removing=()) -> list[dict]:
    """The author's photos on the form that changes their review: each as the product page shows
    it, with its id (the "Remove" box's value) and whether that box is ticked."""
    ticked = set(removing)
    photos = review_card(review, alt=alt).photos
    return [
        {**shown, "id": photo.id, "removing": photo.id in ticked}
        for shown, photo in zip(photos, review.photos, strict=True)
    ]
