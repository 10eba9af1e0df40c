"""A seller's listings: create, edit (changes to a live product wait for a curator), submit, archive."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from marketplace.catalogue.models import Cluster, Product, ProductStatus
from marketplace.curation.models import ProductRevision, RevisionStatus
from marketplace.curation.revisions import drop_revision_photos, find_pending_revision, open_revision
from marketplace.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from marketplace.i18n import message as _l
from marketplace.seller.common import (
    DIRECT_FIELDS,
    HS_CODE,
    MAX_DIMENSION_CM,
    MAX_LOW_STOCK_THRESHOLD,
    MAX_PRICE_MINOR,
    MAX_PROCESSING_DAYS,
    MAX_WEIGHT_GRAMS,
    REVIEWED_FIELDS,
    FileToDelete,
    clean_text,
    unique_slug,
)
from marketplace.seller.models import Seller, SellerStatus
from marketplace.stock.models import StockMovement, StockMovementKind
from marketplace.stock.services import MAX_STOCK


@dataclass(frozen=True)
class ProductInput:
    """What the product form posts, already parsed to numbers (None when left empty)."""

    cluster_id: int | None
    title_id: str
    title_en: str
    description_id: str
    description_en: str
    price_minor: int | None
    weight_grams: int | None
    length_cm: int | None
    width_cm: int | None
    height_cm: int | None
    processing_days: int | None
    exportable: bool
    hs_code: str
    low_stock_threshold: int | None
    stock: int | None = None  # only when creating


def normalize_hs_code(raw: str) -> str:
    return re.sub(r"\s", "", raw or "")


def check_product_input(session: Session, data: ProductInput, *, creating: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.cluster_id or session.get(Cluster, data.cluster_id) is None:
        errors["cluster_id"] = _l("Choose the kind of product.")
    if not 3 <= len(clean_text(data.title_id)) <= 160:
        errors["title_id"] = _l("Enter the name in Indonesian (3 to 160 characters).")
    if len(clean_text(data.title_en)) > 160:
        errors["title_en"] = _l("The name can be at most 160 characters.")
    if len(clean_text(data.description_id)) < 20:
        errors["description_id"] = _l("Describe the product in Indonesian (at least 20 characters).")
    for name in ("description_id", "description_en"):
        if len(getattr(data, name) or "") > 10_000:
            errors[name] = _l("The description can be at most 10000 characters.")
    if data.price_minor is None or data.price_minor < 1:
        errors["price_minor"] = _l("Enter a price in rupiah, for example 125000.")
    elif data.price_minor > MAX_PRICE_MINOR:
        errors["price_minor"] = _l("The price can be at most Rp 1.000.000.000. Check the number of zeros.")
    if data.weight_grams is None or data.weight_grams < 1:
        errors["weight_grams"] = _l("Enter the packed weight in grams (more than 0).")
    elif data.weight_grams > MAX_WEIGHT_GRAMS:
        errors["weight_grams"] = _l("A parcel can weigh at most 30000 grams (30 kg).")
    for name in ("length_cm", "width_cm", "height_cm"):
        value = getattr(data, name)
        if value is not None and not 1 <= value <= MAX_DIMENSION_CM:
            errors[name] = _l("Enter a size from 1 to %(max)d cm, or leave it empty.", max=MAX_DIMENSION_CM)
    if data.processing_days is None or not 0 <= data.processing_days <= MAX_PROCESSING_DAYS:
        errors["processing_days"] = _l(
            "Enter the days needed before shipping: 0 to %(max)d.", max=MAX_PROCESSING_DAYS
        )
    if data.low_stock_threshold is None or not 0 <= data.low_stock_threshold <= MAX_LOW_STOCK_THRESHOLD:
        errors["low_stock_threshold"] = _l("Enter a number from 0 to %(max)d.", max=MAX_LOW_STOCK_THRESHOLD)
    hs_code = normalize_hs_code(data.hs_code)
    if hs_code:
        digits = hs_code.replace(".", "")
        if not HS_CODE.match(hs_code) or not 6 <= len(digits) <= 10 or len(hs_code) > 12:
            errors["hs_code"] = _l("An HS code has 6 to 10 digits, dots allowed, for example 4602.10.")
    elif data.exportable:
        errors["hs_code"] = _l("Exportable products need an HS code for customs, for example 4602.10.")
    if creating and (data.stock is None or not 0 <= data.stock <= MAX_STOCK):
        errors["stock"] = _l("Enter the units you have now: 0 to %(max)d.", max=MAX_STOCK)
    return errors


def _values(data: ProductInput) -> dict:
    def mm(cm: int | None) -> int | None:
        return cm * 10 if cm is not None else None

    return {
        "cluster_id": data.cluster_id,
        "title_id": clean_text(data.title_id),
        "title_en": clean_text(data.title_en),
        "description_id": clean_text(data.description_id),
        "description_en": clean_text(data.description_en),
        "price_minor": data.price_minor,
        "weight_grams": data.weight_grams,
        "length_mm": mm(data.length_cm),
        "width_mm": mm(data.width_cm),
        "height_mm": mm(data.height_cm),
        "processing_days": data.processing_days,
        "exportable": bool(data.exportable),
        "hs_code": normalize_hs_code(data.hs_code) or None,
        "low_stock_threshold": data.low_stock_threshold,
    }


#: Products per page of the seller's list (a shop may have thousands).
PAGE_SIZE = 50
#: Longest search text the list takes; words beyond the first few are ignored.
MAX_QUERY_LENGTH = 100
MAX_QUERY_WORDS = 5


@dataclass(frozen=True)
class ProductFilter:
    """What the seller's product list shows: one status, one cluster, words of the title."""

    status: ProductStatus | None = None
    cluster_id: int | None = None
    #: Every word must appear in the Indonesian or the English title (case-insensitive).
    query: str = ""


