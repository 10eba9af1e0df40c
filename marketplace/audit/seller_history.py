"""A shop's history as its seller reads it: one plain sentence per change, in the reader's language.

The audit log keeps technical rows (`product_revision.create`, column names, JSON before and after)
for curators. A village seller on a phone needs "Price: Rp 140.000 → Rp 150.000" under "Changed
Batik Gajah Oling", with the time in WIB. Only fields a seller knows are shown (ids, storage keys,
who-submitted columns are left out, never dumped); money is formatted as money; long texts say
"changed" instead of repeating themselves. Unknown actions still get a plain sentence.
Statuses are compared as their stored strings, so this module needs nothing above the audit layer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace.audit.models import ActorRole, AuditEntry
from marketplace.audit.wording import field_text, value_text
from marketplace.money import money_text
from marketplace.timezones import jakarta_time

#: Changes per page of the seller's history: a phone page stays a few screens long.
PAGE_SIZE = 30

#: Fields a seller recognises, in the order they are listed (named as the audit log names them,
#: `wording.field_text`). Anything else is left out.
SELLER_FIELDS = (
    "title_id", "title_en", "name", "price_minor", "stock", "value1", "value2", "value3", "sku",
    "weight_grams", "low_stock_threshold", "processing_days", "exportable", "hs_code",
    "description_id", "description_en", "story_id", "story_en", "alt_id", "alt_en", "phone",
    "address_line", "tracking_number", "reply",
)  # fmt: skip
#: Texts too long to repeat: the line says only that they changed.
LONG_FIELDS = frozenset({"description_id", "description_en", "story_id", "story_en", "reply", "address_line"})

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
    "case.resolve": _l("A curator decided a problem report on order %(title)s"),
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
#: Label rows are about "<label code> · <product>": the headline names the label in the reader's language.
LABEL_HEADLINES = {
    "label.request": _l("Quality label “%(label)s” requested for %(title)s"),
    "label.verify": _l("A curator verified the quality label “%(label)s” of %(title)s"),
    "label.reject": _l("A curator did not verify the quality label “%(label)s” of %(title)s"),
}
#: A pending revision's photo list: more tokens, fewer, or the same ones in a new order.
PHOTO_REVISION_HEADLINES = {
    "added": _l("Photo added to %(title)s, waiting for review"),
    "removed": _l("Photo removed from %(title)s, waiting for review"),
    "moved": _l("Photos of %(title)s put in a new order, waiting for review"),
}
STOCK_HEADLINE = _l("Stock of %(title)s changed")
WHO = {
    ActorRole.CURATOR: _l("Curator"),
    ActorRole.FACILITATOR: _l("Facilitator"),
    ActorRole.SYSTEM: _l("Automatic"),
}


#: Reasons the code writes itself (stock ledger, parcel steps, refunds), in the reader's language.
#: Anything else was typed by a person and is shown as typed.
KNOWN_NOTES = (
    (re.compile(r"opening stock"), _l("Stock when it was added")),
    (re.compile(r"case (?P<case>\d+)"), _l("Decided after the buyer's problem report")),
    (re.compile(r"case (?P<case>\d+): (?P<text>.+)", re.S), _l("After the buyer's problem report: %(text)s")),
    (re.compile(r"refunded: order (?P<number>\S+)"), _l("Refunded: order %(number)s")),
    (
        re.compile(r"cancelled by the buyer: order (?P<number>\S+)"),
        _l("The buyer cancelled order %(number)s"),
    ),
    # The reason a buyer's cancellation records when the buyer gave none (orders.cancellation).
    (re.compile(r"cancelled by the buyer"), _l("The buyer cancelled")),
    (re.compile(r"payment window ended(: order (?P<number>\S+))?"), _l("The order was not paid in time")),
    (
        re.compile(r"auto-complete after (?P<days>\d+) days"),
        _l("Marked delivered automatically after %(days)s days"),
    ),
    (re.compile(r"csv import"), _l("Changed from a spreadsheet file")),
)
#: Parcel steps whose note is the courier and tracking number the seller typed, not a reason.
TRACKING_NOTE_ACTIONS = frozenset({"fulfilment.shipped"})
#: Rows written in the same moment as a bigger change and saying nothing more than it: a new
#: product's default variant and opening stock, a new variant's opening stock, the label row
#: behind a label request. Folded into the bigger change (leader action → follower actions).
FOLDS = {
    "product.create": frozenset({"product_variant.create", "stock.adjustment", "product_revision.create"}),
    "product_variant.create": frozenset({"stock.adjustment"}),
    "label.request": frozenset({"product_label.create"}),
    "label.verify": frozenset({"product_label.update"}),
    "label.reject": frozenset({"product_label.update"}),
}
#: How far apart a leader and its followers may be written (they come from one request).
FOLD_WINDOW = timedelta(seconds=60)


def note_text(note: str) -> str:
    """A note as the seller reads it: the code's own reasons translated, a person's words as typed."""
    note = (note or "").strip()
    for pattern, wording in KNOWN_NOTES:
        match = pattern.fullmatch(note)
        if match:
            return str(wording) % {k: v for k, v in match.groupdict().items() if v is not None}
    return note


def change_lines(before: dict, after: dict, lang: str) -> list[str]:
    """One line per field a seller knows: "Price: Rp 140.000 → Rp 150.000", "Stock: 5" (new),
    "Description (Indonesian) changed"; other fields and unchanged values are left out."""
    currency = str(after.get("currency") or before.get("currency") or "IDR")
    lines = []
    for field in SELLER_FIELDS:
        label = field_text(field)
        if field not in before and field not in after:
            continue
        old, new = before.get(field), after.get(field)
        if old in (None, "") and new in (None, ""):
            continue  # an empty field of a new record (a variant without options) says nothing
        if old == new:
            continue
        if field in LONG_FIELDS and old in (None, ""):
            lines.append(gettext("%(field)s written", field=label))
        elif field in LONG_FIELDS:
            lines.append(gettext("%(field)s changed", field=label))
        elif field not in before or old is None:
            lines.append(
                gettext(
                    "%(field)s: %(value)s", field=label, value=value_text(field, new, lang, currency=currency)
                )
            )
        else:
            lines.append(
                gettext(
                    "%(field)s: %(before)s → %(after)s",
                    field=label,
                    before=value_text(field, old, lang, currency=currency),
                    after=value_text(field, new, lang, currency=currency),
                )
            )
    return lines


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _label_parts(entry: AuditEntry, label_names: Mapping[str, str]) -> tuple[str, str]:
    """A label row's "<code> · <product>" as (the label's name, the product); the name is empty
    when the label type is unknown (deleted), so the headline leaves it out rather than show a code."""
    code, dot, product = (entry.target_label or "").partition(" · ")
    if not dot:
        return "", entry.target_label or ""
    return label_names.get(code, ""), product


def _photo_change(before: dict, after: dict) -> str:
    """How a pending revision's photo list changed: "added", "removed", "moved", or "" if not."""
    old = _dict(before.get("changes")).get("photos")
    new = _dict(after.get("changes")).get("photos")
    if not isinstance(new, list) or old == new:
        return ""
    old = old if isinstance(old, list) else []
    if len(new) > len(old):
        return "added"
    if len(new) < len(old):
        return "removed"
    return "moved"


