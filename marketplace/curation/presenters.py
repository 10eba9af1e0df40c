"""Curator console view models: formatted money and Jakarta times, diff rows, chart geometry."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from babel.numbers import format_decimal
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace import contact
from marketplace.catalogue.photos import PhotoEntry, photo_view
from marketplace.catalogue.variants import option_names, variant_values_text
from marketplace.curation.featured import shown_position
from marketplace.curation.reviews import Application, FieldChange, ProductReview, QueueItem
from marketplace.i18n import localized
from marketplace.labels import presenters as label_presenters
from marketplace.labels.models import LabelStatus
from marketplace.media.images import best_width, rendition_url
from marketplace.money import money_text
from marketplace.seller.presenters import seller_kind_label
from marketplace.spreadsheets import safe_cell
from marketplace.timezones import day_text, jakarta_time, market_today, to_jakarta_local

#: What the review page calls each field a seller sets (reviews.REVIEW_FIELD_NAMES, photos, variants).
FIELD_LABELS = {
    "title_id": _l("Name, in Indonesian"),
    "title_en": _l("Name, in English"),
    "description_id": _l("Description, in Indonesian"),
    "description_en": _l("Description, in English"),
    "price_minor": _l("Price"),
    "cluster_id": _l("Kind of product"),
    "weight_grams": _l("Packed weight (grams)"),
    "length_mm": _l("Length (cm)"),
    "width_mm": _l("Width (cm)"),
    "height_mm": _l("Height (cm)"),
    "processing_days": _l("Days to prepare before shipping"),
    "exportable": _l("Can be shipped abroad"),
    "hs_code": _l("HS code for customs"),
    "low_stock_threshold": _l("Low-stock warning at"),
    "stock": _l("Units in stock now"),
    "photos": _l("Photos"),
    "variant_prices": _l("Variant prices"),
}
#: The seller's texts, each in one language (for the `lang` attribute screen readers follow).
TEXT_LANGUAGES = {"title_id": "id", "description_id": "id", "title_en": "en", "description_en": "en"}
#: Review photos: a 640 px rendition (srcset picks 320–1200), the largest one behind a link to zoom.
REVIEW_PHOTO_WIDTH = 640
ZOOM_WIDTH = 1200
REVIEW_PHOTO_SIZES = "(min-width: 48rem) 40vw, 92vw"


def application_row(item: Application, lang: str) -> dict:
    seller, account = item.seller, item.account
    return {
        "id": seller.id,
        "name": seller.name,
        "kind": seller_kind_label(seller.kind),
        "village": seller.village.name,
        "clusters": ", ".join(localized(c, "name", lang) for c in seller.clusters),
        "story_id": seller.story_id,
        "story_en": seller.story_en,
        # As the office dials it, and as slips and labels print it: "0812-3456-7890".
        "phone": contact.phone_text(seller.phone) or _("not given"),
        "email": item.applicant_email,
        "bank": _(
            "%(bank)s, account %(number)s, holder %(holder)s",
            bank=account.bank_name,
            number=account.account_number,
            holder=account.account_holder,
        )
        if account
        else _("not given"),
        "applied": jakarta_time(seller.created_at, lang),
        "previous_note": seller.review_note,
    }


def queue_row(item: QueueItem, lang: str) -> dict:
    product = item.product
    return {
        "id": product.id,
        "title": product.title_id,
        "seller": product.seller.name,
        "village": product.seller.village.name,
        "kind": _("New product") if item.is_new else _("Change to a product on sale"),
        "changed": ", ".join(str(FIELD_LABELS.get(n, n)) for n in item.changed_fields),
        "submitted": jakarta_time(item.submitted_at, lang),
        "url": url_for("curation.product_review", product_id=product.id),
    }


def _field_label(name: str) -> str:
    if name.startswith("variant_price:"):  # one variant's own price: "Price – XL"
        return f"{FIELD_LABELS['price_minor']} – {name.split(':', 1)[1]}"
    return str(FIELD_LABELS.get(name, name))


def _number(value, lang: str) -> str:
    return format_decimal(value, locale=lang)


def _text(name: str, value, review: ProductReview, lang: str) -> str:
    """A field's value as the review shows it ("" for none: the template says "(empty)")."""
    if value is None or value == "":
        return ""
    if name == "price_minor" or name.startswith("variant_price:"):
        return money_text(value, review.product.currency, lang)
    if name == "cluster_id":
        cluster = review.clusters.get(value)
        return localized(cluster, "name", lang) if cluster is not None else f"#{value}"
    if name == "exportable":
        return _("Yes") if value else _("No")
    if name.endswith("_mm"):  # stored in millimetres, typed by the seller in centimetres
        return format_decimal(Decimal(value).scaleb(-1), format="#,##0.#", locale=lang)
    if isinstance(value, int) and not isinstance(value, bool):
        return _number(value, lang)
    return str(value)


