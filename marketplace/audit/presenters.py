"""Audit entries as a person reads them: Jakarta times, role names, what happened and each field's
"before → after" in words (`audit.wording`); the CSV keeps the stored codes and JSON."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l

from marketplace.audit import wording
from marketplace.audit.models import ActorRole, AuditEntry
from marketplace.spreadsheets import FORMULA_STARTS, safe_cell
from marketplace.timezones import JAKARTA, jakarta_time

ROLE_LABELS = {
    ActorRole.CURATOR: _l("Curator"),
    ActorRole.SELLER: _l("Shop owner"),
    ActorRole.FACILITATOR: _l("Facilitator"),
    ActorRole.SYSTEM: _l("System"),
}

EMPTY = "—"


def role_label(role: ActorRole | str) -> str:
    return str(ROLE_LABELS.get(role, role or EMPTY))


def changes(entry: AuditEntry, lang: str) -> list[dict[str, str]]:
    """The fields an entry touched, named in the reader's language, each with its value before and
    after in words (`wording.changes`)."""
    return wording.changes(entry.before, entry.after, lang, target_type=entry.target_type)


def target_text(entry: AuditEntry) -> str:
    """The record: its kind in words, its id and the handle kept at the time ("Product #12 Batik")."""
    parts = [wording.target_type_text(entry.target_type)]
    if entry.target_id is not None:
        parts.append(f"#{entry.target_id}")
    if entry.target_label:
        parts.append(entry.target_label)
    return " ".join(parts)


def entry_row(entry: AuditEntry, shop: str, lang: str, *, name_curators: bool = True) -> dict:
    """`name_curators=False` (a seller's history) shows "Curator" instead of the curator's email."""
    who = entry.actor_label or EMPTY
    if not name_curators and entry.role is ActorRole.CURATOR:
        who = role_label(ActorRole.CURATOR)
    return {
        "id": entry.id,
        "when": jakarta_time(entry.created_at, lang),
        "who": who,
        "role": role_label(entry.actor_role),
        "action": entry.action,
        "action_text": wording.action_text(entry.action),
        "target": target_text(entry),
        "shop": shop,
        "changes": changes(entry, lang),
        "note": entry.note,
    }


CSV_HEADER = (
    "id", "created_at_utc", "created_at_jakarta", "actor", "role", "action", "target_type",
    "target_id", "target_label", "seller_id", "shop", "before", "after", "note",
)  # fmt: skip


#: One encoder for every cell of the file (json.dumps builds one per call with these options).
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


#: First characters safe_cell guards against (a set: one lookup per cell).
_FORMULA_FIRST = frozenset(FORMULA_STARTS)


def _cell(text: str | None) -> str:
    """`safe_cell` for a text column (None or str): the same cell, without str() and a call per
    cell when it needs nothing (10,000 rows × 8 text cells)."""
    if not text:
        return ""
    return "'" + text if text[0] in _FORMULA_FIRST else text


def csv_row(entry: AuditEntry, shop: str) -> list[str]:
    """An AuditEntry's cells (`csv_cells`)."""
    return csv_cells(
        (entry.id, entry.created_at, entry.actor_label, entry.actor_role, entry.action, entry.target_type,
         entry.target_id, entry.target_label, entry.seller_id, entry.before, entry.after, entry.note, shop)
    )  # fmt: skip


def csv_cells(row) -> list[str]:
    """The cells of a row of `services.CSV_COLUMNS` and the shop's name: the download reads plain
    rows, unpacked once here (not looked up by name 13 times). Ids are whole numbers and times
    start with a digit: only text goes through safe_cell (10,000 rows × 14 cells were a third of
    the download's CPU)."""
    (entry_id, created_at, actor_label, actor_role, action, target_type, target_id, target_label,
     seller_id, before, after, note, shop) = row  # fmt: skip
    return [
        str(entry_id),
        created_at.isoformat(),
        # isoformat is twice as fast as strftime("%Y-%m-%d %H:%M"), the same text cut at minutes
        created_at.astimezone(JAKARTA).isoformat(" ", "minutes")[:16],
        _cell(actor_label),
        safe_cell(actor_role),
        _cell(action),
        _cell(target_type),
        safe_cell(target_id),
        _cell(target_label),
        "" if seller_id is None else str(seller_id),
        _cell(shop),
        "" if before is None else safe_cell(_JSON.encode(before)),
        "" if after is None else safe_cell(_JSON.encode(after)),
        _cell(note),
    ]
