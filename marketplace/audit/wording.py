"""The curator's audit log in words: what each action, record type and stored field is called, and
stored values (statuses, money, days, yes/no, lists) as a person reads them, in the reader's language.

The log stores technical rows: dotted actions (`label.verify`), column names and JSON values
(`no_end_date: true`). Every key a `record_action` call or the tracker (`audit.tracking`) stores has
a name here (tests/audit/test_wording.py holds them to it); a key nobody named yet still reads as
words ("no end date"), never as a bare key. Statuses are compared as their stored strings, so this
module needs nothing above the audit layer.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from marketplace.money import money_text
from marketplace.timezones import jakarta_time

EMPTY = "—"
#: Longer stored texts are cut on the page (the CSV keeps what was stored).
MAX_SHOWN = 160

#: Action code → what happened, for the log's "What" column (the code stays beside it, for filtering).
ACTIONS = {
    "product.create": _l("Product added"),
    "product.update": _l("Product changed"),
    "product.delete": _l("Product deleted"),
    "product.approve": _l("New product approved"),
    "product.reject": _l("New product not approved"),
    "product.csv_import": _l("Products changed from a spreadsheet file"),
    "product_change.approve": _l("Product changes approved"),
    "product_change.reject": _l("Product changes not approved"),
    "product_image.create": _l("Product photo added"),
    "product_image.update": _l("Product photo changed"),
    "product_image.delete": _l("Product photo removed"),
    "product_option.create": _l("Product option added"),
    "product_option.update": _l("Product option changed"),
    "product_option.delete": _l("Product option removed"),
    "product_variant.create": _l("Variant added"),
    "product_variant.update": _l("Variant changed"),
    "product_variant.delete": _l("Variant removed"),
    "product_revision.create": _l("Product changes sent for review"),
    "product_revision.update": _l("Product changes waiting for review updated"),
    "product_revision.delete": _l("Product changes withdrawn"),
    "product_label.create": _l("Quality label added"),
    "product_label.update": _l("Quality label changed"),
    "product_label.delete": _l("Quality label removed"),
    "label.request": _l("Quality label requested"),
    "label.verify": _l("Quality label verified"),
    "label.reject": _l("Quality label not verified"),
    "label_type.create": _l("Kind of quality label added"),
    "label_type.update": _l("Kind of quality label changed"),
    "stock.adjustment": _l("Stock corrected"),
    "stock.reserve": _l("Stock taken by an order"),
    "stock.release": _l("Stock given back by an order"),
    "stock.sale": _l("Stock sold"),
    "stock.return": _l("Stock returned after a refund"),
    "fulfilment.create": _l("Parcel created"),
    "fulfilment.update": _l("Parcel changed"),
    "fulfilment.delete": _l("Parcel removed"),
    "fulfilment.pending": _l("Parcel waiting for payment"),
    "fulfilment.processing": _l("Order paid: parcel to prepare"),
    "fulfilment.shipped": _l("Parcel shipped"),
    "fulfilment.delivered": _l("Parcel delivered"),
    "fulfilment.cancelled": _l("Parcel cancelled"),
    "seller.create": _l("Shop application sent"),
    "seller.update": _l("Shop details changed"),
    "seller.delete": _l("Shop deleted"),
    "seller.approve": _l("Shop application approved"),
    "seller.reject": _l("Shop application not approved"),
    "shop_profile_revision.create": _l("Shop profile changes sent for review"),
    "shop_profile_revision.update": _l("Shop profile changes waiting for review updated"),
    "shop_profile_revision.delete": _l("Shop profile changes withdrawn"),
    "shop_profile.approve": _l("Shop profile changes approved"),
    "shop_profile.reject": _l("Shop profile changes not approved"),
    "workshop_photo.create": _l("Workshop photo added"),
    "workshop_photo.update": _l("Workshop photo description changed"),
    "workshop_photo.delete": _l("Workshop photo removed"),
    "payout_account.create": _l("Bank account for payouts added"),
    "payout_account.update": _l("Bank account for payouts changed"),
    "payout_account.delete": _l("Bank account for payouts removed"),
    "payout_account.record": _l("Bank account for payouts recorded"),
    "facilitator.grant": _l("Facilitator given access to a shop"),
    "facilitator.revoke": _l("Facilitator's access to a shop ended"),
    "featured.create": _l("Product featured"),
    "featured.update": _l("Featured placement changed"),
    "featured.end": _l("Featured placement ended"),
    "featured.delete": _l("Featured placement deleted"),
    "mentoring.note": _l("Mentoring note recorded"),
    "mentoring.visit": _l("Mentoring visit recorded"),
    "naikkelas.level_add": _l("Naik-kelas level added"),
    "naikkelas.level_remove": _l("Naik-kelas level removed"),
    "naikkelas.criterion_add": _l("Naik-kelas target added"),
    "naikkelas.criterion_update": _l("Naik-kelas target changed"),
    "naikkelas.criterion_remove": _l("Naik-kelas target removed"),
    "origin_tag.create": _l("Hang-tags made"),
    "origin_tag.revoke": _l("Hang-tag withdrawn"),
    "origin_tag.reinstate": _l("Hang-tag valid again"),
    "case.resolve": _l("Problem report decided"),
    "refund.create": _l("Refund recorded"),
    "refund.failed": _l("Card refund failed at Stripe"),
    "transfer.confirm": _l("Bank transfer confirmed"),
    "transfer.undo": _l("Bank transfer confirmation undone"),
    "payout.create": _l("Payout sent"),
    "commission.change": _l("Commission rate set"),
    "rate.change": _l("Exchange rate set"),
    "shipping_rate.update": _l("Shipping rate changed"),
    "courier.update": _l("Courier changed"),
    "review.reply": _l("Shop replied to a review"),
    "review.hide": _l("Review hidden"),
    "review.keep": _l("Reported review kept"),
    "question.hide": _l("Question hidden"),
    "question.keep": _l("Reported question kept"),
}

#: Record type (`target_type`) → its name.
TARGET_TYPES = {
    "product": _l("Product"),
    "product_image": _l("Product photo"),
    "product_option": _l("Product option"),
    "product_variant": _l("Variant"),
    "product_revision": _l("Product changes"),
    "product_label": _l("Quality label (the record)"),
    "label": _l("Quality label (request and decision)"),
    "label_type": _l("Kind of quality label"),
    "fulfilment": _l("Parcel"),
    "order": _l("Order"),
    "case": _l("Problem report"),
    "payout": _l("Payout"),
    "seller": _l("Shop"),
    "payout_account": _l("Bank account for payouts"),
    "shop_profile_revision": _l("Shop profile changes"),
    "workshop_photo": _l("Workshop photo"),
    "seller_facilitator": _l("Facilitator access"),
    "featured_placement": _l("Featured placement"),
    "naikkelas_level": _l("Naik-kelas level"),
    "naikkelas_criterion": _l("Naik-kelas target"),
    "origin_tag": _l("Hang-tag"),
    "review": _l("Buyer's review"),
    "product_question": _l("Buyer's question"),
    "exchange_rate": _l("Exchange rate"),
    "commission_rate": _l("Commission rate"),
    "shipping_rate": _l("Shipping rate"),
    "courier": _l("Courier"),
}

#: Stored key → its name. Keys of `record_action` calls and of the tracked records' columns.
FIELDS = {
    # products, variants, options, photos
    "title_id": _l("Name (Indonesian)"),
    "title_en": _l("Name (English)"),
    "description_id": _l("Description (Indonesian)"),
    "description_en": _l("Description (English)"),
    "price_minor": _l("Price"),
    "price_idr": _l("Price"),
    "variant_price_idr": _l("Variant price"),
    "currency": _l("Currency"),
    "stock": _l("Stock"),
    "low_stock_threshold": _l("Low-stock warning at"),
    "weight_grams": _l("Packed weight"),
    "length_mm": _l("Length"),
    "width_mm": _l("Width"),
    "height_mm": _l("Height"),
    "dimensions": _l("Dimensions"),
    "processing_days": _l("Days to prepare"),
    "status": _l("Status"),
    "exportable": _l("Can be shipped abroad"),
    "hs_code": _l("HS code"),
    "origin_country": _l("Country of origin"),
    "rating_count": _l("Number of ratings"),
    "rating_sum": _l("Sum of the stars"),
    "rating_average": _l("Average stars"),
    "units_sold": _l("Units sold"),
    "label_codes": _l("Quality labels shown"),
    "published_at": _l("First on sale"),
    "price_varies": _l("Price differs per variant"),
    "has_offered_stock": _l("Buyers can order it"),
    "slug": _l("Web address name"),
    "seller_id": _l("Shop"),
    "cluster_id": _l("Cluster"),
    "village_id": _l("Village"),
    "product_id": _l("Product"),
    "position": _l("Position"),
    "storage_key": _l("Photo file"),
    "width": _l("Width in pixels"),
    "height": _l("Height in pixels"),
    "alt_id": _l("Photo description (Indonesian)"),
    "alt_en": _l("Photo description (English)"),
    "name_id": _l("Name (Indonesian)"),
    "name_en": _l("Name (English)"),
    "value1": _l("Variant"),
    "value2": _l("Variant"),
    "value3": _l("Variant"),
    "variant": _l("Variant"),
    "variant_id": _l("Variant"),
    "sku": _l("SKU"),
    "image_id": _l("Photo"),
    "photos": _l("Photos"),
    "changes": _l("Changes asked for"),
    "submitted_by_id": _l("Sent by (account)"),
    "reviewed_by_id": _l("Reviewed by (account)"),
    "reviewer_note": _l("Curator's note"),
    "reviewed_at": _l("Reviewed at"),
    # stock
    "kind": _l("Kind"),
    "quantity_delta": _l("Change in stock"),
    "order_id": _l("Order"),
    "actor_id": _l("By (account)"),
    "reason": _l("Reason"),
    # quality labels
    "label_type_id": _l("Kind of quality label"),
    "certificate_number": _l("Certificate number"),
    "issuer": _l("Issued by"),
    "valid_until": _l("Valid until"),
    "evidence": _l("Evidence file"),
    "evidence_key": _l("Evidence file"),
    "no_end_date": _l("Certificate without an end date (curator's word)"),
    "code": _l("Code"),
    "requires_certificate": _l("Needs a certificate"),
    # parcels
    "fulfilment_id": _l("Parcel"),
    "shipping_minor": _l("Shipping cost"),
    "courier": _l("Courier"),
    "tracking_number": _l("Tracking number"),
    "courier_code": _l("Courier code"),
    "has_open_case": _l("Open problem report"),
    "shipped_at": _l("Shipped at"),
    "delivered_at": _l("Delivered at"),
    "cancelled_at": _l("Cancelled at"),
    "slowest_days": _l("Days promised to ship"),
    "counted_as": _l("Counted for naik kelas as"),
    "ledger_idr": _l("Entered in the shop's ledger"),
    "cancelled_by": _l("Cancelled by"),
    "cancel_reason": _l("Reason for cancelling"),
    "actor_label": _l("By"),
    "from_status": _l("Status before"),
    "to_status": _l("Status after"),
    "note": _l("Note"),
    # shops
    "user_id": _l("Owner's account"),
    "name": _l("Name"),
    "story_id": _l("Story (Indonesian)"),
    "story_en": _l("Story (English)"),
    "phone": _l("Phone"),
    "address_line": _l("Address"),
    "approved_at": _l("Approved at"),
    "review_note": _l("Curator's note"),
    "artisan_name": _l("Artisan's name"),
    "whatsapp_number": _l("WhatsApp number"),
    "whatsapp_public": _l("WhatsApp shown to buyers"),
    "new_photos": _l("New workshop photos"),
    "photo_alts": _l("Photo descriptions"),
    "revision_id": _l("Profile changes"),
    "bank_name": _l("Bank"),
    "account_number": _l("Account number"),
    "account_holder": _l("Account holder"),
    "recorded_via": _l("Recorded by"),
    "recorded_by_id": _l("Recorded by (account)"),
    "consent_on": _l("Consent given on"),
    "consent_evidence_key": _l("Consent file"),
    "holder_explanation": _l("Why the holder's name differs"),
    "facilitator": _l("Facilitator"),
    "granted_via": _l("Given by"),
    # featured placements
    "headline_id": _l("Headline (Indonesian)"),
    "headline_en": _l("Headline (English)"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    # mentoring
    "note_id": _l("Note"),
    "visited_on": _l("Day"),
    "follow_up_on": _l("Follow up on"),
    "body": _l("Text"),
    # naik kelas
    "criteria": _l("Targets"),
    "level": _l("Level"),
    "metric": _l("Measures"),
    "threshold": _l("Target"),
    # cases, refunds, transfers, payouts
    "resolution": _l("Decision"),
    "refund_id": _l("Refund"),
    "refund_minor": _l("Refund"),
    "refunded_minor": _l("Refunded before"),
    "waiting_minor": _l("Waiting for Stripe"),
    "amount_minor": _l("Amount"),
    "amount_idr": _l("Amount"),
    "method": _l("Payment method"),
    "bank_reference": _l("Bank reference"),
    "stripe_refund_id": _l("Card refund reference"),
    "stripe_status": _l("Status at Stripe"),
    "failure_reason": _l("Why Stripe could not refund it"),
    "lines": _l("Items"),
    "order_line_id": _l("Order line"),
    "quantity": _l("Quantity"),
    "restocked": _l("Back in stock"),
    "reference": _l("Bank reference"),
    "balance_idr": _l("Balance owed"),
    "available_idr": _l("Available to pay"),
    # rates, shipping, couriers
    "percent": _l("Commission"),
    "effective_from": _l("From"),
    "rate": _l("Rupiah per unit"),
    "effective_date": _l("From"),
    "source": _l("Source"),
    "est_days_min": _l("Fewest days on the way"),
    "est_days_max": _l("Most days on the way"),
    "tracking_url": _l("Tracking page"),
    "active": _l("Offered"),
    # reviews and questions
    "reply": _l("Reply"),
    "hidden": _l("Hidden"),
}

#: Stored status and kind values → words (the same string means the same in every record).
VALUES = {
    "status": {
        "draft": _l("draft"),
        "pending_review": _l("waiting for review"),
        "active": _l("on sale"),
        "archived": _l("archived"),
        "pending": _l("waiting"),
        "approved": _l("approved"),
        "rejected": _l("not approved"),
        "suspended": _l("suspended"),
        "discarded": _l("no longer needed"),
        "requested": _l("requested"),
        "verified": _l("verified"),
        "processing": _l("to prepare"),
        "shipped": _l("shipped"),
        "delivered": _l("delivered"),
        "cancelled": _l("cancelled"),
        "awaiting_payment": _l("waiting for payment"),
        "paid": _l("paid"),
        "refunded": _l("refunded"),
        "open": _l("open"),
        "closed": _l("closed"),
        "revoked": _l("withdrawn"),
    },
    "kind": {
        "note": _l("note"),
        "visit": _l("field visit"),
        "reserve": _l("taken by an order"),
        "release": _l("given back by an order"),
        "sale": _l("sold"),
        "adjustment": _l("corrected"),
        "return": _l("returned after a refund"),
        "individual": _l("individual artisan"),
        "kub": _l("artisan group (KUB)"),
        "bumdes": _l("village enterprise (BUMDes)"),
    },
    "resolution": {
        "refund": _l("refund in full"),
        "partial_refund": _l("partial refund"),
        "reject": _l("no refund"),
    },
    "method": {"bank_transfer": _l("bank transfer"), "stripe": _l("card")},
    "recorded_via": {
        "curator": _l("a curator"),
        "seller": _l("the shop owner"),
        "facilitator": _l("a facilitator"),
        "system": _l("the system"),
    },
    "granted_via": {"curator": _l("a curator"), "seller": _l("the shop owner")},
    "cancelled_by": {
        "buyer": _l("the buyer"),
        "seller": _l("the shop"),
        "curator": _l("a curator"),
        "system": _l("the system"),
    },
}
for _alias in ("from_status", "to_status"):
    VALUES[_alias] = VALUES["status"]
#: Statuses that mean something else for one kind of record ({target_type: {value: words}}).
STATUS_BY_TARGET = {"origin_tag": {"active": _l("valid"), "revoked": _l("withdrawn")}}

#: Amounts in the minor unit of the row's `currency` (IDR when the row has none).
MONEY_FIELDS = frozenset(
    {"price_minor", "shipping_minor", "refund_minor", "refunded_minor", "amount_minor", "waiting_minor"}
)
#: Whole rupiah.
RUPIAH_FIELDS = frozenset(
    {"price_idr", "variant_price_idr", "ledger_idr", "amount_idr", "balance_idr", "available_idr"}
)
GRAM_FIELDS = frozenset({"weight_grams"})
MILLIMETRE_FIELDS = frozenset({"length_mm", "width_mm", "height_mm"})
#: Files: whether there is one, never the storage key.
FILE_FIELDS = frozenset({"storage_key", "evidence_key", "consent_evidence_key"})
#: Ids of other records, shown as "#12".
ID_FIELDS = frozenset(
    {"seller_id", "cluster_id", "village_id", "product_id", "variant_id", "image_id", "order_id",
     "actor_id", "label_type_id", "fulfilment_id", "user_id", "revision_id", "recorded_by_id",
     "submitted_by_id", "reviewed_by_id", "note_id", "refund_id", "order_line_id"}
)  # fmt: skip
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def action_text(action: str) -> str:
    """What happened, in words; an action nobody named yet is shown as stored."""
    found = ACTIONS.get(action)
    return str(found) if found is not None else action


def target_type_text(target_type: str) -> str:
    found = TARGET_TYPES.get(target_type)
    return str(found) if found is not None else _words(target_type)


def _words(key: str) -> str:
    """A key nobody named: its words, not its underscores ("no_end_date" → "no end date")."""
    return key.replace("_", " ").replace(".", " · ").strip()


def field_text(key: str) -> str:
    found = FIELDS.get(key)
    return str(found) if found is not None else _words(key)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _moment(text: str, lang: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        return format_date(moment.date(), "d MMM y", locale=lang)
    return jakarta_time(moment, lang)


def value_text(key: str, value: Any, lang: str, *, currency: str = "IDR", target_type: str = "") -> str:
    """One stored value as a person reads it: statuses in words, money as money, days as days,
    yes/no, files as "attached", lists and nested changes spelled out."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if key in FILE_FIELDS:
        return gettext("a file")
    if isinstance(value, dict):
        return "; ".join(
            f"{field_text(k)}: {value_text(k, v, lang, currency=currency)}" for k, v in value.items()
        )
    if isinstance(value, list):
        if key in ("photos", "new_photos"):
            return ngettext("%(num)d photo", "%(num)d photos", len(value))
        if key == "lines":
            return ngettext("%(num)d item", "%(num)d items", len(value))
        return ", ".join(value_text(key, item, lang, currency=currency) for item in value)
    if isinstance(value, int) and key in MONEY_FIELDS:
        return money_text(value, currency, lang)
    if isinstance(value, int) and key in RUPIAH_FIELDS:
        return money_text(value, "IDR", lang)
    if isinstance(value, int) and key in GRAM_FIELDS:
        return f"{value} g"
    if isinstance(value, int) and key in MILLIMETRE_FIELDS:
        return f"{value} mm"
    if isinstance(value, int) and key in ID_FIELDS:
        return f"#{value}"
    if key == "percent":
        return _percent(value, lang)
    text = str(value)
    words = STATUS_BY_TARGET.get(target_type, {}).get(text) if key == "status" else None
    words = words if words is not None else VALUES.get(key, {}).get(text)
    if words is not None:
        return str(words)
    if _MOMENT.match(text):
        return _moment(text, lang)
    if _DAY.fullmatch(text):
        return format_date(date.fromisoformat(text), "d MMM y", locale=lang)
    return _cut(text)


