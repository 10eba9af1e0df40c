"""Quality-label rules: requests with private evidence, curator decisions, registry, types, reminders.

Every function takes the session first, flushes only and raises marketplace.errors; the view or CLI
commits once. Sellers reach labels only through the ids of the shops they run (`seller_ids`);
anything outside them is NotFound.

Evidence files are private: stored under EVIDENCE_PREFIX (never served by /media/, which serves
PUBLIC_PREFIXES only) with a random name, and handed out only by access-checked views.
A label is public while verified and not past `valid_until`, the last valid day on the Asia/Jakarta
calendar (`marketplace.catalogue.services.visible_label_filter`): expiry needs no job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from babel.dates import format_date
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager

from marketplace.accounts.models import User
from marketplace.audit.services import changed_values, record_action
from marketplace.catalogue.models import (
    LabelStatus,
    LabelType,
    Product,
    ProductLabel,
    ProductStatus,
    Region,
    Seller,
)
from marketplace.errors import InvalidInput, NotFound, ValidationError
from marketplace.i18n import localized
from marketplace.i18n import message as _l
from marketplace.labels.models import LabelReminder
from marketplace.media.images import new_storage_key, process_upload
from marketplace.media.storage import MediaStorage

#: Private prefix: /media/ and a bucket's public URL serve only PUBLIC_PREFIXES.
EVIDENCE_PREFIX = "private/label-evidence/"
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
#: Sellers are warned (dashboard, /seller/labels, reminder email) this many days before expiry.
EXPIRY_WARNING_DAYS = 30
#: A certificate valid for longer than this is a typo in the year.
MAX_VALID_YEARS = 30
#: The largest row count the queue and one registry page show (keeps every page bounded).
QUEUE_LIMIT = 200
REGISTRY_PAGE_SIZE = 100
REGISTRY_STATES = ("", "valid", "expiring", "expired")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")

_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _clean_block(text: str | None) -> str:
    return (text or "").strip()


# ---------------------------------------------------------------------------------------------
# Evidence
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """A checked evidence file, ready to store: a PDF as sent, or a photo re-encoded to WebP."""

    data: bytes
    content_type: str
    extension: str


EVIDENCE_TYPES = {"pdf": "application/pdf", "webp": "image/webp"}


def _looks_like_image(data: bytes) -> bool:
    return data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def check_evidence(data: bytes, *, max_bytes: int = EVIDENCE_MAX_BYTES) -> Evidence:
    """Check an evidence upload by its content: a PDF (`%PDF-` magic) or a JPEG/PNG/WebP photo.

    Photos are fully decoded and re-encoded (metadata dropped) by `process_upload`; the largest
    rendition is kept. Raises ValidationError (field "evidence") for empty, oversize, damaged
    files and for anything else (HTML, SVG, scripts…).
    """
    if not data:
        raise ValidationError(_l("The file is empty. Please choose the certificate file."), field="evidence")
    if len(data) > max_bytes:
        raise ValidationError(
            _l(
                "The file is too large. Please upload a file of at most %(mb)d MB.",
                mb=max_bytes // (1024 * 1024),
            ),
            field="evidence",
        )
    if data.startswith(b"%PDF-"):
        return Evidence(data, EVIDENCE_TYPES["pdf"], "pdf")
    if not _looks_like_image(data):
        raise ValidationError(
            _l("Please upload the certificate as a PDF file or as a JPEG, PNG or WebP photo."),
            field="evidence",
        )
    try:
        processed = process_upload(data, max_bytes=max_bytes)
    except ValidationError as error:
        raise ValidationError(error.message, field="evidence") from error
    return Evidence(processed.renditions[-1].data, EVIDENCE_TYPES["webp"], "webp")


def evidence_content_type(key: str) -> str:
    """The content type to serve a stored evidence file with (from the extension we gave it)."""
    return EVIDENCE_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")


def read_evidence(storage: MediaStorage, label: ProductLabel) -> bytes:
    """The evidence file's bytes; NotFound when the label has none or the file is gone."""
    key = label.evidence_key
    if not key or not key.startswith(EVIDENCE_PREFIX):
        raise NotFound(_l("This label has no evidence file."))
    try:
        return storage.read(key)
    except FileNotFoundError as error:
        raise NotFound(_l("This label has no evidence file.")) from error