def _headline(entry: AuditEntry, before: dict, after: dict, title: str, label_name: str) -> str:
    action = entry.action
    what, _dot, how = action.partition(".")
    if action == "product.update" and after.get("status") in PRODUCT_STATUS_HEADLINES:
        return str(PRODUCT_STATUS_HEADLINES[after["status"]]) % {"title": title}
    if action == "product_revision.update" and after.get("status") in REVISION_STATUS_HEADLINES:
        return str(REVISION_STATUS_HEADLINES[after["status"]]) % {"title": title}
    if what == "product_revision" and _photo_change(before, after):
        return str(PHOTO_REVISION_HEADLINES[_photo_change(before, after)]) % {"title": title}
    if action in LABEL_HEADLINES and label_name:
        return str(LABEL_HEADLINES[action]) % {"title": title, "label": label_name}
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
    if entry.action == "refund.create" and isinstance(after.get("amount_minor"), int):
        amount = money_text(after["amount_minor"], str(after.get("currency") or "IDR"), lang)
        return [gettext("Refunded to the buyer: %(amount)s", amount=amount)]
    if what in ("fulfilment", "mentoring", "payout_account", "case", "refund"):
        return []  # statuses are in the headline; notes and bank numbers are not repeated here
    return change_lines(before, after, lang)


def _says_nothing(entry: AuditEntry, before: dict, after: dict) -> bool:
    """Rows a seller cannot act on or learn from: an empty revision opened just before the photo
    or field change that fills it, a revision update touching only fields the seller never sees."""
    if entry.action == "product_revision.create":
        return not _dict(after.get("changes"))
    if entry.action == "product_revision.update":
        changed = _dict(before.get("changes")) != _dict(after.get("changes"))
        return not changed and after.get("status") not in REVISION_STATUS_HEADLINES
    return False


