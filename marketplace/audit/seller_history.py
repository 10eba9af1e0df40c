"""A shop's history as its seller reads it: one plain sentence per change, in the reader's language.

The audit log keeps technical rows (`product_revision.create`, column names, JSON before and after)
for curators. A village seller on a phone needs "Price: Rp 140.000 → Rp 150.000" under "Changed
Batik Gajah Oling", with the time in WIB. Only fields a seller knows are shown (ids, storage keys,
who-submitted columns are left out, never dumped); money is formatted as money; long texts say
"changed" instead of repeating themselves. Unknown actions still get a plain sentence.
Statuses are compared as their stored strings, so this module needs nothing above the audit layer.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from marketplace.audit.models import ActorRole, AuditEntry
from marketplace.money import money_text
from marketplace.timezones import jakarta_time

#: Changes per page of the seller's history: a phone page stays a few screens long.
PAGE_SIZE = 30

#: Fields a seller recognises, in the order they are listed. Anything else is left out.
FIELD_LABELS = {
    "title_id": _l("Name (Indonesian)"),
    "title_en": _l("Name (English)"),
    "name": _l("Name"),
    "price_minor": _l("Price"),
    "stock": _l("Stock"),
    "value1": _l("Variant"),
    "value2": _l("Variant"),
    "value3": _l("Variant"),
    "sku": _l("SKU"),
    "weight_grams": _l("Packed weight"),
    "low_stock_threshold": _l("Low-stock warning at"),
    "processing_days": _l("Days to prepare"),
    "exportable": _l("Can be shipped abroad"),
    "hs_code": _l("HS code"),
    "description_id": _l("Description (Indonesian)"),
    "description_en": _l("Description (English)"),
    "story_id": _l("Story (Indonesian)"),
    "story_en": _l("Story (English)"),
    "alt_id": _l("Photo description (Indonesian)"),
    "alt_en": _l("Photo description (English)"),
    "phone": _l("Phone"),
    "address_line": _l("Address"),
    "tracking_number": _l("Tracking number"),
    "reply": _l("Reply"),
}
#: Texts too long to repeat: the line says only that they changed.
LONG_FIELDS = frozenset({"description_id", "description_en", "story_id", "story_en", "reply", "address_line"})
MONEY_FIELDS = frozenset({"price_minor"})
GRAMS_FIELDS = frozenset({"weight_grams"})

#: Headlines by action ("<what>.<how>"); %(title)s is the product, parcel or photo it is about.
HEADLINES = {
    "product.create": _l("Product added: %(title)s"),
    "product.update": _l("Changed %(title)s"),
    "product.delete": _l("Product deleted: %(title)s"),
    "product.approve": _l("A curator approved %(title)s"),
    "product.reject": _l("A curator did not approve %(title)s"),
    "product_change.approve": _l("A curator approved your changes to %(title)s"),
    "product_change.reject": _l("A curator did not approve your changes to %(title)s"),
    "product.csv_import": _l("Products changed from a spreadsheet file"),
    "product_image.create": _l("Photo added to %(title)s"),
    "product_image.update": _l("Photos of %(title)s put in a new order"),
    "product_image.delete": _l("Photo removed from %(title)s"),
    "product_revision.create": _l("Changes to %(title)s sent for review"),
    "product_revision.update": _l("Changes to %(title)s waiting for review"),
    "product_revision.delete": _l("Changes to %(title)s no longer waiting"),
    "product_option.create": _l("Options of %(title)s changed"),
    "product_option.update": _l("Options of %(title)s changed"),
    "product_option.delete": _l("Options of %(title)s changed"),
    "product_variant.create": _l("Variant added to %(title)s"),
    "product_variant.update": _l("Variant of %(title)s changed"),
    "product_variant.delete": _l("Variant removed from %(title)s"),
    "product_label.create": _l("Quality label of %(title)s updated"),
    "product_label.update": _l("Quality label of %(title)s updated"),
    "product_label.delete": _l("Quality label of %(title)s removed"),
    "label.request": _l("Quality label requested for %(title)s"),
    "label.verify": _l("A curator verified the quality label of %(title)s"),
    "label.reject": _l("A curator did not verify the quality label of %(title)s"),
    "fulfilment.update": _l("Order %(title)s updated"),
    "seller.create": _l("Shop application sent"),
    "seller.update": _l("Shop details changed"),
    "seller.approve": _l("A curator approved your shop"),
    "seller.reject": _l("A curator did not approve your shop"),
    "payout_account.create": _l("Bank account for payouts changed"),
    "payout_account.update": _l("Bank account for payouts changed"),
    "payout_account.record": _l("Bank account for payouts changed"),
    "shop_profile_revision.create": _l("Shop profile changes sent for review"),
    "shop_profile_revision.update": _l("Shop profile changes waiting for review"),
    "shop_profile.approve": _l("A curator approved your shop profile changes"),
    "shop_profile.reject": _l("A curator did not approve your shop profile changes"),
    "workshop_photo.create": _l("Workshop photo added"),
    "workshop_photo.update": _l("Workshop photo description changed"),
    "workshop_photo.delete": _l("Workshop photo removed"),
    "review.reply": _l("Reply to a buyer's review"),
    "review.hide": _l("A curator hid a buyer's review"),
    "review.keep": _l("A curator kept a reported review"),
    "question.hide": _l("A curator hid a buyer's question"),
    "question.keep": _l("A curator kept a reported question"),
    "mentoring.note": _l("Mentoring note recorded"),
    "mentoring.visit": _l("Mentoring visit recorded"),
    "origin_tag.create": _l("Hang-tags made for %(title)s"),
    "origin_tag.revoke": _l("Hang-tag of %(title)s withdrawn"),
    "refund.create": _l("Refund for order %(title)s"),
    "payout.create": _l("Payout sent"),
}
#: A product's new status says more than "changed".
PRODUCT_STATUS_HEADLINES = {
    "pending_review": _l("%(title)s sent for review"),
    "active": _l("%(title)s is on sale"),
    "archived": _l("%(title)s archived"),
    "draft": _l("%(title)s sent back by a curator"),
}
REVISION_STATUS_HEADLINES = {
    "approved": _l("A curator approved your changes to %(title)s"),
    "rejected": _l("A curator did not approve your changes to %(title)s"),
}
#: A parcel's steps ("fulfilment.shipped").
PARCEL_HEADLINES = {
    "processing": _l("Order %(title)s paid: prepare the parcel"),
    "shipped": _l("Order %(title)s shipped"),
    "delivered": _l("Order %(title)s delivered"),
    "cancelled": _l("Order %(title)s cancelled"),
}
STOCK_HEADLINE = _l("Stock of %(title)s changed")
WHO = {
    ActorRole.CURATOR: _l("Curator"),
    ActorRole.FACILITATOR: _l("Facilitator"),
    ActorRole.SYSTEM: _l("Automatic"),
}


def _value_text(field: str, value: Any, currency: str, lang: str) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if field in MONEY_FIELDS and isinstance(value, int):
        return money_text(value, currency, lang)
    if field in GRAMS_FIELDS and isinstance(value, int):
        return f"{value} g"
    return str(value)


def change_lines(before: dict, after: dict, lang: str) -> list[str]:
    """One line per field a seller knows: "Price: Rp 140.000 → Rp 150.000", "Stock: 5" (new),
    "Description (Indonesian) changed"; other fields and unchanged values are left out."""
    currency = str(after.get("currency") or before.get("currency") or "IDR")
    lines = []
    for field, label in FIELD_LABELS.items():
        if field not in before and field not in after:
            continue
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        if field in LONG_FIELDS:
            lines.append(gettext("%(field)s changed", field=label))
        elif field not in before or old is None:
            lines.append(
                gettext("%(field)s: %(value)s", field=label, value=_value_text(field, new, currency, lang))
            )
        else:
            lines.append(
                gettext(
                    "%(field)s: %(before)s → %(after)s",
                    field=label,
                    before=_value_text(field, old, currency, lang),
                    after=_value_text(field, new, currency, lang),
                )
            )
    return lines


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _headline(entry: AuditEntry, before: dict, after: dict, title: str) -> str:
    action = entry.action
    what, _dot, how = action.partition(".")
    if action == "product.update" and after.get("status") in PRODUCT_STATUS_HEADLINES:
        return str(PRODUCT_STATUS_HEADLINES[after["status"]]) % {"title": title}
    if action == "product_revision.update" and after.get("status") in REVISION_STATUS_HEADLINES:
        return str(REVISION_STATUS_HEADLINES[after["status"]]) % {"title": title}
    if what == "fulfilment" and how in PARCEL_HEADLINES:
        return str(PARCEL_HEADLINES[how]) % {"title": title}
    if what == "stock":
        return str(STOCK_HEADLINE) % {"title": title}
    if action in HEADLINES:
        return str(HEADLINES[action]) % {"title": title}
    if entry.target_label:
        return gettext("Change to %(title)s", title=title)
    return gettext("Change to your shop")


def _details(entry: AuditEntry, before: dict, after: dict, lang: str) -> list[str]:
    what = entry.action.partition(".")[0]
    if what == "product_revision":
        # The proposed values sit in `changes`; compared with the previous proposal, if any.
        return change_lines(_dict(before.get("changes")), _dict(after.get("changes")), lang)
    if what in ("fulfilment", "mentoring", "payout_account"):
        return []  # statuses are in the headline; notes and bank numbers are not repeated here
    return change_lines(before, after, lang)


def history_row(entry: AuditEntry, shop: str, lang: str, *, viewer_id: int | None) -> dict:
    """One change for the seller's history page: when (WIB), who ("You", "Curator", a facilitator's
    name…), a headline sentence, the changed fields as lines, and the note (a reason) if any."""
    before, after = _dict(entry.before), _dict(entry.after)
    title = entry.target_label or gettext("a product")
    if entry.actor_id is not None and entry.actor_id == viewer_id:
        who = gettext("You")
    elif entry.actor_role == ActorRole.FACILITATOR and entry.actor_label:
        who = gettext("Facilitator %(name)s", name=entry.actor_label)
    elif entry.actor_role in WHO:
        who = str(WHO[entry.actor_role])
    else:
        who = entry.actor_label or gettext("Someone else")
    return {
        "id": entry.id,
        "when": jakarta_time(entry.created_at, lang),
        "who": who,
        "shop": shop,
        "headline": _headline(entry, before, after, title),
        "lines": _details(entry, before, after, lang),
        "note": entry.note,
    }