def _filtered(stmt, seller_ids: Sequence[int], filters: ProductFilter | None):
    stmt = stmt.where(Product.seller_id.in_(list(seller_ids)))
    if filters is None:
        return stmt
    if filters.status is not None:
        stmt = stmt.where(Product.status == filters.status)
    if filters.cluster_id is not None:
        stmt = stmt.where(Product.cluster_id == filters.cluster_id)
    for word in filters.query[:MAX_QUERY_LENGTH].split()[:MAX_QUERY_WORDS]:
        stmt = stmt.where(
            sa.or_(
                Product.title_id.icontains(word, autoescape=True),
                Product.title_en.icontains(word, autoescape=True),
            )
        )
    return stmt


def list_seller_products(
    session: Session,
    seller_ids: Sequence[int],
    filters: ProductFilter | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[Product]:
    """The shops' products matching `filters`, archived last, newest first; `limit`/`offset` page it."""
    if not seller_ids:
        return []
    stmt = (
        _filtered(sa.select(Product), seller_ids, filters)
        .options(selectinload(Product.images), selectinload(Product.seller))
        .order_by(Product.status == ProductStatus.ARCHIVED, Product.created_at.desc(), Product.id.desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit).offset(max(offset, 0))
    return list(session.scalars(stmt))


def count_seller_products(
    session: Session, seller_ids: Sequence[int], filters: ProductFilter | None = None
) -> int:
    """How many of the shops' products match `filters` (None: every product, in every status)."""
    if not seller_ids:
        return 0
    return session.scalar(_filtered(sa.select(sa.func.count()).select_from(Product), seller_ids, filters))


def get_seller_product(session: Session, product_id: int, seller_ids: Sequence[int]) -> Product:
    """The product if one of `seller_ids` owns it; NotFound otherwise (no hint that it exists)."""
    product = session.get(Product, product_id) if seller_ids else None
    if product is None or product.seller_id not in set(seller_ids):
        raise NotFound(_l("Not found."))
    return product


def choose_shop(shops: Sequence[Seller], shop_id: int | None) -> Seller | None:
    """The shop a new product goes into: the one the account chose (`shop_id`), else its only
    approved shop; None when it runs several approved shops and chose none (the form then asks).

    Never a guess: a facilitator running two artisans' shops once saw every product land silently
    in the first one. `shops` are the account's own (owned and facilitated); any other id raises
    PermissionDenied (404: nobody learns which shops exist), one of its shops not approved yet,
    Conflict.
    """
    if shop_id is None:
        approved = [s for s in shops if s.status == SellerStatus.APPROVED]
        return approved[0] if len(approved) == 1 else None
    shop = next((s for s in shops if s.id == shop_id), None)
    if shop is None:
        raise PermissionDenied(_l("Not found."))
    if shop.status != SellerStatus.APPROVED:
        raise Conflict(_l("Your shop must be approved before you add products."))
    return shop


def create_product(
    session: Session, *, seller: Seller, data: ProductInput, actor_id: int, now: datetime
) -> Product:
    """A new listing, waiting for curator review, with its opening stock in the ledger.

    Raises InvalidInput for bad fields and Conflict when the shop is not approved.
    """
    if seller.status != SellerStatus.APPROVED:
        raise Conflict(_l("Your shop must be approved before you add products."))
    errors = check_product_input(session, data, creating=True)
    if errors:
        raise InvalidInput(errors)
    product = Product(
        seller_id=seller.id,
        slug=unique_slug(session, Product.slug, data.title_id),
        status=ProductStatus.PENDING_REVIEW,
        currency="IDR",
        stock=data.stock,
        created_at=now,
        updated_at=now,
        **_values(data),
    )
    session.add(product)
    session.flush()  # gives the product its default variant, holding the opening stock
    if data.stock:
        session.add(
            StockMovement(
                product_id=product.id,
                variant_id=product.variants[0].id,
                kind=StockMovementKind.ADJUSTMENT,
                quantity_delta=data.stock,
                actor_id=actor_id,
                reason="opening stock",
                created_at=now,
            )
        )
        session.flush()
    return product


def update_product(
    session: Session, *, product: Product, data: ProductInput, actor_id: int, now: datetime
) -> str:
    """Save the form. Returns "saved" (applied now) or "review" (text/price wait for a curator).

    On an ACTIVE product, changes to REVIEWED_FIELDS are kept in its pending ProductRevision
    (buyers keep seeing the live version); every other field applies at once. Raises InvalidInput.
    Archived products cannot be edited (Conflict): restore them first.
    """
    if product.status == ProductStatus.ARCHIVED:
        raise Conflict(_l("Restore the product before you edit it."))
    errors = check_product_input(session, data, creating=False)
    if errors:
        raise InvalidInput(errors)
    values = _values(data)
    for name in DIRECT_FIELDS:
        setattr(product, name, values[name])
    outcome = "saved"
    if product.status == ProductStatus.ACTIVE:
        proposed = {name: values[name] for name in REVIEWED_FIELDS if values[name] != getattr(product, name)}
        revision = find_pending_revision(session, product)
        if proposed or revision is not None:
            revision = open_revision(session, product, actor_id=actor_id, now=now)
            changes = {k: v for k, v in (revision.changes or {}).items() if k not in REVIEWED_FIELDS}
            changes.update(proposed)
            revision.changes = changes  # a new dict: JSON columns do not track in-place edits
            if changes:
                outcome = "review"
            else:  # the seller changed everything back
                revision.status = RevisionStatus.DISCARDED
    else:
        for name in REVIEWED_FIELDS:
            setattr(product, name, values[name])
    product.updated_at = now
    session.flush()
    return outcome


def submit_for_review(session: Session, *, product: Product, now: datetime) -> None:
    """A draft (e.g. one a curator sent back) goes to the review queue again."""
    if product.status != ProductStatus.DRAFT:
        raise Conflict(_l("Only a draft can be sent for review."))
    product.status = ProductStatus.PENDING_REVIEW
    product.updated_at = now
    session.flush()


def archive_product(session: Session, *, product: Product, now: datetime) -> list[FileToDelete]:
    """Take the product off sale; a pending change is discarded (its new photos are returned)."""
    if product.status == ProductStatus.ARCHIVED:
        return []
    files: list[FileToDelete] = []
    revision = find_pending_revision(session, product)
    if revision is not None:
        files = drop_revision_photos(session, revision, keep=set())
        revision.status = RevisionStatus.DISCARDED
        revision.changes = {}
    product.status = ProductStatus.ARCHIVED
    product.updated_at = now
    session.flush()
    return files


def restore_product(session: Session, *, product: Product, now: datetime) -> None:
    """An archived product goes back to review before buyers see it again."""
    if product.status != ProductStatus.ARCHIVED:
        raise Conflict(_l("Only an archived product can be restored."))
    product.status = ProductStatus.PENDING_REVIEW
    product.updated_at = now
    session.flush()


def find_last_rejection_note(session: Session, product: Product) -> str:
    """The curator's note when the product's latest decided change was rejected, else ""."""
    last = session.scalars(
        sa.select(ProductRevision)
        .where(
            ProductRevision.product_id == product.id,
            ProductRevision.status.in_([RevisionStatus.APPROVED, RevisionStatus.REJECTED]),
        )
        .order_by(ProductRevision.reviewed_at.desc(), ProductRevision.id.desc())
        .limit(1)
    ).first()
    if last is None or last.status != RevisionStatus.REJECTED:
        return ""
    if not last.changes and product.status != ProductStatus.DRAFT:
        return ""  # a sent-back new listing that has been resubmitted since
    return last.reviewer_note


def products_with_pending_changes(session: Session, product_ids: Sequence[int]) -> set[int]:
    if not product_ids:
        return set()
    return set(
        session.scalars(
            sa.select(ProductRevision.product_id).where(
                ProductRevision.product_id.in_(list(product_ids)),
                ProductRevision.status == RevisionStatus.PENDING,
            )
        )
    )


def proposed_values(session: Session, product: Product) -> dict:
    """The product's reviewed fields as the seller last wrote them (pending change or live)."""
    revision = find_pending_revision(session, product)
    changes = revision.changes if revision is not None else {}
    return {name: changes.get(name, getattr(product, name)) for name in REVIEWED_FIELDS}
