"""Sellers' label requests with evidence, their labels and how soon they expire."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from marketplace.accounts.models import ActorRole, User
from marketplace.audit.services import default_role, record_action
from marketplace.catalogue.models import Product, ProductStatus
from marketplace.errors import InvalidInput, NotFound, ValidationError
from marketplace.i18n import message as _l
from marketplace.labels.common import EXPIRY_WARNING_DAYS, MAX_VALID_YEARS, clean_text
from marketplace.labels.evidence import EVIDENCE_PREFIX, Evidence, check_evidence
from marketplace.labels.models import LabelStatus, LabelType, ProductLabel
from marketplace.media.images import DEFAULT_MAX_PIXELS, new_storage_key
from marketplace.media.storage import MediaStorage


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
    if len(clean_text(data.certificate_number)) > 80:
        errors["certificate_number"] = _l("At most %(n)d characters.", n=80)
    elif (
        label_type is not None and label_type.requires_certificate and not clean_text(data.certificate_number)
    ):
        errors["certificate_number"] = _l("Enter the number printed on the certificate.")
    if len(clean_text(data.issuer)) > 120:
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
    max_pixels: int = DEFAULT_MAX_PIXELS,
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
            checked = check_evidence(evidence, max_pixels=max_pixels)
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
            certificate_number=clean_text(data.certificate_number),
            issuer=clean_text(data.issuer) or label_type.issuer,
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
            after=label_values(label),
            actor_role=default_role(actor)
            if product.seller.user_id == actor.id or actor.is_curator
            else ActorRole.FACILITATOR,
        )
    except BaseException:
        if key:
            try:
                storage.delete(key)
            except OSError:
                pass  # an orphan private file with a random name is harmless
        raise
    return label


def label_values(label: ProductLabel) -> dict:
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