def _percent(value: Any, lang: str) -> str:
    try:
        number = Decimal(str(value)).normalize()
    except InvalidOperation:
        return str(value)
    return f"{format_decimal(number, locale=lang)}%"


def changes(before: Any, after: Any, lang: str, *, target_type: str = "") -> list[dict[str, str]]:
    """The fields an entry touched, each named, with its value before and after in words.

    `text` is what the reader sees after the name: "before → after" for a change, the value alone
    for a new record (no before) or a removed one (no after)."""
    before = before if isinstance(before, dict) else None
    after = after if isinstance(after, dict) else None
    old, new = before or {}, after or {}
    currency_old = str(old.get("currency") or new.get("currency") or "IDR")
    currency_new = str(new.get("currency") or old.get("currency") or "IDR")
    rows = []
    for key in dict.fromkeys([*old.keys(), *new.keys()]):
        was = value_text(key, old.get(key), lang, currency=currency_old, target_type=target_type)
        now = value_text(key, new.get(key), lang, currency=currency_new, target_type=target_type)
        if before is None or key not in old:
            text = now  # a new record, or a value the record did not have before
        elif after is None:
            text = was
        else:
            text = f"{was} → {now}"
        rows.append({"field": field_text(key), "before": was, "after": now, "text": text})
    return rows


def suggestions() -> dict[str, list[tuple[str, str]]]:
    """The filter form's suggestions: (code, words) of every named action and record type, by words."""
    return {
        "actions": sorted(((code, str(label)) for code, label in ACTIONS.items()), key=lambda c: c[1]),
        "target_types": sorted(
            {code: str(label) for code, label in TARGET_TYPES.items()}.items(), key=lambda c: c[1]
        ),
    }
