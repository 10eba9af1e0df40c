"""Product photos: an upload processed by media and stored as the product's last `ProductImage`;
the `PhotoEntry` a seller and a curator see for each photo, live or waiting for review."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from marketplace.catalogue.models import Product, ProductImage
from marketplace.media import picture_attrs
from marketplace.media.images import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    ProcessedImage,
    delete_quietly,
    new_storage_key,
    process_upload,
    save_renditions,
)
from marketplace.media.storage import MediaStorage


@dataclass(frozen=True)
class PhotoEntry:
    """One photo in the order the seller sees it. token: "i<ProductImage id>" or "p<RevisionPhoto id>"."""

    token: str
    storage_key: str
    width: int
    height: int
    awaiting_review: bool


def photo_view(entry: PhotoEntry, alt: str, *, width: int = 320) -> dict:
    """A photo's <picture> attributes for a template, with its token and review state."""
    attrs = picture_attrs(entry, wanted_width=width)
    return {**attrs, "token": entry.token, "alt": alt, "awaiting_review": entry.awaiting_review}


def store_product_image(
    session,
    storage: MediaStorage,
    *,
    product: Product,
    data: bytes,
    alt_id: str = "",
    alt_en: str = "",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> ProductImage:
    """Validate and re-encode an upload, store its renditions and add it as the product's last photo.

    Flushes only. Raises ValidationError (nothing stored, no row) for a file process_upload
    refuses. If storing or the flush fails, the renditions already written are deleted.
    """
    processed = process_upload(data, max_bytes=max_bytes, max_pixels=max_pixels)
    return add_processed_image(
        session, storage, product=product, processed=processed, alt_id=alt_id, alt_en=alt_en
    )


def add_processed_image(
    session,
    storage: MediaStorage,
    *,
    product: Product,
    processed: ProcessedImage,
    alt_id: str = "",
    alt_en: str = "",
) -> ProductImage:
    """The storing half of store_product_image, for renditions process_upload already made.

    Lets bulk loaders (the demo seed) run process_upload in parallel threads. Flushes only; if
    storing or the flush fails, the renditions already written are deleted.
    """
    if product.id is None:
        session.flush()
    last = session.scalar(
        sa.select(sa.func.max(ProductImage.position)).where(ProductImage.product_id == product.id)
    )
    storage_key = new_storage_key()
    written = save_renditions(storage, processed, storage_key)
    try:
        image = ProductImage(
            product_id=product.id,
            position=0 if last is None else last + 1,
            storage_key=storage_key,
            width=processed.width,
            height=processed.height,
            alt_id=alt_id[:200],
            alt_en=alt_en[:200],
        )
        session.add(image)
        session.flush()
    except BaseException:
        delete_quietly(storage, written)
        raise
    return image
