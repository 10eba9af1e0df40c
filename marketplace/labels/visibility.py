"""Which quality labels a buyer may see: verified, and `valid_until` empty or not before today's
date in the market's time zone (so expiry needs no job). SQL conditions and their Python twins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, array

from marketplace.catalogue.models import Product
from marketplace.labels.models import LabelStatus, LabelType, ProductLabel


def visible_label_filter(today: date) -> sa.ColumnElement[bool]:
    """SQL condition on `ProductLabel`: verified and not expired on `today` (market date)."""
    return sa.and_(
        ProductLabel.status == LabelStatus.VERIFIED,
        sa.or_(ProductLabel.valid_until.is_(None), ProductLabel.valid_until >= today),
    )


def has_visible_label_filter(label_code, today, product_id=Product.id) -> sa.ColumnElement[bool]:
    """SQL condition: the product (`product_id` column) carries a visible label of this type code,
    asked of its labels (`label_code`, `today`: values or bind parameters)."""
    return product_id.in_(
        sa.select(ProductLabel.product_id)
        .join(LabelType, LabelType.id == ProductLabel.label_type_id)
        .where(LabelType.code == label_code, visible_label_filter(today))
    )


def label_code_token(label_code: str) -> str:
    """What precedes the code's date in `Product.label_codes` (labels.label_codes)."""
    return f" {label_code} :"


def label_day(today: date) -> str:
    """`today` as the dates in `Product.label_codes` are written."""
    return today.strftime("%Y%m%d")


def has_listed_label_filter(label_code, token, day) -> sa.ColumnElement[bool]:
    """PostgreSQL: `has_visible_label_filter` asked of the product's own row (`label_codes`, kept
    by labels.label_codes): the code among its words - which the GIN index
    `ix_products_label_codes` answers, so only the label's own products are read - and the date
    after it not before today. `label_code`,
    `token` (`label_code_token`) and `day` (`label_day`) are values or bind parameters."""
    words = sa.func.string_to_array(Product.label_codes, sa.literal_column("' '"), type_=ARRAY(sa.Text))
    listed = words.contains(array([sa.cast(label_code, sa.Text)]))
    at = sa.func.strpos(Product.label_codes, token) + sa.func.length(token)
    return sa.and_(listed, sa.func.substr(Product.label_codes, at, 8) >= day)


def is_label_visible(label: ProductLabel, today: date) -> bool:
    """The Python twin of `visible_label_filter`, for labels already loaded."""
    return label.status == LabelStatus.VERIFIED and (label.valid_until is None or label.valid_until >= today)


def visible_labels(product: Product, today: date) -> list[ProductLabel]:
    """The product's labels a buyer may see, ordered by label type. Uses the loaded `labels`."""
    shown = [label for label in product.labels if is_label_visible(label, today)]
    return one_label_per_type(
        sorted(shown, key=lambda label: (label.label_type.position, label.label_type.code))
    )


def _lasts_longer(label: ProductLabel, other: ProductLabel) -> bool:
    # No end date outlasts any date; between two dates the later wins; ties go to the newer row.
    mine = (label.valid_until is None, label.valid_until or date.min, label.id or 0)
    theirs = (other.valid_until is None, other.valid_until or date.min, other.id or 0)
    return mine > theirs


def one_label_per_type(labels: Sequence[ProductLabel]) -> list[ProductLabel]:
    """A renewed label (old and new both verified and valid) is shown once: the one lasting longest.

    Keeps the order of `labels`, at the position of the type's first label.
    """
    best: dict[int, ProductLabel] = {}
    for label in labels:
        current = best.get(label.label_type_id)
        if current is None or _lasts_longer(label, current):
            best[label.label_type_id] = label
    seen: set[int] = set()
    kept = []
    for label in labels:
        if label.label_type_id not in seen:
            seen.add(label.label_type_id)
            kept.append(best[label.label_type_id])
    return kept
