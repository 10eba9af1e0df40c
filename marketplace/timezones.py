"""Kabat's time: the Asia/Jakarta (WIB) zone, its calendar days and wall-clock times.

Times are stored in UTC (`marketplace.types.utcnow`); days, months and the times people read or
type are Jakarta's, except an order's times for its buyer abroad, read in the buyer's own zone
(`buyer_time`, `buyer_day`). Every domain reads these helpers from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib.resources import files
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_timedelta, get_timezone_location
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.ext.compiler import compiles

from marketplace.types import utcnow

#: The market's zone: labels expire, reports count and payouts close on its calendar days.
JAKARTA = ZoneInfo("Asia/Jakarta")


def market_today(now: datetime | None = None, tz: ZoneInfo = JAKARTA) -> date:
    """Today's calendar date where the market is (labels are valid through their last day there)."""
    return (now or utcnow()).astimezone(tz).date()


def jakarta_date(value: datetime) -> date:
    """The calendar day in Kabat (WIB) for a stored UTC time."""
    return value.astimezone(JAKARTA).date()


def jakarta_day_start(day: date) -> datetime:
    """The UTC instant a Kabat (WIB) calendar day begins: ranges of Jakarta days compare with this."""
    return datetime.combine(day, time.min, tzinfo=JAKARTA).astimezone(UTC)


def from_jakarta_local(value: datetime) -> datetime:
    """A wall-clock time typed in Jakarta (naive) as an aware UTC datetime."""
    return value.replace(tzinfo=JAKARTA).astimezone(UTC)


def to_jakarta_local(value: datetime) -> datetime:
    """A stored UTC time as Jakarta wall-clock time, naive (what a datetime-local input shows)."""
    return value.astimezone(JAKARTA).replace(tzinfo=None)


def jakarta_time(value, lang: str) -> str:
    """'28 November 2026 14.05 WIB' — always Kabat's time, whatever the reader's zone."""
    if value is None:
        return ""
    return babel_format_datetime(value, "d MMMM y HH:mm", tzinfo=JAKARTA, locale=lang) + " WIB"


def day_text(value: date | None, lang: str) -> str:
    """'31 December 2028', '31 Desember 2028': a calendar day as every page writes one (as
    `jakarta_time` writes its day), not Babel's "long" English pattern ("December 31, 2028")."""
    return babel_format_date(value, "d MMMM y", locale=lang) if value else ""


