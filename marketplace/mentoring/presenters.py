"""Mentoring notes as plain values for templates (Jakarta days, kind labels, links)."""

from __future__ import annotations

from datetime import date
from typing import Optional

from babel.dates import format_date
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.mentoring.models import MentoringKind, MentoringNote
from marketplace.mentoring.services import FollowUp, SellerVisit
from marketplace.timezones import jakarta_time

KIND_LABELS = {MentoringKind.NOTE: _l("Note"), MentoringKind.VISIT: _l("Visit")}


def day(value: Optional[date], lang: str) -> str:
    return format_date(value, "d MMMM y", locale=lang) if value else ""


def present_note(note: MentoringNote, *, lang: str) -> dict:
    return {
        "kind": note.kind.value,
        "kind_label": str(KIND_LABELS[note.kind]),
        "day": day(note.visited_on, lang),
        "day_iso": note.visited_on.isoformat(),
        "body": note.body,
        "follow_up": day(note.follow_up_on, lang),
        "author": (note.author.name or note.author.email) if note.author else _("unknown"),
        "written": jakarta_time(note.created_at, lang),
        "seller": note.seller.name,
        "seller_url": url_for("mentoring.seller_log", seller_id=note.seller_id),
        "village": note.seller.village.name,
        "village_url": url_for("mentoring.index", village=note.seller.village.slug),
    }


def present_visit_due(row: SellerVisit, *, lang: str) -> dict:
    return {
        "seller": row.seller,
        "seller_url": url_for("mentoring.seller_log", seller_id=row.seller_id),
        "village": row.village,
        "village_url": url_for("mentoring.index", village=row.village_slug),
        "last_visit": day(row.last_visit, lang) or _("never"),
    }


#: Characters of the note shown beside a follow-up.
FOLLOW_UP_EXCERPT = 120


def present_follow_up(row: FollowUp, *, today: date, lang: str) -> dict:
    body = " ".join(row.body.split())
    return {
        "seller": row.seller,
        "seller_url": url_for("mentoring.seller_log", seller_id=row.seller_id),
        "village": row.village,
        "village_url": url_for("mentoring.index", village=row.village_slug),
        "day": day(row.follow_up_on, lang),
        "day_iso": row.follow_up_on.isoformat(),
        "overdue": row.follow_up_on < today,
        "note": body if len(body) <= FOLLOW_UP_EXCERPT else body[: FOLLOW_UP_EXCERPT - 1] + "…",
    }