# ---------------------------------------------------------------------------------------------
# Seller: requests and their status
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelRequestInput:
    label_type_id: int | None
    certificate_number: str = ""
    issuer: str = ""
    valid_until: date | None = None


def get_seller_product(session: Session, product_id: int, seller_ids: Sequence[int]) -> Product:
    """A product of one of `seller_ids`; NotFound otherwise (whether or not it exists)."""
    product = session.get(Product, product_id)
    if product is None or product.seller_id not in set(seller_ids):
        raise NotFound(_l("Product not found."))
    return product


def get_seller_label(session: Session, label_id: int, seller_ids: Sequence[int]) -> ProductLabel:
    """A label on a product of one of `seller_ids`; NotFound otherwise."""
    label = session.scalar(
        sa.select(ProductLabel)
        .join(Product, Product.id == ProductLabel.product_id)
        .where(ProductLabel.id == label_id, Product.seller_id.in_(list(seller_ids) or [-1]))
    )
    if label is None:
        raise NotFound(_l("Label not found."))
    return label


def get_label(session: Session, label_id: int) -> ProductLabel:
    label = session.get(ProductLabel, label_id)
    if label is None:
        raise NotFound(_l("Label not found."))
    return label


def list_label_types(session: Session) -> list[LabelType]:
    return list(session.scalars(sa.select(LabelType).order_by(LabelType.position, LabelType.code)))


def check_label_request(
    session: Session, *, product: Product, data: LabelRequestInput, today: date
) -> tuple[dict[str, str], LabelType | None]:
    """Messages for every field that is wrong (empty dict when all is well), and the label type."""
    errors: dict[str, str] = {}
    label_type = session.get(LabelType, data.label_type_id) if data.label_type_id else None
    if label_type is None:
        errors["label_type_id"] = _l("Choose the label you ask for.")
    if len(_clean(data.certificate_number)) > 80:
        errors["certificate_number"] = _l("At most %(n)d characters.", n=80)
    elif label_type is not None and label_type.requires_certificate and not _clean(data.certificate_number):
        errors["certificate_number"] = _l("Enter the number printed on the certificate.")
    if len(_clean(data.issuer)) > 120:
        errors["issuer"] = _l("At most %(n)d characters.", n=120)
    if data.valid_until is not None:
        if data.valid_until < today:
            errors["valid_until"] = _l("This date has passed: the certificate must still be valid.")
        elif data.valid_until > today + timedelta(days=366 * MAX_VALID_YEARS):
            errors["valid_until"] = _l("Please check the year of this date.")
    if label_type is not None and "label_type_id" not in errors:
        waiting = session.scalar(
            sa.select(sa.func.count())
            .select_from(ProductLabel)
            .where(
                ProductLabel.product_id == product.id,
                ProductLabel.label_type_id == label_type.id,
                ProductLabel.status == LabelStatus.REQUESTED,
            )
        )
        if waiting:
            errors["label_type_id"] = _l(
                "A request for this label on this product is already waiting for a curator."
            )
    if product.status == ProductStatus.ARCHIVED:
        errors.setdefault(
            "label_type_id", _l("This product is archived: restore it before asking for a label.")
        )
    return errors, label_type


def request_label(
    session: Session,
    storage: MediaStorage,
    *,
    product: Product,
    data: LabelRequestInput,
    evidence: bytes | None,
    actor: User,
    today: date,
    now: datetime,
) -> ProductLabel:
    """Ask curators to verify a label for `product`, with an evidence file (stored privately).

    Every request is a new row: after a rejection or an expiry the seller simply asks again, and
    a renewal can be sent while the current label is still valid. The evidence is required for
    label types that need a certificate. Raises InvalidInput with a message per wrong field;
    nothing is stored then. Flushes only; if the flush fails the stored file is deleted.
    """
    errors, label_type = check_label_request(session, product=product, data=data, today=today)
    checked: Evidence | None = None
    if evidence:
        try:
            checked = check_evidence(evidence)
        except ValidationError as error:
            errors["evidence"] = error.message
    elif label_type is not None and label_type.requires_certificate:
        errors["evidence"] = _l("Attach the certificate: a PDF file or a clear photo.")
    if errors:
        raise InvalidInput(errors)
    assert label_type is not None
    key = None
    if checked is not None:
        key = f"{EVIDENCE_PREFIX}{new_storage_key()}.{checked.extension}"
        storage.save(key, checked.data, checked.content_type)
    try:
        label = ProductLabel(
            product_id=product.id,
            label_type_id=label_type.id,
            status=LabelStatus.REQUESTED,
            certificate_number=_clean(data.certificate_number),
            issuer=_clean(data.issuer) or label_type.issuer,
            valid_until=data.valid_until,
            evidence_key=key,
            created_at=now,
        )
        session.add(label)
        session.flush()
        record_action(
            session,
            actor=actor,
            action="label.request",
            target_type="label",
            target_id=label.id,
            target_label=f"{label_type.code} · {product.title_id}",
            seller_id=product.seller_id,
            after=_label_values(label),
            actor_role="" if product.seller.user_id == actor.id or actor.is_curator else "facilitator",
        )
    except BaseException:
        if key:
            try:
                storage.delete(key)
            except OSError:
                pass  # an orphan private file with a random name is harmless
        raise
    return label