def time_left(due: datetime, *, now: datetime, lang: str) -> str:
    """'in 23 hours' / 'dalam 23 jam': never rounded up (a buyer must not count on an hour more)."""
    left = due - now
    if left <= timedelta(0):
        return format_timedelta(left, add_direction=True, locale=lang)
    if left >= timedelta(hours=1):
        left = timedelta(hours=left // timedelta(hours=1))
    else:
        left = timedelta(minutes=max(1, left // timedelta(minutes=1)))
    return format_timedelta(left, add_direction=True, threshold=1.5, locale=lang)


# --- The buyer's own time -------------------------------------------------------------------
# A buyer abroad reads an order's times where they are: the zone of the order's shipping country
# when it has one (the Netherlands: "8 December 2026, 21:28 (Amsterdam time)"); with several (the
# US, Australia…) the page keeps WIB with UTC beside (what an email says too) and
# static/js/local-time.js rewrites each <time> into the browser's own zone. At home (and on
# sellers' and curators' pages) every time stays in WIB.


@dataclass(frozen=True)
class ReaderZone:
    """Where an order's buyer reads its times."""

    #: The country's one zone; None at home (WIB) and in countries with several zones.
    zone: ZoneInfo | None = None
    #: Several zones: WIB in the HTML, marked up for the browser to rewrite in its own zone.
    several: bool = False


HOME_ZONE = ReaderZone()


@lru_cache(maxsize=1)
def _country_zones() -> dict[str, tuple[str, ...]]:
    """{ISO country code: its zones, the most populous first}, from tzdata's zone.tab."""
    zones: dict[str, list[str]] = {}
    text = (files("tzdata.zoneinfo") / "zone.tab").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            country, _coordinates, name, *_rest = line.split("\t")
            zones.setdefault(country, []).append(name)
    return {country: tuple(names) for country, names in zones.items()}


@lru_cache(maxsize=512)
def buyer_zone(country: str | None) -> ReaderZone:
    """The zone an order shipped to `country` is read in: one zone when every zone of the country
    keeps the same clock all year (Germany's Berlin and Büsingen), else "several" (the browser's)."""
    code = (country or "ID").upper()
    if code == "ID":
        return HOME_ZONE
    names = _country_zones().get(code, ())
    if not names:
        return ReaderZone(several=True)
    zones = [ZoneInfo(name) for name in names]
    year = datetime.now(UTC).year
    samples = [datetime(year, month, 15, 12, tzinfo=UTC) for month in (1, 4, 7, 10)]
    clocks = {tuple(moment.astimezone(zone).utcoffset() for moment in samples) for zone in zones}
    return ReaderZone(zone=zones[0]) if len(clocks) == 1 else ReaderZone(several=True)


class BrowserTime(str):
    """A WIB time as text (emails, plain strings) that HTML writes as `<time datetime>` for
    static/js/local-time.js to rewrite into the browser's zone. `beside`: the WIB clock kept
    after it ("03:28 WIB") where the office's time matters."""

    def __new__(cls, text: str, value: datetime, *, kind: str = "time", beside: str = "", tail: str = ""):
        self = super().__new__(cls, text + tail)
        self.value, self.text, self.kind, self.beside, self.tail = value, text, kind, beside, tail
        return self

    def __html__(self) -> Markup:
        iso = self.value.astimezone(UTC).isoformat(timespec="seconds")
        return Markup('<time datetime="{}" data-local="{}" data-beside="{}">{}</time>{}').format(
            iso, self.kind, self.beside, self.text, self.tail
        )


def followed_by(text: str, note: str) -> str:
    """`text` and " (note)" after it, a BrowserTime staying one (its <time> round the time only)."""
    if isinstance(text, BrowserTime):
        return BrowserTime(text.text, text.value, kind=text.kind, beside=text.beside, tail=f" {note}")
    return f"{text} {note}"


def fill(message: str, **values) -> str:
    """`message % values`, as HTML when a value is a BrowserTime (so its <time> survives)."""
    if any(isinstance(value, BrowserTime) for value in values.values()):
        return Markup.escape(message) % values
    return message % values


def _wib_clock(value: datetime, lang: str) -> str:
    """The WIB clock, '03:28 WIB', kept on one line (a no-break space) where a deadline wraps."""
    return babel_format_datetime(value, "HH:mm", tzinfo=JAKARTA, locale=lang) + "\u00a0WIB"


def jakarta_time_with_utc(value: datetime, lang: str) -> str:
    """'8 December 2026 03:28 WIB (20:28 UTC, 7 December)': Kabat's time with UTC beside, the day
    too when UTC's differs. For a reader in a country with several zones where no script runs
    (an email, a page without JavaScript): the address's state would not say its zone for sure
    (Texas, Florida, Ontario, Indiana… span two; Brazil and Russia need no state at all), and a
    wrong zone misleads where UTC, which every phone converts, only asks one step."""
    wib = jakarta_time(value, lang)
    utc = value.astimezone(UTC)
    clock = babel_format_datetime(utc, "HH:mm", tzinfo=UTC, locale=lang)
    if utc.date() == value.astimezone(JAKARTA).date():
        return _("%(time)s (%(utc)s UTC)", time=wib, utc=clock)
    day = babel_format_date(utc.date(), "d MMMM", locale=lang)
    return _("%(time)s (%(utc)s UTC, %(day)s)", time=wib, utc=clock, day=day)


def buyer_time(
    value: datetime | None, lang: str, where: ReaderZone = HOME_ZONE, *, wib_beside: bool = False
) -> str:
    """An order's time as its buyer reads it: `jakarta_time` at home; abroad "8 December 2026,
    21:28 (Amsterdam time)", with " · 03:28 WIB" when `wib_beside` (a deadline the office keeps).

    In a country with several zones (`where.several`): a BrowserTime whose text, what an email and
    a page without JavaScript read, is `jakarta_time_with_utc`; static/js/local-time.js rewrites it
    on a page into the browser's zone."""
    if value is None:
        return ""
    if where.zone is None:
        if where.several:
            text = jakarta_time_with_utc(value, lang)
            return BrowserTime(text, value, beside=_wib_clock(value, lang) if wib_beside else "")
        return jakarta_time(value, lang)
    local = babel_format_datetime(value, "d MMMM y, HH:mm", tzinfo=where.zone, locale=lang)
    city = get_timezone_location(where.zone, locale=lang, return_city=True)
    text = _("%(when)s (%(city)s time)", when=local, city=city)
    return f"{text} · {_wib_clock(value, lang)}" if wib_beside else text


def buyer_day(value: datetime | None, lang: str, where: ReaderZone = HOME_ZONE) -> str:
    """The calendar day of a stored UTC time where the buyer is (as `day_text` writes it)."""
    if value is None:
        return ""
    text = day_text(value.astimezone(where.zone or JAKARTA).date(), lang)
    return BrowserTime(text, value, kind="day") if where.several else text


class jakarta_day(sa.sql.functions.FunctionElement):
    """`jakarta_date(column)` in SQL, for reads of many rows that need only the day: no aware
    datetime made and converted per row in Python (issue 16: half the CPU of an 80,000-row
    download). Asia/Jakarta has been UTC+7 without DST since 1964; SQLite, which stores UTC times
    as text, adds the seven hours."""

    type = sa.Date()
    inherit_cache = True
    name = "jakarta_day"


@compiles(jakarta_day, "postgresql")
def _jakarta_day_postgresql(element, compiler, **kw):
    (column,) = element.clauses
    # A cast, not to_char: formatting 80,000 days in PostgreSQL cost 60 ms, the cast 13.
    return f"CAST({compiler.process(column, **kw)} AT TIME ZONE 'Asia/Jakarta' AS DATE)"


@compiles(jakarta_day, "sqlite")
def _jakarta_day_sqlite(element, compiler, **kw):
    (column,) = element.clauses
    # Whole seconds first: SQLite's date arithmetic rounds to milliseconds, so 16:59:59.999999
    # UTC would become the next Jakarta day. The stored text starts 'YYYY-MM-DD HH:MM:SS'.
    return f"date(substr({compiler.process(column, **kw)}, 1, 19), '+7 hours')"
