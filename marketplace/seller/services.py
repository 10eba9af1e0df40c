"""Seller rules: applying to sell, listings and their review, photos, stock and shipping.

Every function takes the session first, flushes only and raises marketplace.errors; the view or
CLI commits once. Access is by seller ids: callers pass the ids of the shops the account runs
(`marketplace.accounts.access.user_seller_ids`) and anything outside them is NotFound.
Files (photo renditions) are deleted only after the commit that drops their rows: functions that
make files obsolete return `FileToDelete`s for the caller to pass to `delete_files` after commit.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.catalogue.models import (
    Cluster,
    Product,
    ProductImage,
    ProductStatus,
    Region,
    RegionKind,
    Seller,
    SellerStatus,
)
from marketplace.errors import Conflict, InvalidInput, NotFound, ValidationError
from marketplace.i18n import message as _l
from marketplace.media.images import (
    delete_renditions,
    new_storage_key,
    process_upload,
    save_renditions,
)
from marketplace.media.storage import MediaStorage
from marketplace.orders import services as order_services
from marketplace.orders.models import Fulfilment, FulfilmentStatus, Order, OrderStatus
from marketplace.orders.services import mark_fulfilment_shipped
from marketplace.seller.models import ProductRevision, RevisionPhoto, RevisionStatus, SellerPayoutAccount
from marketplace.stock import services as stock_services
from marketplace.stock.models import StockMovement, StockMovementKind
from marketplace.stock.services import MAX_STOCK

# ---------------------------------------------------------------------------------------------
# Limits (forms show them; services enforce them)
# ---------------------------------------------------------------------------------------------

MAX_PRICE_MINOR = 1_000_000_000  # Rp 1.000.000.000: anything above is a typo
MAX_WEIGHT_GRAMS = 30_000  # one postal parcel
MAX_DIMENSION_CM = 150
MAX_PROCESSING_DAYS = 90
MAX_LOW_STOCK_THRESHOLD = 10_000
MAX_PHOTOS = 8
HS_CODE = re.compile(r"^[0-9][0-9.]*$")
ACCOUNT_NUMBER = re.compile(r"^[0-9]{6,20}$")
PHONE = re.compile(r"^\+?[0-9]{8,15}$")
TRACKING = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 /-]{3,79}$")

#: Product columns a curator reviews again when an ACTIVE product changes them.
REVIEWED_FIELDS = ("title_id", "title_en", "description_id", "description_en", "price_minor")
#: Product columns a seller changes directly, even on a live product.
DIRECT_FIELDS = (
    "cluster_id",
    "weight_grams",
    "length_mm",
    "width_mm",
    "height_mm",
    "processing_days",
    "exportable",
    "hs_code",
    "low_stock_threshold",
)


@dataclass(frozen=True)
class FileToDelete:
    """Photo renditions to delete once the transaction that dropped their row has committed."""

    storage_key: str
    width: int


def delete_files(storage: MediaStorage, files: Sequence[FileToDelete]) -> None:
    """Delete renditions no row refers to any more. Call after commit; missing files are fine."""
    for item in files:
        try:
            delete_renditions(storage, item.storage_key, item.width)
        except OSError:
            pass  # an orphan file with a random name is harmless; the commit already happened


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:100] or "item"


def _unique_slug(session: Session, column, text: str) -> str:
    base = slugify(text)
    if not session.scalar(sa.select(sa.func.count()).where(column == base)):
        return base
    for _attempt in range(10):
        candidate = f"{base}-{secrets.token_hex(3)}"
        if not session.scalar(sa.select(sa.func.count()).where(column == candidate)):
            return candidate
    return f"{base}-{secrets.token_hex(8)}"


def _clean(text: str | None) -> str:
    return (text or "").strip()


# ---------------------------------------------------------------------------------------------
# Onboarding
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationInput:
    name: str
    village_id: int | None
    cluster_ids: Sequence[int]
    story_id: str
    story_en: str
    phone: str
    bank_name: str
    account_number: str
    account_holder: str
    kind: str = "individual"


SELLER_KINDS = ("individual", "kub", "bumdes")


def list_villages(session: Session) -> list[Region]:
    return list(
        session.scalars(sa.select(Region).where(Region.kind == RegionKind.DESA).order_by(Region.name))
    )


def list_clusters(session: Session) -> list[Cluster]:
    return list(session.scalars(sa.select(Cluster).order_by(Cluster.position, Cluster.id)))


def list_user_sellers(session: Session, user_id: int) -> list[Seller]:
    return list(session.scalars(sa.select(Seller).where(Seller.user_id == user_id).order_by(Seller.id)))


def normalize_phone(raw: str) -> str:
    return re.sub(r"[\s().-]", "", raw or "")


def normalize_account_number(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "")


def check_application(session: Session, data: ApplicationInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not 2 <= len(_clean(data.name)) <= 140:
        errors["name"] = _l("Enter the business name (2 to 140 characters).")
    village = session.get(Region, data.village_id) if data.village_id else None
    if village is None or village.kind != RegionKind.DESA:
        errors["village_id"] = _l("Choose your village.")
    if not data.cluster_ids:
        errors["cluster_ids"] = _l("Choose at least one kind of product you make.")
    elif len(set(data.cluster_ids)) != session.scalar(
        sa.select(sa.func.count()).select_from(Cluster).where(Cluster.id.in_(set(data.cluster_ids)))
    ):
        errors["cluster_ids"] = _l("Choose the kinds of product from the list.")
    if data.kind not in SELLER_KINDS:
        errors["kind"] = _l("Choose what kind of business you are.")
    if len(_clean(data.story_id)) < 20:
        errors["story_id"] = _l("Tell buyers your story in Indonesian (at least 20 characters).")
    if len(data.story_id) > 5000 or len(data.story_en) > 5000:
        errors["story_en" if len(data.story_en) > 5000 else "story_id"] = _l(
            "The story can be at most 5000 characters."
        )
    if not PHONE.match(normalize_phone(data.phone)):
        errors["phone"] = _l("Enter a phone number of 8 to 15 digits, for example 0812 3456 7890.")
    if not 2 <= len(_clean(data.bank_name)) <= 80:
        errors["bank_name"] = _l("Enter the bank's name.")
    if not ACCOUNT_NUMBER.match(normalize_account_number(data.account_number)):
        errors["account_number"] = _l("Enter the account number: 6 to 20 digits.")
    if not 2 <= len(_clean(data.account_holder)) <= 120:
        errors["account_holder"] = _l("Enter the account holder's name as the bank knows it.")
    return errors


def apply_to_sell(session: Session, *, user: User, data: ApplicationInput, now: datetime) -> Seller:
    """Create a pending Seller run by `user` (or resubmit a rejected application).

    Raises InvalidInput for bad fields and Conflict when the account already has a pending or
    approved shop.
    """
    existing = list_user_sellers(session, user.id)
    if any(s.status != SellerStatus.REJECTED for s in existing):
        raise Conflict(_l("You have already applied to sell."))
    errors = check_application(session, data)
    if errors:
        raise InvalidInput(errors)
    clusters = list(session.scalars(sa.select(Cluster).where(Cluster.id.in_(set(data.cluster_ids)))))
    seller = existing[0] if existing else None
    if seller is None:
        seller = Seller(user_id=user.id, slug=_unique_slug(session, Seller.slug, data.name), created_at=now)
        session.add(seller)
    seller.name = _clean(data.name)
    seller.kind = data.kind
    seller.village_id = data.village_id
    seller.story_id = _clean(data.story_id)
    seller.story_en = _clean(data.story_en)
    seller.phone = normalize_phone(data.phone)
    seller.status = SellerStatus.PENDING
    seller.approved_at = None
    seller.clusters = clusters
    session.flush()
    account = session.scalar(sa.select(SellerPayoutAccount).where(SellerPayoutAccount.seller_id == seller.id))
    if account is None:
        account = SellerPayoutAccount(seller_id=seller.id, created_at=now)
        session.add(account)
    account.bank_name = _clean(data.bank_name)
    account.account_number = normalize_account_number(data.account_number)
    account.account_holder = _clean(data.account_holder)
    account.updated_at = now
    session.flush()
    return seller


def find_payout_account(session: Session, seller_id: int) -> SellerPayoutAccount | None:
    return session.scalar(sa.select(SellerPayoutAccount).where(SellerPayoutAccount.seller_id == seller_id))


def list_pending_applications(session: Session) -> list[Seller]:
    return list(
        session.scalars(
            sa.select(Seller)
            .where(Seller.status == SellerStatus.PENDING)
            .options(selectinload(Seller.village), selectinload(Seller.clusters))
            .order_by(Seller.created_at, Seller.id)
        )
    )


def get_pending_seller(session: Session, seller_id: int) -> Seller:
    seller = session.get(Seller, seller_id)
    if seller is None or seller.status != SellerStatus.PENDING:
        raise NotFound(_l("This application is not waiting for a decision."))
    return seller


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
    note = _clean(note)[:2000]
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
    from marketplace.email.links import external_url
    from marketplace.email.services import send_email

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


# ---------------------------------------------------------------------------------------------
# Listings
# ---------------------------------------------------------------------------------------------


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
    if not 3 <= len(_clean(data.title_id)) <= 160:
        errors["title_id"] = _l("Enter the name in Indonesian (3 to 160 characters).")
    if len(_clean(data.title_en)) > 160:
        errors["title_en"] = _l("The name can be at most 160 characters.")
    if len(_clean(data.description_id)) < 20:
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
        "title_id": _clean(data.title_id),
        "title_en": _clean(data.title_en),
        "description_id": _clean(data.description_id),
        "description_en": _clean(data.description_en),
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


def list_seller_products(session: Session, seller_ids: Sequence[int]) -> list[Product]:
    if not seller_ids:
        return []
    return list(
        session.scalars(
            sa.select(Product)
            .where(Product.seller_id.in_(list(seller_ids)))
            .options(selectinload(Product.images), selectinload(Product.seller))
            .order_by(Product.status == ProductStatus.ARCHIVED, Product.created_at.desc(), Product.id.desc())
        )
    )


def get_seller_product(session: Session, product_id: int, seller_ids: Sequence[int]) -> Product:
    """The product if one of `seller_ids` owns it; NotFound otherwise (no hint that it exists)."""
    product = session.get(Product, product_id) if seller_ids else None
    if product is None or product.seller_id not in set(seller_ids):
        raise NotFound(_l("Not found."))
    return product


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
        slug=_unique_slug(session, Product.slug, data.title_id),
        status=ProductStatus.PENDING_REVIEW,
        currency="IDR",
        stock=data.stock,
        created_at=now,
        updated_at=now,
        **_values(data),
    )
    session.add(product)
    session.flush()
    if data.stock:
        session.add(
            StockMovement(
                product_id=product.id,
                kind=StockMovementKind.ADJUSTMENT,
                quantity_delta=data.stock,
                actor_id=actor_id,
                reason="opening stock",
                created_at=now,
            )
        )
        session.flush()
    return product


def find_pending_revision(session: Session, product: Product) -> ProductRevision | None:
    return session.scalar(
        sa.select(ProductRevision).where(
            ProductRevision.product_id == product.id, ProductRevision.status == RevisionStatus.PENDING
        )
    )


def _open_revision(session: Session, product: Product, *, actor_id: int, now: datetime) -> ProductRevision:
    # Lock the product row first (PostgreSQL; SQLite serializes writers anyway), so two edits at
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
            revision = _open_revision(session, product, actor_id=actor_id, now=now)
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
        files = _drop_revision_photos(session, revision, keep=set())
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


# ---------------------------------------------------------------------------------------------
# Photos
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhotoEntry:
    """One photo in the order the seller sees it. token: "i<ProductImage id>" or "p<RevisionPhoto id>"."""

    token: str
    storage_key: str
    width: int
    height: int
    awaiting_review: bool


def _live_tokens(product: Product) -> list[str]:
    return [f"i{image.id}" for image in sorted(product.images, key=lambda i: (i.position, i.id))]


def list_photos(session: Session, product: Product) -> list[PhotoEntry]:
    """The photos as the seller arranged them (for an active product: including pending changes)."""
    revision = find_pending_revision(session, product) if product.status == ProductStatus.ACTIVE else None
    live = {f"i{image.id}": image for image in product.images}
    if revision is None or "photos" not in (revision.changes or {}):
        return [
            PhotoEntry(t, live[t].storage_key, live[t].width, live[t].height, False)
            for t in _live_tokens(product)
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


def _proposed_tokens(session: Session, product: Product, revision: ProductRevision) -> list[str]:
    tokens = (revision.changes or {}).get("photos")
    return list(tokens) if tokens is not None else _live_tokens(product)


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
        from marketplace.media.images import add_processed_image

        title = _clean(product.title_id)
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

    revision = _open_revision(session, product, actor_id=actor_id, now=now)
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
        revision = _open_revision(session, product, actor_id=actor_id, now=now)
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
        revision = _open_revision(session, product, actor_id=actor_id, now=now)
        revision.changes = {**(revision.changes or {}), "photos": remaining}
        files = []
        if token.startswith("p"):
            files = _drop_revision_photos(
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


def _drop_revision_photos(
    session: Session, revision: ProductRevision, *, keep: set[int]
) -> list[FileToDelete]:
    files = []
    for photo in list(revision.photos):
        if photo.id not in keep:
            files.append(FileToDelete(photo.storage_key, photo.width))
            revision.photos.remove(photo)
    session.flush()
    return files


# ---------------------------------------------------------------------------------------------
# Curator review of listings
# ---------------------------------------------------------------------------------------------


def list_products_for_review(session: Session) -> list[Product]:
    return list(
        session.scalars(
            sa.select(Product)
            .where(Product.status == ProductStatus.PENDING_REVIEW)
            .options(selectinload(Product.seller), selectinload(Product.images))
            .order_by(Product.updated_at, Product.id)
        )
    )


def list_pending_revisions(session: Session) -> list[ProductRevision]:
    return list(
        session.scalars(
            sa.select(ProductRevision)
            .where(ProductRevision.status == RevisionStatus.PENDING)
            .options(selectinload(ProductRevision.product).selectinload(Product.seller))
            .order_by(ProductRevision.updated_at, ProductRevision.id)
        )
    )


def decide_product(
    session: Session, *, product: Product, approve: bool, curator: User, note: str, now: datetime
) -> bool:
    """A new listing: approve (it goes live) or send it back to the seller as a draft."""
    note = _clean(note)[:2000]
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


def get_pending_revision(session: Session, revision_id: int) -> ProductRevision:
    revision = session.get(ProductRevision, revision_id)
    if revision is None or revision.status != RevisionStatus.PENDING:
        raise NotFound(_l("This change is not waiting for a decision."))
    return revision


def decide_revision(
    session: Session, *, revision: ProductRevision, approve: bool, curator: User, note: str, now: datetime
) -> list[FileToDelete] | None:
    """Apply a live product's pending change (text, price, photos) or reject it.

    Returns the renditions that no row uses any more (removed live photos on approval, the new
    uploads on rejection) for `delete_files` after commit; None when the change was no longer
    pending (decided meanwhile, e.g. a double submit): nothing changed then.
    """
    note = _clean(note)[:2000]
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
        product.updated_at = now
        subject = lazy_gettext("Your changes to “%(title)s” are live", title=product.title_id)
        body = lazy_gettext("A curator approved your changes. Buyers see them now.")
    else:
        files = _drop_revision_photos(session, revision, keep=set())
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


# ---------------------------------------------------------------------------------------------
# Stock
# ---------------------------------------------------------------------------------------------


def _check_reason(reason: str) -> str:
    reason = _clean(reason)
    if not 3 <= len(reason) <= 200:
        raise InvalidInput(
            {"reason": _l("Write a short reason (3 to 200 characters), for example “new batch”.")}
        )
    return reason


def adjust_stock(
    session: Session, *, product: Product, delta: int | None, reason: str, actor_id: int, now: datetime
) -> int:
    """Add (or, negative, remove) units with a reason: the form's checks, then the orders rule.

    `marketplace.orders.services.adjust_stock` does the conditional UPDATE and the ADJUSTMENT
    ledger row; a result below 0 or above MAX_STOCK is InvalidInput. Returns the new stock.
    """
    reason = _check_reason(reason)
    if not delta:
        raise InvalidInput({"delta": _l("Enter how many units to add or remove (not 0).")})
    if abs(delta) > MAX_STOCK:
        raise InvalidInput({"delta": _l("That is more than %(max)d units. Check the number.", max=MAX_STOCK)})
    try:
        return stock_services.adjust_stock(
            session, product, delta=delta, reason=reason, actor_id=actor_id, now=now
        )
    except ValidationError as error:
        raise InvalidInput({"delta": error.message}) from None


def set_stock(
    session: Session,
    *,
    product: Product,
    new_stock: int | None,
    expected_stock: int | None,
    reason: str,
    actor_id: int | None,
    now: datetime,
) -> int:
    """Set the stock to a counted number, if it is still `expected_stock` (what the seller saw).

    If an order took units meanwhile, Conflict: the seller looks again instead of overwriting it.
    The write itself is `marketplace.orders.services.set_stock` (one rule for every caller).
    """
    reason = _check_reason(reason)
    if new_stock is None or not 0 <= new_stock <= MAX_STOCK:
        raise InvalidInput({"new_stock": _l("Enter a stock from 0 to %(max)d.", max=MAX_STOCK)})
    try:
        return stock_services.set_stock(
            session, product, stock=new_stock, reason=reason, actor_id=actor_id, now=now,
            expected=expected_stock if expected_stock is not None else -1,
        )  # fmt: skip
    except ValidationError as error:
        raise InvalidInput({"new_stock": error.message}) from None


@dataclass(frozen=True)
class LedgerRow:
    movement: StockMovement
    actor_email: str
    order_number: str


def list_stock_movements(session: Session, product: Product, *, limit: int = 200) -> list[LedgerRow]:
    rows = session.execute(
        sa.select(StockMovement, User.email, Order.number)
        .outerjoin(User, User.id == StockMovement.actor_id)
        .outerjoin(Order, Order.id == StockMovement.order_id)
        .where(StockMovement.product_id == product.id)
        .order_by(StockMovement.created_at.desc(), StockMovement.id.desc())
        .limit(limit)
    ).all()
    return [LedgerRow(movement, email or "", number or "") for movement, email, number in rows]


def is_low(product: Product) -> bool:
    return product.stock <= product.low_stock_threshold


def list_low_stock(session: Session, seller_ids: Sequence[int]) -> list[Product]:
    """Products on sale or in review whose stock is at or under their own threshold."""
    if not seller_ids:
        return []
    return list(
        session.scalars(
            sa.select(Product)
            .where(
                Product.seller_id.in_(list(seller_ids)),
                Product.status.in_([ProductStatus.ACTIVE, ProductStatus.PENDING_REVIEW]),
                Product.stock <= Product.low_stock_threshold,
            )
            .order_by(Product.stock, Product.id)
        )
    )


# ---------------------------------------------------------------------------------------------
# Orders to ship
# ---------------------------------------------------------------------------------------------

COURIERS = (
    "JNE",
    "J&T Express",
    "SiCepat",
    "POS Indonesia",
    "AnterAja",
    "TIKI",
    "Lion Parcel",
    "Ninja Xpress",
)


def list_fulfilments(session: Session, seller_ids: Sequence[int], *, limit: int = 200) -> list[Fulfilment]:
    """The shops' parcels: paid ones to ship first, then awaiting payment, then the rest, newest first."""
    if not seller_ids:
        return []
    rank = sa.case(
        (Fulfilment.status == FulfilmentStatus.PROCESSING, 0),
        (Fulfilment.status == FulfilmentStatus.PENDING, 1),
        (Fulfilment.status == FulfilmentStatus.SHIPPED, 2),
        else_=3,
    )
    return list(
        session.scalars(
            sa.select(Fulfilment)
            .join(Order, Order.id == Fulfilment.order_id)
            .where(Fulfilment.seller_id.in_(list(seller_ids)))
            .options(selectinload(Fulfilment.order), selectinload(Fulfilment.lines))
            .order_by(rank, Order.created_at.desc(), Fulfilment.id.desc())
            .limit(limit)
        )
    )