def _field_row(f: FieldChange, review: ProductReview, lang: str) -> dict:
    return {
        "name": f.name,
        "label": _field_label(f.name),
        "live": _text(f.name, f.live, review, lang),
        "proposed": _text(f.name, f.proposed, review, lang),
        "changed": f.changed,
        "lang": TEXT_LANGUAGES.get(f.name, ""),
    }


def _variant_rows(review: ProductReview, lang: str) -> tuple[list[dict], list[dict]]:
    """The sizes (or weights, colours…) a product sells, with each one's SKU, price, weight and
    stock as buyers see them, what changed since a curator last approved (`was_*`: the value then)
    and a waiting price; and the variants removed since. ([], []) for a product without options."""
    product = review.product
    options = product.options
    if not options:
        return [], []
    waiting = {f.name.split(":", 1)[1]: f for f in review.fields if f.name.startswith("variant_price:")}
    baseline = review.baseline
    rows = []
    for variant in product.variants:
        name = variant_values_text(options, variant)
        then = baseline.variants.get(variant.id, {})
        weight_then = then.get("weight_grams", variant.weight_grams)
        price = waiting.get(name)
        rows.append(
            {
                "name": name,
                "was_name": " / ".join(
                    then.get(f"value{o.position}", variant.values[o.position - 1]) or "–" for o in options
                )
                if any(k.startswith("value") for k in then)
                else "",
                "sku": variant.sku or "–",
                "was_sku": (then["sku"] or "–") if "sku" in then and then["sku"] != variant.sku else "",
                "price": money_text(variant.effective_price_minor, product.currency, lang),
                "proposed_price": money_text(price.proposed, product.currency, lang) if price else "",
                "weight": _number(variant.effective_weight_grams, lang),
                "was_weight": _number(weight_then if weight_then is not None else product.weight_grams, lang)
                if "weight_grams" in then and weight_then != variant.weight_grams
                else "",
                "stock": _number(variant.stock, lang),
                "new": not review.is_new and variant.id in baseline.added_variants,
            }
        )
        row = rows[-1]
        row["changed"] = bool(
            row["new"] or row["was_name"] or row["was_sku"] or row["was_weight"] or row["proposed_price"]
        )
    removed = [
        {
            "name": " / ".join(str(snapshot.get(f"value{o.position}") or "–") for o in options),
            "sku": snapshot.get("sku") or "",
        }
        for snapshot in baseline.removed_variants
    ]
    return rows, removed


def _review_photos(entries: list[PhotoEntry], title: str, lang: str) -> list[dict]:
    photos = []
    for number, entry in enumerate(entries, start=1):
        photo = photo_view(entry, title, width=REVIEW_PHOTO_WIDTH)
        photo["alt"] = _("Photo %(number)d of “%(title)s”, open it full size", number=number, title=title)
        photo["zoom"] = rendition_url(entry.storage_key, best_width(entry.width, ZOOM_WIDTH))
        photo["sizes"] = REVIEW_PHOTO_SIZES
        photos.append(photo)
    return photos


