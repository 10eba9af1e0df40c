"""Label view models: status words, expiry warnings, local dates, links (values templates print)."""

from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from marketplace.catalogue.models import ProductStatus
from marketplace.i18n import localized
from marketplace.labels import requests
from marketplace.labels.models import LabelStatus, ProductLabel
from marketplace.spreadsheets import safe_cell
from marketplace.timezones import day_text, jakarta_time

STATUS_LABELS = {
    LabelStatus.REQUESTED: _l("Waiting for a curator"),
    LabelStatus.VERIFIED: _l("Verified"),
    LabelStatus.REJECTED: _l("Not verified"),
}


def status_label(status) -> str:
    return str(STATUS_LABELS.get(status, status))


def expiry_text(label: ProductLabel, today: date) -> str:
    """ "Expires in 12 days", "Expires today", "Expired" or "" (no expiry or not verified)."""
    left = requests.days_left(label, today)
    if left is None:
        return ""
    if left < 0:
        return _("Expired")
    if left == 0:
        return _("Expires today")
    return ngettext("Expires in %(num)d day", "Expires in %(num)d days", left)


def _state(label: ProductLabel, today: date) -> str:
    """CSS-ready state: requested, verified, expiring, expired or rejected."""
    left = requests.days_left(label, today)
    if label.status == LabelStatus.VERIFIED:
        if left is not None and left < 0:
            return "expired"
        if requests.is_expiring(label, today):
            return "expiring"
    return str(label.status)


def seller_row(label: ProductLabel, today: date, lang: str) -> dict:
    """One line of /seller/labels."""
    state = _state(label, today)
    shown_status = _("Expired") if state == "expired" else status_label(label.status)
    return {
        "id": label.id,
        "label": localized(label.label_type, "name", lang),
        "product": localized(label.product, "title", lang),
        "product_url": url_for("seller.edit_product", product_id=label.product_id),
        "state": state,
        "status": shown_status,
        "certificate_number": label.certificate_number,
        "issuer": label.issuer,
        "valid_until": day_text(label.valid_until, lang),
        "expiry": expiry_text(label, today) if label.status == LabelStatus.VERIFIED else "",
        "warn": state == "expiring",
        "reason": label.reviewer_note if label.status == LabelStatus.REJECTED else "",
        "requested": jakarta_time(label.created_at, lang),
        "evidence_url": url_for("labels.seller_evidence", label_id=label.id) if label.evidence_key else "",
        "can_renew": state in (LabelStatus.REJECTED, "expired", "expiring"),
        "renew_url": url_for("labels.request_label", product_id=label.product_id, type=label.label_type_id),
    }


def warning_row(label: ProductLabel, today: date, lang: str) -> dict:
    """A dashboard warning: which label on which product expires when."""
    return {
        "label": localized(label.label_type, "name", lang),
        "product": localized(label.product, "title", lang),
        "expiry": expiry_text(label, today),
        "valid_until": day_text(label.valid_until, lang),
        "renew_url": url_for("labels.request_label", product_id=label.product_id, type=label.label_type_id),
    }


def dashboard_warnings(session, seller_ids, *, today: date, lang: str) -> list[dict]:
    """Precomputed warnings for the seller dashboard (labels expiring within 30 days)."""
    return [
        warning_row(label, today, lang)
        for label in requests.expiring_labels(session, seller_ids, today=today)
    ]


def queue_row(label: ProductLabel, lang: str, problems: dict[str, str] | None = None) -> dict:
    """One request of the curators' queue; `problems`: what stops verifying it (verification_problems)."""
    product = label.product
    seller = product.seller
    return {
        "id": label.id,
        "label": localized(label.label_type, "name", lang),
        "label_code": label.label_type.code,
        "requires_certificate": label.label_type.requires_certificate,
        "product": localized(product, "title", lang),
        # Only live products have a public page to look at.
        "product_url": url_for("storefront.product", product_id=product.id, slug=product.slug)
        if product.status == ProductStatus.ACTIVE
        else "",
        "seller": seller.name,
        "village": seller.village.name,
        "certificate_number": label.certificate_number,
        "issuer": label.issuer,
        "valid_until": day_text(label.valid_until, lang),
        "requested": jakarta_time(label.created_at, lang),
        "evidence_url": url_for("labels.curator_evidence", label_id=label.id) if label.evidence_key else "",
        "problems": [str(message) for message in (problems or {}).values()],
        # A certificate without a last valid day (and nothing else missing): the curator ticks
        # that it has none, or rejects.
        "asks_end_date": label.label_type.requires_certificate and label.valid_until is None and not problems,
    }


def registry_row(label: ProductLabel, today: date, lang: str) -> dict:
    product = label.product
    return {
        "id": label.id,
        "label": localized(label.label_type, "name", lang),
        "label_code": label.label_type.code,
        "product": localized(product, "title", lang),
        "product_url": url_for("storefront.product", product_id=product.id, slug=product.slug),
        "seller": product.seller.name,
        "village": product.seller.village.name,
        "certificate_number": label.certificate_number,
        "issuer": label.issuer or label.label_type.issuer,
        "valid_until": day_text(label.valid_until, lang) or _("No expiry"),
        "expiry": expiry_text(label, today),
        "state": _state(label, today),
        "verified": jakarta_time(label.reviewed_at, lang),
        "evidence_url": url_for("labels.curator_evidence", label_id=label.id) if label.evidence_key else "",
    }


CSV_HEADER = (
    "label_code", "label", "product_id", "product", "seller", "village", "certificate_number", "issuer",
    "valid_until", "state", "verified_at",
)  # fmt: skip


def registry_csv_row(label: ProductLabel, today: date, lang: str) -> list[str]:
    """Plain values for the CSV: ISO dates, codes, and no formula-looking cells."""
    product = label.product
    values = [
        label.label_type.code,
        localized(label.label_type, "name", lang),
        str(product.id),
        localized(product, "title", lang),
        product.seller.name,
        product.seller.village.name,
        label.certificate_number,
        label.issuer or label.label_type.issuer,
        label.valid_until.isoformat() if label.valid_until else "",
        _state(label, today),
        label.reviewed_at.isoformat(timespec="seconds") if label.reviewed_at else "",
    ]
    return [safe_cell(value) for value in values]


def type_row(label_type, usage: int, lang: str) -> dict:
    return {
        "id": label_type.id,
        "code": label_type.code,
        "name": localized(label_type, "name", lang),
        "name_id": label_type.name_id,
        "name_en": label_type.name_en,
        "issuer": label_type.issuer,
        "requires_certificate": label_type.requires_certificate,
        "position": label_type.position,
        "usage": usage,
        "edit_url": url_for("labels.edit_type", type_id=label_type.id),
    }
