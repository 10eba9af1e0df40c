"""A listing's photos: add, reorder, delete; on a live product the new order waits for review."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from marketplace.catalogue.models import Product, ProductStatus
from marketplace.catalogue.photos import PhotoEntry, add_processed_image
from marketplace.curation.models import ProductRevision, RevisionPhoto
from marketplace.curation.revisions import drop_revision_photos, list_photos, live_tokens, open_revision
from marketplace.errors import Conflict, DomainError, NotFound
from marketplace.i18n import message as _l
from marketplace.media.images import (
    new_storage_key,
    process_upload,
    save_renditions,
)
from marketplace.media.storage import MediaStorage
from marketplace.seller.common import MAX_PHOTOS, FileToDelete, clean_text, delete_files


def _proposed_tokens(session: Session, product: Product, revision: ProductRevision) -> list[str]:
    tokens = (revision.changes or {}).get("photos")
    return list(tokens) if tokens is not None else live_tokens(product)


def add_photo(
    session: Session,
    storage: MediaStorage,
    *,
    product: Product,
    data: bytes,
    actor_id: int,
    now: datetime,
    limits: dict | None = None,
) -> PhotoEntry:
    """Check, re-encode and store an upload as the product's last photo.

    On an ACTIVE product the photo waits in the pending revision. Raises ValidationError (nothing
    stored) for a file the media pipeline refuses, Conflict at MAX_PHOTOS or for archived products.
    """
    if product.status == ProductStatus.ARCHIVED:
        raise Conflict(_l("Restore the product before you change its photos."))
    if len(list_photos(session, product)) >= MAX_PHOTOS:
        raise Conflict(_l("A product can have at most %(max)d photos. Delete one first.", max=MAX_PHOTOS))
    processed = process_upload(data, **(limits or {}))
    if product.status != ProductStatus.ACTIVE:
        title = clean_text(product.title_id)
        image = add_processed_image(
            session,
            storage,
            product=product,
            processed=processed,
            alt_id=title,
            alt_en=product.title_en or "",
        )
        product.updated_at = now
        session.expire(product, ["images"])
        return PhotoEntry(f"i{image.id}", image.storage_key, image.width, image.height, False)

    revision = open_revision(session, product, actor_id=actor_id, now=now)
    session.flush()
    tokens = _proposed_tokens(session, product, revision)
    storage_key = new_storage_key()
    save_renditions(storage, processed, storage_key)
    try:
        photo = RevisionPhoto(
            revision_id=revision.id,
            storage_key=storage_key,
            width=processed.width,
            height=processed.height,
            created_at=now,
        )
        session.add(photo)
        session.flush()
        revision.changes = {**(revision.changes or {}), "photos": [*tokens, f"p{photo.id}"]}
        session.flush()
    except BaseException:
        delete_files(storage, [FileToDelete(storage_key, processed.width)])
        raise
    session.expire(revision, ["photos"])
    return PhotoEntry(f"p{photo.id}", storage_key, photo.width, photo.height, True)


@dataclass(frozen=True)
class Upload:
    """One file of a POST: the name the phone gave it (shown back in messages) and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Refusal:
    """A file that was not stored, with the reason in the request's language and its HTTP status."""

    name: str
    message: str
    status: int


def add_photos(
    session: Session,
    storage: MediaStorage,
    *,
    product: Product,
    uploads: Sequence[Upload],
    actor_id: int,
    now: datetime,
    limits: dict | None = None,
) -> tuple[list[PhotoEntry], list[Refusal]]:
    """Add several uploads in turn through add_photo, each checked on its own.

    A file the media pipeline refuses, or one past MAX_PHOTOS, leaves nothing behind (its own
    savepoint) and comes back as a Refusal naming it; the files before and after it are stored.
    Raises Conflict for an archived product (nothing stored).
    """
    if product.status == ProductStatus.ARCHIVED:
        raise Conflict(_l("Restore the product before you change its photos."))
    added: list[PhotoEntry] = []
    refused: list[Refusal] = []
    for upload in uploads:
        try:
            with session.begin_nested():
                entry = add_photo(
                    session,
                    storage,
                    product=product,
                    data=upload.data,
                    actor_id=actor_id,
                    now=now,
                    limits=limits,
                )
        except DomainError as error:
            refused.append(Refusal(upload.name, str(error.message), error.status))
        else:
            added.append(entry)
    return added, refused


def move_photo(
    session: Session, *, product: Product, token: str, offset: int, actor_id: int, now: datetime
) -> None:
    """Move a photo one place up (offset -1) or down (+1); the first photo is the cover."""
    if product.status == ProductStatus.ARCHIVED:
        raise Conflict(_l("Restore the product before you change its photos."))
    tokens = [entry.token for entry in list_photos(session, product)]
    if token not in tokens:
        raise NotFound(_l("Not found."))
    index = tokens.index(token)
    target = index + offset
    if not 0 <= target < len(tokens) or offset not in (-1, 1):
        return
    tokens[index], tokens[target] = tokens[target], tokens[index]
    if product.status == ProductStatus.ACTIVE:
        revision = open_revision(session, product, actor_id=actor_id, now=now)
        revision.changes = {**(revision.changes or {}), "photos": tokens}
    else:
        by_token = {f"i{image.id}": image for image in product.images}
        for position, item in enumerate(tokens):
            by_token[item].position = position
        product.updated_at = now
    session.flush()
    session.expire(product, ["images"])


def delete_photo(
    session: Session, *, product: Product, token: str, actor_id: int, now: datetime
) -> list[FileToDelete]:
    """Remove a photo. On an ACTIVE product a live photo stays until the change is approved."""
    if product.status == ProductStatus.ARCHIVED:
        raise Conflict(_l("Restore the product before you change its photos."))
    entries = list_photos(session, product)
    tokens = [entry.token for entry in entries]
    if token not in tokens:
        raise NotFound(_l("Not found."))
    remaining = [t for t in tokens if t != token]
    if product.status == ProductStatus.ACTIVE:
        revision = open_revision(session, product, actor_id=actor_id, now=now)
        revision.changes = {**(revision.changes or {}), "photos": remaining}
        files = []
        if token.startswith("p"):
            files = drop_revision_photos(
                session, revision, keep={int(t[1:]) for t in remaining if t[0] == "p"}
            )
        session.flush()
        return files
    images = {f"i{image.id}": image for image in product.images}
    image = images[token]
    files = [FileToDelete(image.storage_key, image.width)]
    product.images.remove(image)
    for position, item in enumerate(remaining):
        images[item].position = position
    product.updated_at = now
    session.flush()
    return files
