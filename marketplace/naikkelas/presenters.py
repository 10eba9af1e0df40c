"""Naik kelas view models: metric values and targets as text, level names in the reader's language."""

from __future__ import annotations

from decimal import Decimal

from flask import url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.i18n import localized
from marketplace.naikkelas.services import METRICS, PERCENT, RATING, CriterionResult, Scorecard, scorecards

#: Where a shop works on a metric: (endpoint, whether it takes the shop's id, link text).
ACTION_LINKS = {
    "profile_complete": ("seller.shop_profile", True, _l("Complete your shop profile")),
    "photo_share": ("seller.products", False, _l("Add photos to your products")),
    "active_products": ("seller.products", False, _l("Your products")),
    "export_ready": ("seller.products", False, _l("Your products")),
    "verified_labels": ("labels.seller_labels", False, _l("Ask for a label")),
}


def action_link(metric: str, seller_id: int) -> dict | None:
    """The page where the shop improves `metric` ({"url", "label"}), or None."""
    found = ACTION_LINKS.get(metric)
    if found is None:
        return None
    endpoint, per_shop, label = found
    url = url_for(endpoint, seller_id=seller_id) if per_shop else url_for(endpoint)
    return {"url": url, "label": str(label)}


def format_value(metric: str, value) -> str:
    if value is None:
        return _("not measured yet")
    spec = METRICS.get(metric)
    if spec is not None and spec.unit == PERCENT:
        return f"{format_decimal(Decimal(value).normalize() if value else 0)}%"
    if spec is not None and spec.unit == RATING:
        return _("%(stars)s of 5 stars", stars=format_decimal(Decimal(value), format="0.0"))
    return format_decimal(int(value))


def metric_header(metric: str) -> str:
    """A measure's column in the CSV: its name, and "(%)" for a percentage."""
    spec = METRICS[metric]
    return f"{spec.label} (%)" if spec.unit == PERCENT else str(spec.label)


def format_target(metric: str, threshold) -> str:
    spec = METRICS.get(metric)
    number = format_decimal(Decimal(threshold).normalize())
    if spec is not None and spec.unit == RATING:
        return "≥ " + _("%(stars)s of 5 stars", stars=number)
    return f"≥ {number}%" if spec is not None and spec.unit == PERCENT else f"≥ {number}"


def level_name(level, lang: str) -> str:
    return localized(level, "name", lang) if level is not None else _("Not yet at the first level")


def criterion_row(result: CriterionResult, lang: str, seller_id: int | None = None) -> dict:
    """One criterion as the scorecard shows it; with `seller_id`, a link to where an unmet one is
    worked on (`action`, or None)."""
    c = result.criterion
    return {
        "name": localized(c, "name", lang),
        "hint": localized(c, "hint", lang),
        "value": format_value(c.metric, result.value),
        "target": format_target(c.metric, c.threshold),
        "met": result.met,
        "action": action_link(c.metric, seller_id) if seller_id is not None and not result.met else None,
    }


def _reached_ids(card: Scorecard) -> set[int]:
    reached: set[int] = set()
    for result in card.levels:
        if card.level is None:
            break
        reached.add(result.level.id)
        if result.level is card.level:
            break
    return reached


def scorecard_view(seller, card: Scorecard, lang: str) -> dict:
    reached = _reached_ids(card)
    return {
        "shop": seller.name,
        "level": level_name(card.level, lang),
        "reached_any": card.level is not None,
        "next_level": localized(card.next_level, "name", lang) if card.next_level else "",
        "levels": [
            {
                "name": localized(r.level, "name", lang),
                "description": localized(r.level, "description", lang),
                "reached": r.level.id in reached,
                "criteria": [criterion_row(x, lang) for x in r.results],
            }
            for r in card.levels
        ],
        "next_steps": [criterion_row(x, lang, seller.id) for x in card.next_steps],
    }


def seller_standing(session, seller_id: int, lang: str, now) -> dict:
    """One seller's place, for the office (the mentoring log): the level reached, the next level
    and its targets not met yet (value against target), without the whole scorecard. A bounded
    number of queries, whatever the number of levels and targets."""
    card = scorecards(session, seller_ids=[seller_id], now=now)[seller_id]
    return {
        "level": level_name(card.level, lang),
        "next_level": localized(card.next_level, "name", lang) if card.next_level else "",
        "next_steps": [criterion_row(x, lang) for x in card.next_steps],
    }
