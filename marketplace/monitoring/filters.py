"""What the programme dashboard shows: the date range (Jakarta days), village and cluster filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace import params
from marketplace.catalogue.models import (
    Cluster,
    Region,
    RegionKind,
)
from marketplace.i18n import message
from marketplace.timezones import jakarta_day_start

#: Quick ranges offered beside the date fields.
PRESETS = ("30d", "90d", "12m")
DEFAULT_PRESET = "12m"
#: Longest range a curator may ask for (keeps the month CASE and the charts readable).
MAX_RANGE_DAYS = 3 * 366
#: Active products not edited for this long are "stale".
STALE_AFTER_DAYS = 90
#: Verified labels ending within this many days are "expiring".
EXPIRING_WITHIN_DAYS = 30
#: Rows shown in list figures (top products, out of stock…); the total is still counted.
LIST_LIMIT = 100
TOP_PRODUCTS = 10
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows: Jakarta days `start`..`end` (both included), optional village/cluster."""

    start: date
    end: date
    village_id: Optional[int] = None
    village_slug: str = ""
    cluster_id: Optional[int] = None
    cluster_slug: str = ""
    preset: str = ""

    @property
    def start_utc(self) -> datetime:
        return jakarta_day_start(self.start)

    @property
    def end_utc(self) -> datetime:
        """Exclusive end: midnight in Jakarta after the last day."""
        return jakarta_day_start(self.end + timedelta(days=1))

    def query_args(self) -> dict[str, str]:
        """The filters as URL arguments (for CSV links and the mentoring links)."""
        args = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.village_slug:
            args["village"] = self.village_slug
        if self.cluster_slug:
            args["cluster"] = self.cluster_slug
        return args


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """30d / 90d: that many days ending today; 12m: the twelve months ending today, from the day
    after today's date a year ago (on 7 December 2026: 8 December 2025 to 7 December 2026), as
    "Last 12 months" says; the months chart shows the two part months at its ends as such."""
    if preset == "30d":
        return today - timedelta(days=29), today
    if preset == "90d":
        return today - timedelta(days=89), today
    # 29 February has no date a year before: the year back ends on 28 February.
    day = 28 if (today.month, today.day) == (2, 29) else today.day
    year_ago = today.replace(year=today.year - 1, day=day)
    return year_ago + timedelta(days=1), today


def _parse_day(raw: str) -> Optional[date]:
    return params.find_date(raw)


def parse_filters(
    session: Session, args: Mapping[str, str], *, today: date
) -> tuple[Filters, dict[str, str]]:
    """Read `preset`, `from`, `to`, `village` (slug) and `cluster` (slug) from query arguments.

    Returns the filters and a dict of field → message for what could not be understood (the
    filters then fall back to the default range and no village/cluster).
    """
    errors: dict[str, str] = {}
    preset = (args.get("preset") or "").strip()
    raw_from = (args.get("from") or "").strip()
    raw_to = (args.get("to") or "").strip()
    if preset and preset not in PRESETS:
        errors["preset"] = message(str(_l("Choose one of the offered ranges.")))
        preset = ""
    if preset or not (raw_from or raw_to):
        preset = preset or DEFAULT_PRESET
        start, end = preset_range(preset, today)
    else:
        preset = ""
        start = _parse_day(raw_from) if raw_from else preset_range(DEFAULT_PRESET, today)[0]
        end = _parse_day(raw_to) if raw_to else today
        if start is None:
            errors["from"] = message(str(_l("Enter the first day as a date, e.g. 2026-01-31.")))
        if end is None:
            errors["to"] = message(str(_l("Enter the last day as a date, e.g. 2026-03-31.")))
        if start and end and start > end:
            errors["to"] = message(str(_l("The last day must not be before the first day.")))
        elif start and end and (end - start).days > MAX_RANGE_DAYS:
            errors["to"] = message(str(_l("Choose a range of at most three years.")))
        if "from" in errors or "to" in errors:
            preset = DEFAULT_PRESET
            start, end = preset_range(preset, today)

    village_slug = (args.get("village") or "").strip()[:140]
    cluster_slug = (args.get("cluster") or "").strip()[:60]
    village_id = cluster_id = None
    if village_slug or cluster_slug:
        # One query for both lookups.
        village_q = sa.select(Region.id).where(Region.slug == village_slug, Region.kind == RegionKind.DESA)
        cluster_q = sa.select(Cluster.id).where(Cluster.slug == cluster_slug)
        village_id, cluster_id = session.execute(
            sa.select(village_q.scalar_subquery(), cluster_q.scalar_subquery())
        ).one()
    if village_slug and village_id is None:
        errors["village"] = message(str(_l("There is no such village.")))
        village_slug = ""
    if cluster_slug and cluster_id is None:
        errors["cluster"] = message(str(_l("There is no such cluster.")))
        cluster_slug = ""
    filters = Filters(
        start=start,
        end=end,
        village_id=village_id if village_slug else None,
        village_slug=village_slug,
        cluster_id=cluster_id if cluster_slug else None,
        cluster_slug=cluster_slug,
        preset=preset,
    )
    return filters, errors


def filter_options(session: Session) -> dict[str, list[dict]]:
    """Villages and clusters for the filter form and for zero rows in the village/cluster figures."""
    villages = session.execute(
        sa.select(Region.id, Region.slug, Region.name)
        .where(Region.kind == RegionKind.DESA)
        .order_by(Region.name, Region.id)
    ).all()
    clusters = session.execute(
        sa.select(Cluster.id, Cluster.slug, Cluster.name_id, Cluster.name_en).order_by(
            Cluster.position, Cluster.id
        )
    ).all()
    return {
        "villages": [{"id": v.id, "slug": v.slug, "name": v.name} for v in villages],
        "clusters": [
            {"id": c.id, "slug": c.slug, "name_id": c.name_id, "name_en": c.name_en} for c in clusters
        ],
    }