def _label_rows(product, lang: str) -> list[dict]:
    today = market_today()
    rows = []
    for label in sorted(product.labels, key=lambda item: (item.label_type.position, item.id)):
        expiry = label_presenters.expiry_text(label, today)
        rows.append(
            {
                "name": localized(label.label_type, "name", lang),
                "status": label_presenters.status_label(label.status),
                "certificate": label.certificate_number,
                "valid_until": day_text(label.valid_until, lang),
                "expiry": expiry,
            }
        )
    return rows


def review_view(review: ProductReview, lang: str) -> dict:
    """The review page: for a new listing every field; for a change, what waits for approval (live
    and proposed), what the seller changed at once since the last approval (then and now), and
    the rest, unchanged, apart."""
    product = review.product
    title = product.title_id
    rows = [_field_row(f, review, lang) for f in review.fields]

    live_tokens = {p.token for p in review.live_photos}
    proposed = _review_photos(review.proposed_photos, title, lang)
    for photo in proposed:
        photo["new"] = not review.is_new and photo["token"] not in live_tokens
    proposed_tokens = {p.token for p in review.proposed_photos}
    live = _review_photos(review.live_photos, title, lang)
    for photo in live:
        photo["removed"] = photo["token"] not in proposed_tokens
    variants, removed_variants = _variant_rows(review, lang)
    applied = {f.name for f in review.fields if f.applied}
    return {
        "id": product.id,
        "title": title,
        "seller": product.seller.name,
        "village": product.seller.village.name,
        "is_new": review.is_new,
        "submitted": jakarta_time(review.submitted_at, lang),
        "public_url": ""
        if review.is_new
        else url_for("storefront.product", product_id=product.id, slug=product.slug),
        "fields": rows,
        "waiting": [r for r in rows if r["changed"] and r["name"] not in applied],
        "applied": [r for r in rows if r["changed"] and r["name"] in applied],
        "unchanged": [r for r in rows if not r["changed"]],
        "applied_caption": _("Values when a curator last approved this product, and now")
        if review.baseline.approved_before
        else _("Values before the seller's changes, and now"),
        "live_photos": live,
        "proposed_photos": proposed,
        "photos_changed": review.photos_changed,
        "variants": variants,
        "removed_variants": removed_variants,
        "option_names": " / ".join(option_names(product.options, lang)),
        "labels": _label_rows(product, lang),
        "labels_url": url_for("labels.queue")
        if any(label.status == LabelStatus.REQUESTED for label in product.labels)
        else "",
        "revision_id": review.revision.id if review.revision else "",
        "version": review.version,
        "decision_url": url_for("curation.decide_product", product_id=product.id),
    }


# ---------------------------------------------------------------------------------------------
# Featured
# ---------------------------------------------------------------------------------------------


def placement_row(placement, lang: str, *, now) -> dict:
    product = placement.product
    return {
        "id": placement.id,
        "product_id": product.id,
        "product": localized(product, "title", lang),
        "seller": product.seller.name,
        "village": product.seller.village.name,
        "headline": localized(placement, "headline", lang),
        "position": shown_position(placement.position),
        "starts": jakarta_time(placement.starts_at, lang),
        "ends": jakarta_time(placement.ends_at, lang),
        "running": placement.starts_at <= now < placement.ends_at,
        # Nothing of it can be bought now: the home page's row shows it after the others
        # (storefront.listings._featured_order) until it is restocked. Said of placements not over.
        "sold_out": now < placement.ends_at and not product.has_offered_stock,
        "edit_url": url_for("curation.edit_featured", placement_id=placement.id),
        "end_url": url_for("curation.end_featured", placement_id=placement.id),
        "delete_url": url_for("curation.delete_featured", placement_id=placement.id),
    }


def search_row(product, lang: str) -> dict:
    return {
        "id": product.id,
        "title": localized(product, "title", lang),
        "seller": product.seller.name,
        "village": product.seller.village.name,
        "use_url": url_for("curation.featured", product=product.id, _anchor="new-placement"),
    }


