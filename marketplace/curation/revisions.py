"""A product's pending revision (changes to a live product waiting for a curator) and its photos.

Shared by the seller's dashboard, which writes revisions, and the curator review, which decides them.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Product, ProductStatus
from marketplace.catalogue.photos import PhotoEntry
from marketplace.curation.models import ProductRevision, RevisionStatus
from marketplace.seller.common import FileToDelete


def find_pending_revision(session: Session, product: Product) -> ProductRevision | None:
    return session.scalar(
        sa.select(ProductRevision).where(
            ProductRevision.product_id == product.id, ProductRevision.status == RevisionStatus.PENDING
        )
    )


def open_revision(session: Session, product: Product, *, actor_id: int, now: datetime) -> ProductRevision:
    # Lock the product row first (PostgreSQL; SQLite's write lock), so two edits at
    # once cannot both create "the" pending revision: the second waits, then finds the first.
    session.execute(sa.select(Product.id).where(Product.id == product.id).with_for_update())
    revision = find_pending_revision(session, product)
    if revision is None:
        revision = ProductRevision(
            product_id=product.id, status=RevisionStatus.PENDING, changes={}, created_at=now, updated_at=now
        )
        session.add(revision)
    revision.submitted_by_id = actor_id
    revision.updated_at = now
    return revision


def drop_revision_photos(
    session: Session, revision: ProductRevision, *, keep: set[int]
) -> list[FileToDelete]:
    files = []
    for photo in list(revision.photos):
        if photo.id not in keep:
            files.append(FileToDelete(photo.storage_key, photo.width))
            revision.photos.remove(photo)
    session.flush()
    return files


def live_tokens(product: Product) -> list[str]:
    """The live photos' tokens ("i<ProductImage id>") in their order."""
    return [f"i{image.id}" for image in sorted(product.images, key=lambda i: (i.position, i.id))]


def list_photos(session: Session, product: Product) -> list[PhotoEntry]:
    """The photos as the seller arranged them (for an active product: including pending changes)."""
    revision = find_pending_revision(session, product) if product.status == ProductStatus.ACTIVE else None
    live = {f"i{image.id}": image for image in product.images}
    if revision is None or "photos" not in (revision.changes or {}):
        return [
            PhotoEntry(t, live[t].storage_key, live[t].width, live[t].height, False)
            for t in live_tokens(product)
        ]
    pending = {f"p{photo.id}": photo for photo in revision.photos}
    entries = []
    for token in revision.changes["photos"]:
        if token in live:
            image = live[token]
            entries.append(PhotoEntry(token, image.storage_key, image.width, image.height, False))
        elif token in pending:
            photo = pending[token]
            entries.append(PhotoEntry(token, photo.storage_key, photo.width, photo.height, True))
    return entries