def get_seller_fulfilment(session: Session, fulfilment_id: int, seller_ids: Sequence[int]) -> Fulfilment:
    fulfilment = session.get(Fulfilment, fulfilment_id) if seller_ids else None
    if fulfilment is None or fulfilment.seller_id not in set(seller_ids):
        raise NotFound(_l("Not found."))
    return fulfilment


def mark_processing(
    session: Session, *, fulfilment: Fulfilment, actor_id: int, actor_label: str, now: datetime
) -> bool:
    """Pending → processing, only once the order is paid (the orders rule; payment normally does it)."""
    return order_services.mark_fulfilment_processing(
        session, fulfilment, actor_id=actor_id, actor_label=actor_label, now=now
    )


def ship_fulfilment(
    session: Session,
    *,
    fulfilment: Fulfilment,
    courier: str,
    tracking_number: str,
    actor_id: int,
    actor_label: str,
    now: datetime,
) -> bool:
    """Processing → shipped with courier and tracking number; the buyer is emailed.

    When it was the order's last parcel, the order becomes shipped too. Raises InvalidInput for
    a missing courier or malformed tracking number; returns False if the parcel was not ready to
    ship (unpaid, cancelled, already shipped) — nothing changes then.
    """
    courier = _clean(courier)
    tracking_number = " ".join(_clean(tracking_number).split())
    errors = {}
    if not 2 <= len(courier) <= 60:
        errors["courier"] = _l("Choose the courier.")
    if not TRACKING.match(tracking_number):
        errors["tracking_number"] = _l(
            "Enter the tracking number from the courier's receipt (4 to 80 letters and digits)."
        )
    if errors:
        raise InvalidInput(errors)
    if fulfilment.status != FulfilmentStatus.PROCESSING or fulfilment.order.status != OrderStatus.PAID:
        return False
    # The order's own rules take over from here: one conditional UPDATE, the history, the order
    # becoming shipped with its last parcel, and the buyer's "shipped" email.
    return mark_fulfilment_shipped(
        session,
        fulfilment,
        courier=courier,
        tracking_number=tracking_number,
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
    )
