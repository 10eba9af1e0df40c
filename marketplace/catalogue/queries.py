"""Core product query pieces that need nothing above the catalogue."""

from __future__ import annotations

from marketplace.catalogue.models import Product


def newest_order(cols=Product) -> tuple:
    """Newest first. Plain DESC (no NULLS LAST) so the (status, published_at) index serves it on
    both databases; an active product always has `published_at`, so where NULLs sort is moot."""
    return (cols.published_at.desc(), cols.id.desc())