def _label_values(label: ProductLabel) -> dict:
    return {
        "status": label.status,
        "certificate_number": label.certificate_number,
        "issuer": label.issuer,
        "valid_until": label.valid_until,
        "evidence": bool(label.evidence_key),
    }


def list_seller_labels(session: Session, seller_ids: Sequence[int]) -> list[ProductLabel]:
    """Every label of the sellers' products (product and type loaded), newest request first."""
    if not seller_ids:
        return []
    return list(
        session.scalars(
            sa.select(ProductLabel)
            .join(Product, Product.id == ProductLabel.product_id)
            .join(LabelType, LabelType.id == ProductLabel.label_type_id)
            .where(Product.seller_id.in_(list(seller_ids)))
            .options(contains_eager(ProductLabel.product), contains_eager(ProductLabel.label_type))
            .order_by(ProductLabel.created_at.desc(), ProductLabel.id.desc())
        )
    )


def list_requestable_products(session: Session, seller_ids: Sequence[int]) -> list[Product]:
    """The sellers' products a label may be asked for (everything not archived)."""
    if not seller_ids:
        return []
    return list(
        session.scalars(
            sa.select(Product)
            .where(Product.seller_id.in_(list(seller_ids)), Product.status != ProductStatus.ARCHIVED)
            .order_by(Product.title_id, Product.id)
        )
    )


def days_left(label: ProductLabel, today: date) -> int | None:
    """Days from `today` to the label's last valid day (0 = expires tonight); None = no expiry."""
    return None if label.valid_until is None else (label.valid_until - today).days


def is_expiring(label: ProductLabel, today: date, days: int = EXPIRY_WARNING_DAYS) -> bool:
    left = days_left(label, today)
    return label.status == LabelStatus.VERIFIED and left is not None and 0 <= left <= days


def expiring_labels(
    session: Session, seller_ids: Sequence[int], *, today: date, days: int = EXPIRY_WARNING_DAYS
) -> list[ProductLabel]:
    """Verified labels of the sellers' live products that expire within `days` (soonest first)."""
    if not seller_ids:
        return []
    return list(
        session.scalars(
            sa.select(ProductLabel)
            .join(Product, Product.id == ProductLabel.product_id)
            .join(LabelType, LabelType.id == ProductLabel.label_type_id)
            .where(
                Product.seller_id.in_(list(seller_ids)),
                Product.status != ProductStatus.ARCHIVED,
                ProductLabel.status == LabelStatus.VERIFIED,
                ProductLabel.valid_until.between(today, today + timedelta(days=days)),
            )
            .options(contains_eager(ProductLabel.product), contains_eager(ProductLabel.label_type))
            .order_by(ProductLabel.valid_until, ProductLabel.id)
        )
    )


# ---------------------------------------------------------------------------------------------
# Curator: queue and decisions
# ---------------------------------------------------------------------------------------------


def _with_context(stmt: sa.Select) -> sa.Select:
    """Join product, seller, village and type, loaded in the same statement."""
    return (
        stmt.join(Product, Product.id == ProductLabel.product_id)
        .join(Seller, Seller.id == Product.seller_id)
        .join(Region, Region.id == Seller.village_id)
        .join(LabelType, LabelType.id == ProductLabel.label_type_id)
        .options(
            contains_eager(ProductLabel.product)
            .contains_eager(Product.seller)
            .contains_eager(Seller.village),
            contains_eager(ProductLabel.label_type),
        )
    )


