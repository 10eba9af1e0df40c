"""The seller's products as a CSV file (dashboard/bulk.py reads it back): one row per variant,
streamed a batch of products at a time (issue 16)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Product
from marketplace.catalogue.variants import load_options_and_variants
from marketplace.dashboard import bulk
from marketplace.spreadsheets import safe_cell
from marketplace.views_support import csv_chunks

#: Products read (with their variants, options and pending changes) at a time by the export.
EXPORT_BATCH = 500


def iter_export_csv(session: Session, seller_ids: Sequence[int]) -> Iterator[str]:
    """Every product of the shops as CSV text in pieces, one row per variant, after a BOM so that
    spreadsheets read UTF-8; EXPORT_BATCH products at a time (issue 16: not all 2,000 at once)."""
    return csv_chunks(bulk.COLUMNS, _export_rows(session, seller_ids), prefix=bulk.BOM)


def _export_rows(session: Session, seller_ids: Sequence[int]) -> Iterator[list[str]]:
    after = 0
    while seller_ids:
        batch = sa.select(Product).where(Product.seller_id.in_(list(seller_ids)), Product.id > after)
        if not (products := list(session.scalars(batch.order_by(Product.id).limit(EXPORT_BATCH)))):
            return
        pending = bulk._pending_changes(session, [p.id for p in products])
        load_options_and_variants(session, products)
        for product in products:
            values = bulk._current_values(product, pending.get(product.id, {}))
            for variant in product.variants:
                row = values | bulk.variant_cells(product, variant)
                yield [safe_cell(row[name]) for name in bulk.COLUMNS]
        after = products[-1].id


def export_csv(session: Session, seller_ids: Sequence[int]) -> str:
    return "".join(iter_export_csv(session, seller_ids))
