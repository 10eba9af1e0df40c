"""Curator decisions on sellers' applications, new listings and changes to live listings.

The `decide_*` rules: each takes the session first, flushes only and raises marketplace.errors;
the view commits once and then deletes the files the decision made obsolete.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalogue.models import Product, ProductImage, ProductStatus, ProductVariant
from marketplace.curation.models import ProductRevision, RevisionStatus
from marketplace.curation.revisions import drop_revision_photos
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.errors import InvalidInput
from marketplace.i18n import message as _l
from marketplace.seller.common import REVIEWED_FIELDS, FileToDelete, clean_text
from marketplace.seller.models import Seller, SellerStatus


def _claim_seller(session: Session, seller: Seller, values: dict) -> bool:
    result = session.execute(
        sa.update(Seller)
        .where(Seller.id == seller.id, Seller.status == SellerStatus.PENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.expire(seller)
    return result.rowcount == 1


def decide_application(
    session: Session, *, seller: Seller, approve: bool, curator: User, note: str, now: datetime
) -> bool:
    """Approve or reject a pending application and email the applicant. False if already decided."""
    note = clean_text(note)[:2000]
    if not approve and not note:
        raise InvalidInput({"note": _l("Write the reason, so the applicant knows what to fix.")})
    values = (
        {"status": SellerStatus.APPROVED, "approved_at": now, "review_note": note}
        if approve
        else {"status": SellerStatus.REJECTED, "approved_at": None, "review_note": note}
    )
    if not _claim_seller(session, seller, values):
        return False
    if approve:
        subject = lazy_gettext("Your shop %(name)s is approved", name=seller.name)
        body = lazy_gettext("You can now add your products. A curator checks each one before buyers see it.")
    else:
        subject = lazy_gettext("Your application for %(name)s needs changes", name=seller.name)
        body = lazy_gettext(
            "A curator could not approve your application yet. You can correct it and apply again."
        )
    _notify_seller(session, seller, subject=subject, body=body, note=note, endpoint="seller.dashboard")
    return True


def _notify_seller(session: Session, seller: Seller, *, subject, body, note: str, endpoint: str, **values):
    """Queue an email to the account that runs `seller` (no account: nobody to tell)."""
    user = session.get(User, seller.user_id) if seller.user_id else None
    if user is None:
        return
    send_email(
        session,
        to=user.email,
        subject=subject,
        template="seller_notice",
        lang=user.locale,
        context={"name": user.name, "body": body, "note": note, "link": external_url(endpoint, **values)},
    )


def decide_product(
    session: Session, *, product: Product, approve: bool, curator: User, note: str, now: datetime
) -> bool:
    """A new listing: approve (it goes live) or send it back to the seller as a draft."""
    note = clean_text(note)[:2000]
    if not approve and not note:
        raise InvalidInput({"note": _l("Write the reason, so the seller knows what to fix.")})
    result = session.execute(
        sa.update(Product)
        .where(Product.id == product.id, Product.status == ProductStatus.PENDING_REVIEW)
        .values(
            status=ProductStatus.ACTIVE if approve else ProductStatus.DRAFT,
            published_at=sa.func.coalesce(Product.published_at, now) if approve else Product.published_at,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.expire(product)
    if result.rowcount != 1:
        return False
    if not approve:
        # Kept so the seller's product page can show the note (the email may get lost).
        session.add(
            ProductRevision(
                product_id=product.id, status=RevisionStatus.REJECTED, changes={}, reviewed_by_id=curator.id,
                reviewed_at=now, reviewer_note=note, created_at=now, updated_at=now,
            )
        )  # fmt: skip
        session.flush()
    if approve:
        subject = lazy_gettext("“%(title)s” is now on sale", title=product.title_id)
        body = lazy_gettext("A curator approved your product. Buyers can find it now.")
    else:
        subject = lazy_gettext("“%(title)s” needs changes", title=product.title_id)
        body = lazy_gettext("A curator sent your product back. Correct it and send it for review again.")
    _notify_seller(
        session, product.seller, subject=subject, body=body, note=note,
        endpoint="seller.edit_product", product_id=product.id,
    )  # fmt: skip
    return True


def decide_revision(
    session: Session, *, revision: ProductRevision, approve: bool, curator: User, note: str, now: datetime
) -> list[FileToDelete] | None:
    """Apply a live product's pending change (text, price, photos) or reject it.

    Returns the renditions that no row uses any more (removed live photos on approval, the new
    uploads on rejection) for `delete_files` after commit; None when the change was no longer
    pending (decided meanwhile, e.g. a double submit): nothing changed then.
    """
    note = clean_text(note)[:2000]
    if not approve and not note:
        raise InvalidInput({"note": _l("Write the reason, so the seller knows what to fix.")})
    claimed = session.execute(
        sa.update(ProductRevision)
        .where(ProductRevision.id == revision.id, ProductRevision.status == RevisionStatus.PENDING)
        .values(
            status=RevisionStatus.APPROVED if approve else RevisionStatus.REJECTED,
            reviewed_by_id=curator.id,
            reviewed_at=now,
            reviewer_note=note,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        session.expire(revision)
        return None
    session.expire(revision, ["status", "reviewed_by_id", "reviewed_at", "reviewer_note"])
    product = revision.product
    changes = revision.changes or {}
    files: list[FileToDelete] = []
    if approve:
        for name in REVIEWED_FIELDS:
            if name in changes:
                setattr(product, name, changes[name])
        if "photos" in changes:
            files = _apply_photos(session, product, revision, changes["photos"])
        for key, price in (changes.get("variant_prices") or {}).items():
            variant = session.get(ProductVariant, int(key))
            if variant is not None and variant.product_id == product.id:  # not deleted since
                variant.price_minor = price
        product.updated_at = now
        subject = lazy_gettext("Your changes to “%(title)s” are live", title=product.title_id)
        body = lazy_gettext("A curator approved your changes. Buyers see them now.")
    else:
        files = drop_revision_photos(session, revision, keep=set())
        subject = lazy_gettext("Your changes to “%(title)s” were not approved", title=product.title_id)
        body = lazy_gettext("Buyers still see the previous version. You can edit the product again.")
    session.flush()
    _notify_seller(
        session, product.seller, subject=subject, body=body, note=note,
        endpoint="seller.edit_product", product_id=product.id,
    )  # fmt: skip
    return files


def _apply_photos(
    session: Session, product: Product, revision: ProductRevision, tokens: list[str]
) -> list[FileToDelete]:
    live = {f"i{image.id}": image for image in product.images}
    pending = {f"p{photo.id}": photo for photo in revision.photos}
    kept: set[str] = set()
    position = 0
    for token in tokens:
        if token in live:
            live[token].position = position
        elif token in pending:
            photo = pending[token]
            product.images.append(
                ProductImage(
                    position=position,
                    storage_key=photo.storage_key,
                    width=photo.width,
                    height=photo.height,
                    alt_id=product.title_id[:200],
                    alt_en=(product.title_en or "")[:200],
                )
            )
        else:
            continue
        kept.add(token)
        position += 1
    files = []
    for token, image in live.items():
        if token not in kept:
            files.append(FileToDelete(image.storage_key, image.width))
            product.images.remove(image)
    for token, photo in pending.items():
        if token not in kept:
            files.append(FileToDelete(photo.storage_key, photo.width))
        revision.photos.remove(photo)  # its files now belong to the new ProductImage (if kept)
    session.flush()
    return files