# ---------------------------------------------------------------------------------------------
# Fairness: table rows, SVG bar chart geometry, CSV
# ---------------------------------------------------------------------------------------------

CHART_LABEL_WIDTH = 170
CHART_BAR_WIDTH = 300
CHART_ROW_HEIGHT = 26
CHART_TOP = 8


def fairness_rows(rows, lang: str, *, kind: str) -> list[dict]:
    return [
        {
            "name": row.name.name if kind == "village" else localized(row.name, "name", lang),
            "hours": row.hours,
            "share": f"{row.share}",
            "products": row.products,
        }
        for row in rows
    ]


def bar_chart(rows: list[dict], *, title: str, description: str) -> dict:
    """Geometry for a horizontal bar chart of `hours`, computed here so the template only prints."""
    most = max((r["hours"] for r in rows), default=0)
    bars = []
    for index, row in enumerate(rows):
        width = round(row["hours"] * CHART_BAR_WIDTH / most) if most else 0
        y = CHART_TOP + index * CHART_ROW_HEIGHT
        bars.append(
            {
                "name": row["name"],
                "hours": row["hours"],
                "y": y,
                "text_y": y + CHART_ROW_HEIGHT // 2 + 5,
                "bar_x": CHART_LABEL_WIDTH,
                "bar_y": y + 4,
                "bar_height": CHART_ROW_HEIGHT - 8,
                "width": max(width, 1 if row["hours"] else 0),
                "value_x": CHART_LABEL_WIDTH + max(width, 0) + 6,
            }
        )
    return {
        "title": title,
        "description": description,
        "width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 70,
        "height": CHART_TOP * 2 + CHART_ROW_HEIGHT * max(len(rows), 1),
        "bars": bars,
    }


def chart_description(rows: list[dict], total_hours: int) -> str:
    featured = [r for r in rows if r["hours"]]
    if not featured:
        return _("Nothing was featured in this period.")
    top = featured[0]
    return _(
        "%(total)d featured hours in all; most went to %(name)s (%(hours)d hours, %(share)s%%). "
        "Never featured: %(none)d.",
        total=total_hours,
        name=top["name"],
        hours=top["hours"],
        share=top["share"],
        none=len(rows) - len(featured),
    )


CSV_HEADER = ("group", "name", "featured_hours", "share_percent", "products")


def fairness_csv(village_rows: list[dict], cluster_rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for group, rows in (("village", village_rows), ("cluster", cluster_rows)):
        for row in rows:
            writer.writerow([group, safe_cell(row["name"]), row["hours"], row["share"], row["products"]])
    return out.getvalue()


def window_text(start, end, lang: str) -> str:
    return _("%(start)s to %(end)s", start=jakarta_time(start, lang), end=jakarta_time(end, lang))


def local_input(value) -> str:
    """A stored UTC time as the value of a datetime-local input (Jakarta wall clock)."""
    return to_jakarta_local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


# ---------------------------------------------------------------------------------------------
# What the seller sees of decisions (seller dashboard)
# ---------------------------------------------------------------------------------------------


def seller_decision_rows(session, seller_ids, lang: str) -> list[dict]:
    """The latest curator decisions on the shops' products, for the seller dashboard."""
    from marketplace.curation.models import RevisionStatus
    from marketplace.curation.reviews import list_recent_decisions

    rows = []
    for revision in list_recent_decisions(session, seller_ids):
        product = revision.product
        approved = revision.status == RevisionStatus.APPROVED
        if revision.changes:
            outcome = _("Changes approved") if approved else _("Changes not approved")
        else:
            outcome = _("Sent back to you")
        rows.append(
            {
                "title": localized(product, "title", lang),
                "url": url_for("seller.edit_product", product_id=product.id),
                "outcome": outcome,
                "note": revision.reviewer_note,
                "when": jakarta_time(revision.reviewed_at, lang),
            }
        )
    return rows