def history_row(
    entry: AuditEntry,
    shop: str,
    lang: str,
    *,
    viewer_id: int | None,
    label_names: Mapping[str, str] | None = None,
) -> dict:
    """One change for the seller's history page: when (WIB), who ("You", "Curator", a facilitator's
    name…), a headline sentence, the changed fields as lines, and the note (a reason) if any.
    `label_names` maps quality-label codes to their names in `lang` (see `label_names`)."""
    before, after = _dict(entry.before), _dict(entry.after)
    label_name, about = "", entry.target_label
    if entry.action in LABEL_HEADLINES:
        label_name, about = _label_parts(entry, label_names or {})
    title = about or gettext("a product")
    if entry.actor_id is not None and entry.actor_id == viewer_id:
        who = gettext("You")
    elif entry.actor_role == ActorRole.FACILITATOR and entry.actor_label:
        who = gettext("Facilitator %(name)s", name=entry.actor_label)
    elif entry.actor_role in WHO:
        who = str(WHO[entry.actor_role])
    else:
        who = entry.actor_label or gettext("Someone else")
    lines = _details(entry, before, after, lang)
    note = (entry.note or "").strip()
    if entry.action in TRACKING_NOTE_ACTIONS and note:
        # What the seller typed when shipping: the courier and the tracking number, not a reason.
        lines = [*lines, gettext("Courier and tracking number: %(tracking)s", tracking=note)]
        note = ""
    return {
        "id": entry.id,
        "when": jakarta_time(entry.created_at, lang),
        "who": who,
        "shop": shop,
        "headline": _headline(entry, before, after, title, label_name),
        "lines": lines,
        "note": note_text(note),
    }


#: The quality labels' table by name alone: audit sits below labels in the layering
#: (tests/test_layering.py), and a history row needs nothing of a label type but its names.
_LABEL_TYPES = sa.table("label_types", sa.column("code"), sa.column("name_id"), sa.column("name_en"))


def label_names(session: Session, lang: str) -> dict[str, str]:
    """Quality-label code → name in `lang`, for the label rows (they store the code)."""
    rows = session.execute(sa.select(_LABEL_TYPES.c.code, _LABEL_TYPES.c.name_id, _LABEL_TYPES.c.name_en))
    return {
        code: name_en if lang == "en" and (name_en or "").strip() else name_id  # as i18n.localized
        for code, name_id, name_en in rows
    }


def _product_of(entry: AuditEntry) -> str:
    if entry.action.startswith("label."):
        return (entry.target_label or "").partition(" · ")[2]
    return entry.target_label or ""


def _folds_into(follower: AuditEntry, leader: AuditEntry) -> bool:
    if follower.action not in FOLDS.get(leader.action, ()):
        return False
    if follower.action == "stock.adjustment" and (follower.note or "").strip() != "opening stock":
        return False  # a later correction of the stock is a change of its own
    return (
        follower.actor_id == leader.actor_id
        and follower.seller_id == leader.seller_id
        and _product_of(follower) == _product_of(leader)
        and abs(follower.created_at - leader.created_at) <= FOLD_WINDOW
    )


def history_rows(
    entries: Sequence[tuple[AuditEntry, str]],
    lang: str,
    *,
    viewer_id: int | None,
    label_names: Mapping[str, str] | None = None,
) -> list[dict]:
    """The page's rows, newest first: one row per change a seller recognises. Rows written with a
    bigger change (a new product's variant and opening stock…) are folded into it, their lines
    added when new; empty bookkeeping rows are left out."""
    leaders = [entry for entry, _shop in entries if entry.action in FOLDS]
    rows: list[dict] = []
    by_entry: dict[int, dict] = {}
    folded: dict[int, list[AuditEntry]] = {}
    for entry, shop in entries:
        leader = next((lead for lead in leaders if lead is not entry and _folds_into(entry, lead)), None)
        if leader is not None:
            folded.setdefault(leader.id, []).append(entry)
            continue
        if _says_nothing(entry, _dict(entry.before), _dict(entry.after)):
            continue
        row = history_row(entry, shop, lang, viewer_id=viewer_id, label_names=label_names)
        by_entry[entry.id] = row
        rows.append(row)
    for leader_id, followers in folded.items():
        row = by_entry.get(leader_id)
        if row is None:
            continue
        for follower in followers:
            if follower.action == "stock.adjustment":
                continue  # the opening stock is already the new record's "Stock: n"
            for line in _details(follower, _dict(follower.before), _dict(follower.after), lang):
                if line not in row["lines"]:
                    row["lines"].append(line)
    return rows
