"""Curators' side of labels: the queue of requests, decisions (emailed to the seller), the registry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from marketplace.accounts.models import User
from marketplace.audit.services import record_action
from marketplace.catalogue.models import Product, Region
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.errors import InvalidInput
from marketplace.i18n import localized
from marketplace.i18n import message as _l
from marketplace.labels.common import (
    CODE_RE,
    EXPIRY_WARNING_DAYS,
    QUEUE_LIMIT,
    REGISTRY_PAGE_SIZE,
    REGISTRY_STATES,
    clean_block,
)
from marketplace.labels.models import LabelStatus, LabelType, ProductLabel
from marketplace.labels.requests import label_values
from marketplace.seller.models import Seller
from marketplace.timezones import day_text, jakarta_date


def with_context(stmt: sa.Select) -> sa.Select:
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
    stmt = with_context(sa.select(ProductLabel)).where(ProductLabel.status == LabelStatus.REQUESTED)
    return list(session.scalars(stmt.order_by(ProductLabel.created_at, ProductLabel.id).limit(limit)))


def verification_problems(label: ProductLabel, *, today: date, no_end_date: bool = False) -> dict[str, str]:
    """Why `label` may not be verified on `today`, per missing or wrong part; empty when it may.

    The office verifies labels against evidence. A label whose type needs a certificate (Halal,
    P-IRT, BPOM MD, SNI, Batikmark) needs the certificate file and its number, and its last valid
    day, unless the curator confirms (`no_end_date`) that the certificate has none, as halal
    certificates issued since 2023 do. A label the curator gives after a visit (Kurasi Kecamatan,
    handmade…) needs none of them: the visit is the evidence. No label is verified once its last
    valid day has passed.
    """
    problems: dict[str, str] = {}
    if label.label_type.requires_certificate:
        if not label.evidence_key:
            problems["evidence"] = _l(
                "There is no certificate file: the label is verified only against the certificate."
            )
        if not clean_block(label.certificate_number):
            problems["certificate_number"] = _l("There is no certificate number.")
        if label.valid_until is None and not no_end_date:
            problems["valid_until"] = _l(
                "There is no last valid day. If the certificate has no end date, tick the box that says so."
            )
    if label.valid_until is not None and label.valid_until < today:
        problems["valid_until"] = _l("The last valid day has passed: the certificate has expired.")
    return problems


def decide_label(
    session: Session,
    *,
    label: ProductLabel,
    approve: bool,
    curator: User,
    note: str,
    now: datetime,
    no_end_date: bool = False,
) -> bool:
    """Verify or reject a requested label; False (nothing changed) when it was no longer requested.

    The status changes by a conditional UPDATE, so a double submit, or two curators at once, has
    one effect: one audit row, one email. A rejection needs a reason (InvalidInput otherwise),
    which the seller reads in the email and on /seller/labels. A verification needs what
    `verification_problems` asks for on the Jakarta day of `now` (InvalidInput naming each missing
    part otherwise; the curator rejects such a request with the reason instead); `no_end_date` is
    the curator's word that the certificate has no end date, kept in the audit row. Public pages
    change at commit (the page-cache generation is bumped for every write to product_labels).
    """
    if label.status != LabelStatus.REQUESTED:
        return False
    note = clean_block(note)[:2000]
    if not approve and not note:
        raise InvalidInput({"note": _l("Write the reason, so the seller knows what to fix.")})
    confirmed_no_end = False
    if approve:
        problems = verification_problems(label, today=jakarta_date(now), no_end_date=no_end_date)
        if problems:
            raise InvalidInput(problems)
        confirmed_no_end = label.label_type.requires_certificate and label.valid_until is None
    before = label_values(label)
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
        # The curator's word that the certificate has no end date (nothing else records it).
        after={"status": label.status, **({"no_end_date": True} if confirmed_no_end else {})},
        note=note,
    )
    _email_decision(session, label, approve=approve, note=note)
    return True


def _seller_user(session: Session, seller: Seller) -> User | None:
    return session.get(User, seller.user_id) if seller.user_id else None


def _email_decision(session: Session, label: ProductLabel, *, approve: bool, note: str) -> None:
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
            "valid_until": day_text(label.valid_until, lang),
            "note": note,
            "link": external_url("labels.seller_labels"),
        },
    )


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
    stmt = with_context(sa.select(ProductLabel)).where(ProductLabel.status == LabelStatus.VERIFIED)
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
