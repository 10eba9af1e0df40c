"""Curator console view models: formatted money and Jakarta times, diff rows, chart geometry."""

from __future__ import annotations

import csv
import io

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.catalogue.photos import photo_view
from marketplace.catalogue.variants import option_names, variant_values_text
from marketplace.curation.reviews import Application, ProductReview, QueueItem
from marketplace.i18n import localized
from marketplace.money import money_text
from marketplace.seller.presenters import seller_kind_label
from marketplace.spreadsheets import safe_cell
from marketplace.timezones import jakarta_time, to_jakarta_local

FIELD_LABELS = {
    "title_id": _l("Name, in Indonesian"),
    "title_en": _l("Name, in English"),
    "description_id": _l("Description, in Indonesian"),
    "description_en": _l("Description, in English"),
    "price_minor": _l("Price"),
    "photos": _l("Photos"),
    "variant_prices": _l("Variant prices"),
}
THUMB_WIDTH = 160


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
        "phone": seller.phone,
        "email": item.applicant_email,
        "bank": _(
            "%(bank)s, account %(number)s, holder %(holder)s",
            bank=account.bank_name,
            number=account.account_number,
            holder=account.account_holder,
        )
        if account
        else "",
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


def _text(name: str, value, currency: str, lang: str) -> str:
    if value is None:
        return ""
    if name == "price_minor" or name.startswith("variant_price:"):
        return money_text(value, currency, lang)
    return str(value)


def _variant_rows(product, lang: str) -> list[dict]:
    """The sizes (or weights, colours…) a product sells, with each one's SKU, price, weight and
    stock as buyers will see them: [] for a product without options."""
    options = product.options
    if not options:
        return []
    return [
        {
            "name": variant_values_text(options, variant),
            "sku": variant.sku,
            "price": money_text(variant.effective_price_minor, product.currency, lang),
            "weight": variant.effective_weight_grams,
            "stock": variant.stock,
        }
        for variant in product.variants
    ]


def review_view(review: ProductReview, lang: str) -> dict:
    product = review.product
    title = product.title_id

    def photos(entries):
        return [photo_view(e, title, width=THUMB_WIDTH) for e in entries]

    live_tokens = {p.token for p in review.live_photos}
    proposed = photos(review.proposed_photos)
    for photo in proposed:
        photo["new"] = not review.is_new and photo["token"] not in live_tokens
    proposed_tokens = {p.token for p in review.proposed_photos}
    live = photos(review.live_photos)
    for photo in live:
        photo["removed"] = photo["token"] not in proposed_tokens
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
        "fields": [
            {
                "label": _field_label(f.name),
                "live": _text(f.name, f.live, product.currency, lang),
                "proposed": _text(f.name, f.proposed, product.currency, lang),
                "changed": f.changed,
                "lang": "id" if f.name.endswith("_id") else ("en" if f.name.endswith("_en") else ""),
            }
            for f in review.fields
        ],
        "live_photos": live,
        "proposed_photos": proposed,
        "photos_changed": review.photos_changed,
        "variants": _variant_rows(product, lang),
        "option_names": " / ".join(option_names(product.options, lang)),
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
        "position": placement.position,
        "starts": jakarta_time(placement.starts_at, lang),
        "ends": jakarta_time(placement.ends_at, lang),
        "running": placement.starts_at <= now < placement.ends_at,
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
