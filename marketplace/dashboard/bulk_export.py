"""The seller's products as a CSV file (dashboard/bulk.py reads it back): one row per variant,
streamed a batch of products at a time (issue 16)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Product, ProductOption, ProductVariant
from marketplace.curation.models import ProductRevision, RevisionStatus
from marketplace.dashboard import bulk
from marketplace.spreadsheets import safe_cell
from marketplace.views_support import csv_chunks

#: Products read (with their variants, options and pending changes) at a time by the export.
EXPORT_BATCH = 500

#: What `bulk._current_values` reads of a product: plain rows, not ORM objects (2,000 products
#: and 10,000 variants as objects were most of the download's CPU).
_PRODUCT_COLUMNS = (
    Product.id, Product.slug, Product.title_id, Product.title_en, Product.price_minor, Product.stock,
    Product.low_stock_threshold, Product.weight_grams, Product.length_mm, Product.width_mm,
    Product.height_mm, Product.processing_days, Product.exportable, Product.hs_code, Product.status,
)  # fmt: skip
_VARIANT_COLUMNS = (
    ProductVariant.product_id, ProductVariant.id, ProductVariant.value1, ProductVariant.value2,
    ProductVariant.value3, ProductVariant.sku, ProductVariant.price_minor, ProductVariant.stock,
)  # fmt: skip
#: The product's columns of a row (the first part of bulk.COLUMNS), then the variant's.
_HEAD = bulk.COLUMNS[: bulk.COLUMNS.index("variant_id")]
_STOCK = _HEAD.index("stock")


def iter_export_csv(session: Session, seller_ids: Sequence[int]) -> Iterator[str]:
    """Every product of the shops as CSV text in pieces, one row per variant, after a BOM so that
    spreadsheets read UTF-8; EXPORT_BATCH products at a time (issue 16: not all 2,000 at once)."""
    return csv_chunks(bulk.COLUMNS, _export_rows(session, seller_ids), prefix=bulk.BOM)


def _export_rows(session: Session, seller_ids: Sequence[int]) -> Iterator[list[str]]:
    after = 0
    while seller_ids:
        products = session.execute(
            sa.select(*_PRODUCT_COLUMNS)
            .where(Product.seller_id.in_(list(seller_ids)), Product.id > after)
            .order_by(Product.id)
            .limit(EXPORT_BATCH)
        ).all()
        if not products:
            return
        # The batch's children by the batch's own condition, not by 500 ids: a statement with 500
        # parameters cost more to compile and send than to run.
        in_batch = sa.select(Product.id).where(
            Product.seller_id.in_(list(seller_ids)), Product.id > after, Product.id <= products[-1].id
        )
        pending = _pending_changes(session, in_batch)
        positions, variants = _options_and_variants(session, in_batch)
        for product in products:
            values = bulk._current_values(product, pending.get(product.id, {}))
            head = [safe_cell(values[name]) for name in _HEAD]
            # variant_values_text: the variant's value at each option's position ("XL / Red").
            indexes = [position - 1 for position in positions.get(product.id, ())]
            for variant in variants.get(product.id, ()):
                row = head.copy()
                row[_STOCK] = str(variant.stock)
                values_of = (variant.value1, variant.value2, variant.value3)
                text = " / ".join(values_of[index] or "–" for index in indexes)
                price = "" if variant.price_minor is None else str(variant.price_minor)
                row += [str(variant.id), safe_cell(text), safe_cell(variant.sku), price]
                yield row
        after = products[-1].id


def _pending_changes(session: Session, in_batch: sa.Select) -> dict[int, dict]:
    """bulk._pending_changes of the batch's products."""
    rows = session.execute(
        sa.select(ProductRevision.product_id, ProductRevision.changes).where(
            ProductRevision.product_id.in_(in_batch), ProductRevision.status == RevisionStatus.PENDING
        )
    )
    return {product_id: changes or {} for product_id, changes in rows}


def _options_and_variants(
    session: Session, in_batch: sa.Select
) -> tuple[dict[int, list[int]], dict[int, list]]:
    """{product id: its options' positions in order}, {product id: its variants' rows in order}."""
    positions: dict[int, list[int]] = defaultdict(list)
    for product_id, position in session.execute(
        sa.select(ProductOption.product_id, ProductOption.position)
        .where(ProductOption.product_id.in_(in_batch))
        .order_by(ProductOption.product_id, ProductOption.position)
    ):
        positions[product_id].append(position)
    variants: dict[int, list] = defaultdict(list)
    for variant in session.execute(
        sa.select(*_VARIANT_COLUMNS)
        .where(ProductVariant.product_id.in_(in_batch))
        .order_by(ProductVariant.product_id, ProductVariant.position, ProductVariant.id)
    ):
        variants[variant.product_id].append(variant)
    return positions, variants


def export_csv(session: Session, seller_ids: Sequence[int]) -> str:
    return "".join(iter_export_csv(session, seller_ids))
