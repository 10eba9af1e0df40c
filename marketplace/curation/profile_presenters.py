"""Shop profile changes as the curator reads them: queue rows, and live beside proposed per field."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from marketplace.curation.shop_profiles import ProfileQueueItem, ProfileReview
from marketplace.media import rendition_url, rendition_widths
from marketplace.seller.models import SellerStatus
from marketplace.seller.presenters import workshop_photo_view
from marketplace.timezones import jakarta_time

FIELD_LABELS = {
    "name": _l("Shop name"),
    "story_id": _l("Story, in Indonesian"),
    "story_en": _l("Story, in English"),
    "village_id": _l("Desa"),
}
#: Wide enough to judge a photo on a phone (the review shows it full width there).
REVIEW_PHOTO_WIDTH = 640


def _changed_text(fields, new_photos: int, alt_changes: int) -> str:
    parts = [str(FIELD_LABELS[name]) for name in fields]
    if new_photos:
        parts.append(ngettext("%(num)d new workshop photo", "%(num)d new workshop photos", new_photos))
    if alt_changes:
        parts.append(str(_l("Photo descriptions")))
    return ", ".join(parts)


def profile_queue_row(item: ProfileQueueItem, lang: str) -> dict:
    seller = item.revision.seller
    return {
        "shop": seller.name,
        "village": seller.village.name,
        "changed": _changed_text(item.changed_fields, item.new_photos, item.alt_changes),
        "submitted": jakarta_time(item.revision.updated_at, lang),
        "url": url_for("curation.shop_profile_review", seller_id=seller.id),
    }


def profile_review_view(review: ProfileReview, lang: str) -> dict:
    seller = review.seller
    return {
        "shop": seller.name,
        "village": seller.village.name,
        "submitted": jakarta_time(review.revision.updated_at, lang),
        "submitted_by": review.submitted_by,
        "public_url": url_for("storefront.seller", slug=seller.slug)
        if seller.status == SellerStatus.APPROVED
        else "",
        "fields": [
            {
                "label": str(FIELD_LABELS[f.name]),
                "live": f.live or "",
                "proposed": f.proposed or "",
                "changed": f.changed,
                "lang": "id" if f.name == "story_id" else ("en" if f.name == "story_en" else ""),
            }
            for f in review.fields
        ],
        "new_photos": [
            {
                **workshop_photo_view(photo, lang, width=REVIEW_PHOTO_WIDTH),
                "full": rendition_url(photo.storage_key, rendition_widths(photo.width)[-1]),
                "alt_id": photo.alt_id,
                "alt_en": photo.alt_en,
            }
            for photo in review.new_photos
        ],
        "live_photo_count": len(review.live_photos),
        "alt_changes": [
            {
                **workshop_photo_view(change.photo, lang, width=REVIEW_PHOTO_WIDTH),
                "live_id": change.photo.alt_id,
                "live_en": change.photo.alt_en,
                "proposed_id": change.alt_id,
                "proposed_en": change.alt_en,
            }
            for change in review.alt_changes
        ],
        "version": review.version,
        "decision_url": url_for("curation.decide_shop_profile", seller_id=seller.id),
        "key": f"shop-{seller.id}",
    }