def list_requested(session: Session, *, limit: int = QUEUE_LIMIT) -> list[ProductLabel]:
    """Label requests waiting for a curator, oldest first, with product, seller and type: one query."""
    stmt = _with_context(sa.select(ProductLabel)).where(ProductLabel.status == LabelStatus.REQUESTED)
    return list(session.scalars(stmt.order_by(ProductLabel.created_at, ProductLabel.id).limit(limit)))


def decide_label(
    session: Session, *, label: ProductLabel, approve: bool, curator: User, note: str, now: datetime
) -> bool:
    """Verify or reject a requested label; False (nothing changed) when it was no longer requested.

    The status changes by a conditional UPDATE, so a double submit, or two curators at once, has
    one effect: one audit row, one email. A rejection needs a reason (InvalidInput otherwise),
    which the seller reads in the email and on /seller/labels. Public pages change at commit (the
    page-cache generation is bumped for every write to product_labels).
    """
    note = _clean_block(note)[:2000]
    if not approve and not note:
        raise InvalidInput({"note": _l("Write the reason, so the seller knows what to fix.")})
    before = _label_values(label)
    result = session.execute(
        sa.update(ProductLabel)
        .where(ProductLabel.id == label.id, ProductLabel.status == LabelStatus.REQUESTED)
        .values(
            status=LabelStatus.VERIFIED if approve else LabelStatus.REJECTED,
            reviewer_note=note,
            reviewed_by_id=curator.id,
            reviewed_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.expire(label)
        return False
    session.refresh(label)
    product = label.product
    record_action(
        session,
        actor=curator,
        action="label.verify" if approve else "label.reject",
        target_type="label",
        target_id=label.id,
        target_label=f"{label.label_type.code} · {product.title_id}",
        seller_id=product.seller_id,
        before={"status": before["status"]},
        after={"status": label.status},
        note=note,
    )
    _email_decision(session, label, approve=approve, note=note)
    return True


def _seller_user(session: Session, seller: Seller) -> User | None:
    return session.get(User, seller.user_id) if seller.user_id else None


def long_date(value: date | None, lang: str) -> str:
    return format_date(value, "long", locale=lang) if value else ""


def _email_decision(session: Session, label: ProductLabel, *, approve: bool, note: str) -> None:
    from marketplace.email.links import external_url
    from marketplace.email.services import send_email

    user = _seller_user(session, label.product.seller)
    if user is None or not user.email:
        return  # a facilitator-run shop without an account: the dashboard shows the decision
    lang = user.locale or "id"
    send_email(
        session,
        to=user.email,
        template="label_decision",
        lang=lang,
        context={
            "name": user.name,
            "approved": approve,
            "label": localized(label.label_type, "name", lang),
            "product": localized(label.product, "title", lang),
            "valid_until": long_date(label.valid_until, lang),
            "note": note,
            "link": external_url("labels.seller_labels"),
        },
    )


# ---------------------------------------------------------------------------------------------
# Curator: registry
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryFilter:
    """Registry filters: label type code, village slug, state ("", valid, expiring, expired)."""

    type_code: str = ""
    village: str = ""
    state: str = ""
    ignored: tuple[str, ...] = field(default=())


def parse_registry_filter(args) -> RegistryFilter:
    """Filters from query arguments; malformed values are dropped (and listed in `ignored`)."""
    ignored = []
    type_code = (args.get("type") or "").strip().lower()
    if type_code and not CODE_RE.match(type_code):
        ignored.append("type")
        type_code = ""
    village = (args.get("village") or "").strip().lower()
    if village and not re.match(r"^[a-z0-9][a-z0-9-]{0,139}$", village):
        ignored.append("village")
        village = ""
    state = (args.get("state") or "").strip()
    if state not in REGISTRY_STATES:
        ignored.append("state")
        state = ""
    return RegistryFilter(type_code=type_code, village=village, state=state, ignored=tuple(ignored))


def registry_select(filters: RegistryFilter, *, today: date, days: int = EXPIRY_WARNING_DAYS) -> sa.Select:
    """Verified labels with product, seller, village and type, filtered, soonest expiry first."""
    stmt = _with_context(sa.select(ProductLabel)).where(ProductLabel.status == LabelStatus.VERIFIED)
    if filters.type_code:
        stmt = stmt.where(LabelType.code == filters.type_code)
    if filters.village:
        stmt = stmt.where(Region.slug == filters.village)
    if filters.state == "valid":
        stmt = stmt.where(sa.or_(ProductLabel.valid_until.is_(None), ProductLabel.valid_until >= today))
    elif filters.state == "expiring":
        stmt = stmt.where(ProductLabel.valid_until.between(today, today + timedelta(days=days)))
    elif filters.state == "expired":
        stmt = stmt.where(ProductLabel.valid_until < today)
    return stmt.order_by(ProductLabel.valid_until.is_(None), ProductLabel.valid_until, ProductLabel.id)


def list_registry(
    session: Session,
    filters: RegistryFilter,
    *,
    today: date,
    page: int = 1,
    per_page: int = REGISTRY_PAGE_SIZE,
) -> tuple[list[ProductLabel], bool]:
    """One page of the registry and whether there is a next page (one query)."""
    page = max(1, min(page, 10_000))
    rows = list(
        session.scalars(
            registry_select(filters, today=today).limit(per_page + 1).offset((page - 1) * per_page)
        )
    )
    return rows[:per_page], len(rows) > per_page


def iter_registry(session: Session, filters: RegistryFilter, *, today: date):
    """Every registry row, for the CSV download (one query, streamed in batches)."""
    return session.scalars(registry_select(filters, today=today).execution_options(yield_per=500))


def list_villages(session: Session) -> list[Region]:
    """Villages that have at least one seller, by name (for the registry's filter)."""
    return list(
        session.scalars(
            sa.select(Region).where(Region.id.in_(sa.select(Seller.village_id))).order_by(Region.name)
        )
    )


# ---------------------------------------------------------------------------------------------
# Curator: label types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelTypeInput:
    code: str
    name_id: str
    name_en: str
    description_id: str = ""
    description_en: str = ""
    issuer: str = ""
    requires_certificate: bool = True
    position: int | None = 0


_TYPE_FIELDS = (
    "code", "name_id", "name_en", "description_id", "description_en", "issuer",
    "requires_certificate", "position",
)  # fmt: skip


def _type_values(label_type: LabelType) -> dict:
    return {name: getattr(label_type, name) for name in _TYPE_FIELDS}


def _normalized_type(data: LabelTypeInput) -> dict:
    return {
        "code": _clean(data.code).lower(),
        "name_id": _clean(data.name_id),
        "name_en": _clean(data.name_en),
        "description_id": _clean_block(data.description_id),
        "description_en": _clean_block(data.description_en),
        "issuer": _clean(data.issuer),
        "requires_certificate": bool(data.requires_certificate),
        "position": data.position if data.position is not None else 0,
    }


def check_label_type(
    session: Session, data: LabelTypeInput, *, existing: LabelType | None = None
) -> dict[str, str]:
    values = _normalized_type(data)
    errors: dict[str, str] = {}
    if not CODE_RE.match(values["code"]):
        errors["code"] = _l("Use 1 to 40 lowercase letters, digits, dots, dashes or underscores, e.g. p-irt.")
    else:
        clash = sa.select(sa.func.count()).select_from(LabelType).where(LabelType.code == values["code"])
        if existing is not None:
            clash = clash.where(LabelType.id != existing.id)
        if session.scalar(clash):
            errors["code"] = _l("Another label type already uses this code.")
    for name, limit in (("name_id", 120), ("name_en", 120), ("issuer", 120)):
        if len(values[name]) > limit:
            errors[name] = _l("At most %(n)d characters.", n=limit)
    if not values["name_id"]:
        errors["name_id"] = _l("This field is required.")
    if not values["name_en"]:
        errors["name_en"] = _l("This field is required.")
    for name in ("description_id", "description_en"):
        if len(values[name]) > 5000:
            errors[name] = _l("At most %(n)d characters.", n=5000)
    if not -1000 <= values["position"] <= 1000:
        errors["position"] = _l("Enter a number between %(low)d and %(high)d.", low=-1000, high=1000)
    return errors


def _flush_type(session: Session) -> None:
    # Two curators creating the same code at once: the UNIQUE constraint decides, politely.
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise InvalidInput({"code": _l("Another label type already uses this code.")}) from error


def create_label_type(session: Session, *, data: LabelTypeInput, curator: User) -> LabelType:
    """Add a label type (InvalidInput with a message per wrong field). Audited."""
    errors = check_label_type(session, data)
    if errors:
        raise InvalidInput(errors)
    label_type = LabelType(**_normalized_type(data))
    session.add(label_type)
    _flush_type(session)
    record_action(
        session, actor=curator, action="label_type.create", target_type="label_type",
        target_id=label_type.id, target_label=label_type.code, after=_type_values(label_type),
    )  # fmt: skip
    return label_type


def update_label_type(
    session: Session, *, label_type: LabelType, data: LabelTypeInput, curator: User
) -> bool:
    """Change a label type; False when nothing changed. Audited with the changed values only."""
    errors = check_label_type(session, data, existing=label_type)
    if errors:
        raise InvalidInput(errors)
    before = _type_values(label_type)
    after = _normalized_type(data)
    old, new = changed_values(before, after)
    if not new:
        return False
    for name, value in new.items():
        setattr(label_type, name, value)
    _flush_type(session)
    record_action(
        session, actor=curator, action="label_type.update", target_type="label_type",
        target_id=label_type.id, target_label=label_type.code, before=old, after=new,
    )  # fmt: skip
    return True


def get_label_type(session: Session, type_id: int) -> LabelType:
    label_type = session.get(LabelType, type_id)
    if label_type is None:
        raise NotFound(_l("Label type not found."))
    return label_type


def label_type_usage(session: Session) -> dict[int, int]:
    """How many verified labels each type has (for the types list): one query."""
    rows = session.execute(
        sa.select(ProductLabel.label_type_id, sa.func.count())
        .where(ProductLabel.status == LabelStatus.VERIFIED)
        .group_by(ProductLabel.label_type_id)
    )
    return {type_id: count for type_id, count in rows}


# ---------------------------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderResult:
    emails: int
    labels: int


def send_expiry_reminders(
    session: Session, *, today: date, days: int = EXPIRY_WARNING_DAYS
) -> ReminderResult:
    """Email each seller whose verified labels expire within `days`: one email per seller listing them.

    Idempotent: each (label, valid_until) reminded is recorded in LabelReminder (unique), so a
    second run sends nothing new, and a renewed label (new valid_until) is reminded again.
    Sellers without an account are skipped (and reminded once an account is attached).
    Archived products are left out. Flushes only; the caller commits.
    """
    from marketplace.email.links import external_url
    from marketplace.email.services import send_email

    reminded = sa.exists().where(
        LabelReminder.label_id == ProductLabel.id, LabelReminder.valid_until == ProductLabel.valid_until
    )
    due = list(
        session.scalars(
            _with_context(sa.select(ProductLabel))
            .where(
                ProductLabel.status == LabelStatus.VERIFIED,
                ProductLabel.valid_until.between(today, today + timedelta(days=days)),
                Product.status != ProductStatus.ARCHIVED,
                ~reminded,
            )
            .order_by(Seller.id, ProductLabel.valid_until, ProductLabel.id)
        )
    )
    by_seller: dict[int, list[ProductLabel]] = {}
    for label in due:
        by_seller.setdefault(label.product.seller_id, []).append(label)
    user_ids = {label.product.seller.user_id for label in due if label.product.seller.user_id}
    users = (
        {u.id: u for u in session.scalars(sa.select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    )
    emails = labels_done = 0
    for labels in by_seller.values():
        seller = labels[0].product.seller
        user = users.get(seller.user_id) if seller.user_id else None
        if user is None or not user.email:
            continue
        lang = user.locale or "id"
        rows = [
            {
                "label": localized(label.label_type, "name", lang),
                "product": localized(label.product, "title", lang),
                "certificate_number": label.certificate_number,
                "valid_until": long_date(label.valid_until, lang),
                "days_left": (label.valid_until - today).days,
            }
            for label in labels
        ]
        send_email(
            session,
            to=user.email,
            template="label_reminder",
            lang=lang,
            context={
                "name": user.name,
                "shop": seller.name,
                "rows": rows,
                "link": external_url("labels.seller_labels"),
            },
        )
        for label in labels:
            session.add(LabelReminder(label_id=label.id, valid_until=label.valid_until))
        emails += 1
        labels_done += len(labels)
    session.flush()
    return ReminderResult(emails=emails, labels=labels_done)


__all__ = [
    "EVIDENCE_MAX_BYTES",
    "EVIDENCE_PREFIX",
    "Evidence",
    "LabelRequestInput",
    "LabelTypeInput",
    "RegistryFilter",
    "ReminderResult",
    "check_evidence",
    "create_label_type",
    "decide_label",
    "expiring_labels",
    "list_registry",
    "list_requested",
    "list_seller_labels",
    "request_label",
    "send_expiry_reminders",
    "update_label_type",
]
