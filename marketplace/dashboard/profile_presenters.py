"""The shop profile page's values: what waits for a curator, the last decision, the photos."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from marketplace.contact import mobile_display
from marketplace.seller.models import (
    ProfileChangeStatus,
    Seller,
    SellerStatus,
    ShopProfileRevision,
    WorkshopPhoto,
)
from marketplace.seller.presenters import workshop_photo_view
from marketplace.seller.profile import MAX_WORKSHOP_PHOTOS, REVIEWED_PROFILE_FIELDS, reviews_text
from marketplace.seller.whatsapp import public_whatsapp
from marketplace.timezones import jakarta_time

FIELD_LABELS = {
    "name": _l("Business name"),
    "story_id": _l("Your story, in Indonesian"),
    "story_en": _l("Your story, in English (optional)"),
    "village_id": _l("Village (desa)"),
}


def waiting_summary(revision: ShopProfileRevision | None, photos: list[WorkshopPhoto]) -> list[str]:
    """What waits for a curator, as short lines ("Business name", "2 new photos", …)."""
    if revision is None:
        return []
    changes = revision.changes or {}
    lines = [str(FIELD_LABELS[name]) for name in REVIEWED_PROFILE_FIELDS if name in changes]
    new = sum(1 for photo in photos if photo.approved_at is None)
    if new:
        lines.append(ngettext("%(num)d new workshop photo", "%(num)d new workshop photos", new))
    if changes.get("photo_alts"):
        lines.append(_("Photo descriptions"))
    return lines


def decision_view(revision: ShopProfileRevision | None, lang: str) -> dict | None:
    if revision is None or revision.reviewed_at is None:
        return None
    return {
        "approved": revision.status == ProfileChangeStatus.APPROVED,
        "when": jakarta_time(revision.reviewed_at, lang),
        "note": revision.reviewer_note,
    }


def profile_page(
    seller: Seller,
    *,
    pending: ShopProfileRevision | None,
    decision: ShopProfileRevision | None,
    photos: list[WorkshopPhoto],
    payout_url: str,
    lang: str,
) -> dict:
    """Everything templates/seller/profile.html shows besides its forms. `payout_url`: where this
    account adds the missing payout bank account (the last part of a complete profile), or ""."""
    alts = ((pending.changes or {}).get("photo_alts") or {}) if pending is not None else {}
    photo_views = []
    for index, photo in enumerate(photos, start=1):
        view = workshop_photo_view(photo, lang, width=320)
        view["number"] = index
        view["alt_waiting"] = str(photo.id) in alts
        photo_views.append(view)
    number = public_whatsapp(seller)
    return {
        "id": seller.id,
        "name": seller.name,
        "reviews_text": reviews_text(seller),
        "waiting": waiting_summary(pending, photos),
        "decision": decision_view(decision, lang),
        "photos": photo_views,
        "can_add_photo": len(photos) < MAX_WORKSHOP_PHOTOS,
        "max_photos": MAX_WORKSHOP_PHOTOS,
        "whatsapp": mobile_display(number) if number else "",
        "contact_url": url_for("seller.contact", seller_id=seller.id),
        "payout_url": payout_url,
        "public_url": url_for("storefront.seller", slug=seller.slug)
        if seller.status == SellerStatus.APPROVED
        else "",
    }
