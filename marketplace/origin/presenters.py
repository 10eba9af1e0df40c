"""What the tag sheet, the public verification page and the curator's list show, precomputed.

A hang-tag carries both languages at once (a tourist and the maker read the same tag), so its
fixed words are translated here under each language in turn; pages show the reader's language.
"""

from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from marketplace.catalogue.models import Product
from marketplace.i18n import localized
from marketplace.labels.models import LabelStatus, ProductLabel
from marketplace.labels.visibility import is_label_visible, one_label_per_type, visible_labels
from marketplace.media.images import picture_attrs
from marketplace.origin.models import OriginTag
from marketplace.origin.qr import qr_svg, tag_url
from marketplace.origin.services import is_printable
from marketplace.seller.models import SellerStatus
from marketplace.timezones import day_text, jakarta_time

#: Tags on one A4 sheet: two columns of four, each about 9 × 6.5 cm.
TAGS_PER_SHEET = 8
LANGUAGES = ("id", "en")


def _both(text_id: str, text_en: str) -> dict:
    """One phrase in both languages; `same` when they read alike (shown once)."""
    return {"id": text_id, "en": text_en, "same": text_id == text_en}


def _translated(text) -> dict:
    """A lazy string (`_l`) read in each language in turn."""
    texts = []
    for lang in LANGUAGES:
        with force_locale(lang):
            texts.append(str(text))
    return _both(*texts)


def _village_line(product: Product) -> str:
    village = product.seller.village
    parent = village.parent
    return f"{village.name}, {parent.name}" if parent is not None else village.name


def tag_face(product: Product, tag: OriginTag, today: date) -> dict:
    """Everything printed on one hang-tag; the sheet repeats it TAGS_PER_SHEET times."""
    url = tag_url(tag.code)
    labels = [
        {
            "name": _both(
                localized(label.label_type, "name", "id"), localized(label.label_type, "name", "en")
            ),
            "number": label.certificate_number,
        }
        for label in visible_labels(product, today)
    ]
    return {
        "url": url,
        "short_url": url.split("://", 1)[-1],
        "qr": qr_svg(url, title=gettext("QR code: %(url)s", url=url)),
        "title": _both(localized(product, "title", "id"), localized(product, "title", "en")),
        "maker_heading": _translated(_l("Made by")),
        "maker": product.seller.name,
        "village_heading": _translated(_l("Village")),
        "village": _village_line(product),
        "cluster_heading": _translated(_l("Cluster")),
        "cluster": _both(localized(product.cluster, "name", "id"), localized(product.cluster, "name", "en")),
        "labels_heading": _translated(_l("Verified labels")),
        "labels": labels,
        "scan": _translated(_l("Scan to check where it comes from")),
    }


def sheet(product: Product, tag: OriginTag | None, today: date, lang: str) -> dict:
    """The seller's tag page: the sheet when the tag can be printed, otherwise why not."""
    printable = is_printable(product)
    revoked = tag is not None and tag.is_revoked
    return {
        "product_id": product.id,
        "title": localized(product, "title", lang),
        "product_url": url_for("seller.edit_product", product_id=product.id),
        "has_tag": tag is not None,
        "can_make": tag is None and printable,
        "not_on_sale": not printable,
        "revoked": revoked,
        "revoke_reason": tag.revoke_reason if revoked else "",
        "revoked_on": jakarta_time(tag.revoked_at, lang) if revoked else "",
        "verify_url": tag_url(tag.code) if tag is not None else "",
        "tags": [tag_face(product, tag, today)] * TAGS_PER_SHEET if tag and printable and not revoked else [],
    }


def label_standing(product: Product, today: date, lang: str) -> list[dict]:
    """Each label type a curator ever verified for the product, as it stands today.

    Requests and rejections never vouched for anything and are left out; of a renewed label the
    one lasting longest is shown (so an old expired certificate does not hide its renewal).
    """
    verified = sorted(
        (label for label in product.labels if label.status == LabelStatus.VERIFIED),
        key=lambda label: (label.label_type.position, label.label_type.code),
    )
    return [_label_row(label, today, lang) for label in one_label_per_type(verified)]


def _label_row(label: ProductLabel, today: date, lang: str) -> dict:
    valid = is_label_visible(label, today)
    until = day_text(label.valid_until, lang)
    if valid:
        state_text = gettext("Verified, valid until %(date)s", date=until) if until else gettext("Verified")
    else:
        state_text = gettext("Expired on %(date)s", date=until)
    return {
        "name": localized(label.label_type, "name", lang),
        "number": label.certificate_number,
        "issuer": label.issuer,
        "state": "verified" if valid else "expired",
        "state_text": state_text,
    }


def verification(tag: OriginTag, today: date, lang: str) -> dict:
    """The public page of a scanned tag."""
    product = tag.product
    seller = product.seller
    on_sale = is_printable(product)
    title = localized(product, "title", lang)
    photo = None
    if product.images and not tag.is_revoked:
        photo = {**picture_attrs(product.images[0], wanted_width=480), "alt": title}
    return {
        "title": title,
        "revoked": tag.is_revoked,
        "revoke_reason": tag.revoke_reason,
        "revoked_on": jakarta_time(tag.revoked_at, lang) if tag.is_revoked else "",
        "on_sale": on_sale,
        # A revoked tag links nowhere: the page must not read as a recommendation.
        "product_url": url_for("storefront.product", product_id=product.id, slug=product.slug)
        if on_sale and not tag.is_revoked
        else "",
        "maker": seller.name,
        "maker_url": url_for("storefront.seller", slug=seller.slug)
        if seller.status == SellerStatus.APPROVED
        else "",
        "village": _village_line(product),
        "village_url": url_for("storefront.village", slug=seller.village.slug),
        "cluster": localized(product.cluster, "name", lang),
        "labels": [] if tag.is_revoked else label_standing(product, today, lang),
        "photo": photo,
        "checked_on": day_text(today, lang),
    }


def curator_row(tag: OriginTag, lang: str) -> dict:
    product = tag.product
    return {
        "id": tag.id,
        "code": tag.code,
        "title": localized(product, "title", lang),
        "shop": product.seller.name,
        "village": product.seller.village.name,
        "created": jakarta_time(tag.created_at, lang),
        "revoked": tag.is_revoked,
        "revoked_on": jakarta_time(tag.revoked_at, lang) if tag.is_revoked else "",
        "revoke_reason": tag.revoke_reason,
        "verify_url": url_for("origin.verify", code=tag.code),
    }


def state_options(selected: str) -> list[dict]:
    labels = {"": gettext("All tags"), "active": gettext("Vouching"), "revoked": gettext("Revoked")}
    return [
        {"value": value, "label": label, "selected": value == selected} for value, label in labels.items()
    ]
