"""Monitoring figures turned into what the dashboard shows: charts, table cells, CSV rows.

A figure's table and its CSV come from the same columns, so they always hold the same numbers:
the table formats them (rupiah, Jakarta dates), the CSV keeps plain integers and ISO dates, in the
reader's spreadsheet style (`spreadsheets.csv_style`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Optional

from babel.dates import format_date
from babel.numbers import format_compact_decimal, format_decimal
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.money import money_text
from marketplace.monitoring import charts
from marketplace.monitoring.filters import LIST_LIMIT, PRESETS, UNKNOWN, Filters
from marketplace.spreadsheets import BOM, CsvStyle, csv_style, safe_cell
from marketplace.timezones import JAKARTA


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # a lazy string
    #: text | int | idr | date | month
    kind: str = "text"


def _title(row: dict, lang: str) -> str:
    if row.get("product") == UNKNOWN:
        return _("Deleted product")
    if lang == "en" and row.get("title_en"):
        return row["title_en"]
    return row.get("title_id", "")


def _cluster_name(row: dict, lang: str) -> str:
    if row["cluster"] == UNKNOWN:
        return _("Unknown (product deleted)")
    return (row["name_en"] if lang == "en" and row["name_en"] else row["name_id"]) or row["cluster"]


def _level_name(row: dict, lang: str) -> str:
    if not row["level"]:
        return _("Not yet at the first level")
    return (row["name_en"] if lang == "en" and row["name_en"] else row["name_id"]) or row["level"]


SEGMENT_LABELS = {
    "domestic": _l("Domestic (within Indonesia)"),
    "international": _l("International (shipped abroad)"),
    "new": _l("New buyers (first order in this range)"),
    "repeat": _l("Returning buyers (ordered before this range)"),
}

#: The buyer groups' bars: the table beside the chart says what each means.
SEGMENT_SHORT_LABELS = {
    "domestic": _l("Domestic"),
    "international": _l("International"),
    "new": _l("New buyers"),
    "repeat": _l("Returning buyers"),
}

STAGE_LABELS = {
    "requested": _l("Requested, waiting for review"),
    "verified": _l("Verified and valid"),
    "expiring": _l("Expiring within 30 days"),
    "expired": _l("Expired"),
    "rejected": _l("Rejected"),
}

_SALES_COLUMNS = [
    Column("sales_idr", _l("Sales (IDR)"), "idr"),
    Column("orders", _l("Orders"), "int"),
    Column("units", _l("Units"), "int"),
]


_RATING_COLUMNS = [
    Column("average", _l("Average stars (out of 5)"), "decimal"),
    Column("reviews", _l("Reviews"), "int"),
]
_RATING_COLUMNS_VILLAGE = [Column("name", _l("Village")), *_RATING_COLUMNS]


@dataclass(frozen=True)
class FigureSpec:
    title: Any
    columns: list[Column]
    #: (row, lang) → {column key: raw value}; keys not in the row dict come from here.
    values: Callable[[dict, str], dict]
    #: (row) → {column key: URL} for cells that link somewhere (table only).
    links: Callable[[dict], dict] = lambda row: {}
    description: Any = ""


def _village_links(row: dict) -> dict:
    return {"name": url_for("mentoring.index", village=row["village"])}


def _seller_links(row: dict) -> dict:
    if not row.get("seller_id"):
        return {}
    return {"seller": url_for("mentoring.seller_log", seller_id=row["seller_id"])}


def _product_values(row: dict, lang: str) -> dict:
    return {"title": _title(row, lang), "updated": _jakarta_day(row.get("updated_at"))}


def _jakarta_day(value: Optional[datetime]) -> Optional[date]:
    return value.astimezone(JAKARTA).date() if value else None


FIGURE_SPECS: dict[str, FigureSpec] = {
    "months": FigureSpec(
        _l("Sales by month"),
        [Column("month", _l("Month (Jakarta time)"), "month"), *_SALES_COLUMNS],
        lambda row, lang: {},
    ),
    "villages": FigureSpec(
        _l("Sales by village"),
        [Column("name", _l("Village")), *_SALES_COLUMNS],
        lambda row, lang: {},
        _village_links,
        _l("The seller's village. Each village links to its mentoring log."),
    ),
    "clusters": FigureSpec(
        _l("Sales by cluster"),
        [Column("name", _l("Cluster")), *_SALES_COLUMNS],
        lambda row, lang: {"name": _cluster_name(row, lang)},
    ),
    "buyers": FigureSpec(
        _l("Buyers"),
        [
            Column("label", _l("Buyer group")),
            Column("buyers", _l("Buyers"), "int"),
            *_SALES_COLUMNS,
        ],
        lambda row, lang: {"label": str(SEGMENT_LABELS[row["segment"]])},
        description=_l(
            "A buyer is an account, or an e-mail address for guests. New buyers placed their "
            "first paid order on the market in this range; returning buyers had ordered before it. "
            "Domestic and international: where the orders were shipped."
        ),
    ),
    "top-products": FigureSpec(
        _l("Top products"),
        [
            Column("title", _l("Product")),
            Column("seller", _l("Seller")),
            Column("units", _l("Units"), "int"),
            Column("sales_idr", _l("Sales (IDR)"), "idr"),
            Column("orders", _l("Orders"), "int"),
        ],
        lambda row, lang: {"title": _title(row, lang)},
        _seller_links,
    ),
    "out-of-stock": FigureSpec(
        _l("Products out of stock"),
        [
            Column("title", _l("Product")),
            Column("seller", _l("Seller")),
            Column("village_name", _l("Village")),
        ],
        _product_values,
        _seller_links,
        _l("Active products with no stock left, today."),
    ),
    "no-sales": FigureSpec(
        _l("Sellers with no sales in the range"),
        [
            Column("seller", _l("Seller")),
            Column("village_name", _l("Village")),
            Column("last_sale_day", _l("Last sale"), "date"),
            Column("last_visit", _l("Last visit"), "date"),
        ],
        lambda row, lang: {"last_sale_day": _jakarta_day(row.get("last_sale"))},
        _seller_links,
        _l("Approved sellers. Each seller links to their mentoring log."),
    ),
    "stale-listings": FigureSpec(
        _l("Stale listings"),
        [
            Column("title", _l("Product")),
            Column("seller", _l("Seller")),
            Column("village_name", _l("Village")),
            Column("updated", _l("Last updated"), "date"),
        ],
        _product_values,
        _seller_links,
        _l("Active products nobody has updated for 90 days or more."),
    ),
    "labels": FigureSpec(
        _l("Label pipeline"),
        [Column("label", _l("Stage")), Column("labels", _l("Labels"), "int")],
        lambda row, lang: {"label": str(STAGE_LABELS[row["stage"]])},
        description=_l("Today's quality labels; expiring labels are also counted as verified."),
    ),
    "levels": FigureSpec(
        _l("Sellers by naik-kelas level"),
        [Column("label", _l("Level")), Column("sellers", _l("Sellers"), "int")],
        lambda row, lang: {"label": _level_name(row, lang)},
        description=_l("Today's levels of approved sellers; the date range does not apply."),
    ),
    "ratings-villages": FigureSpec(
        _l("Buyers' ratings by village"),
        _RATING_COLUMNS_VILLAGE,
        lambda row, lang: {},
        _village_links,
        _l("Reviews written in this range (hidden ones left out) and their average stars, out of 5."),
    ),
    "ratings-clusters": FigureSpec(
        _l("Buyers' ratings by cluster"),
        [Column("name", _l("Cluster")), *_RATING_COLUMNS],
        lambda row, lang: {"name": _cluster_name(row, lang)},
        description=_l(
            "Reviews written in this range (hidden ones left out) and their average stars, out of 5."
        ),
    ),
}

#: Figures drawn as a chart, with the column the bars show.
CHARTS = {
    "months": "sales_idr",
    "villages": "sales_idr",
    "clusters": "sales_idr",
    "buyers": "buyers",
    "labels": "labels",
    "levels": "sellers",
}


def _month_label(key: str, lang: str, pattern: str = "MMM y") -> str:
    if key == UNKNOWN:
        return key
    return format_date(date(int(key[:4]), int(key[5:]), 1), pattern, locale=lang)


def _display(value: Any, kind: str, lang: str) -> str:
    if value is None or value == "":
        return "–" if kind in ("date", "int", "idr") else ""
    if kind == "idr":
        return money_text(int(value), "IDR", lang)
    if kind == "int":
        return format_decimal(int(value), locale=lang)
    if kind == "decimal":
        return format_decimal(Decimal(value), format="0.0", locale=lang)
    if kind == "date":
        return format_date(value, "d MMM y", locale=lang)
    if kind == "month":
        return _month_label(value, lang, "MMMM y")
    return str(value)


def _raw(value: Any, kind: str, style: CsvStyle) -> Any:
    if value is None:
        return ""
    if kind in ("idr", "int"):
        return int(value)
    if kind == "decimal":
        return style.number(value, 1)
    if kind == "date":
        return value.isoformat()
    return safe_cell(value)  # titles and names are typed by sellers


def _values(key: str, row: dict, lang: str) -> dict:
    return {**row, **FIGURE_SPECS[key].values(row, lang)}


def figure_csv(key: str, rows: list[dict], *, lang: str) -> str:
    """The figure's table as CSV for a spreadsheet in the reader's language (`csv_style`: ";" and
    "4,5" in Indonesian, "," and "4.5" in English), UTF-8 with a BOM: header row, then plain
    numbers (IDR in whole rupiah, no grouping), ISO days."""
    spec = FIGURE_SPECS[key]
    style = csv_style(lang)
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=style.delimiter, lineterminator="\r\n")
    writer.writerow([str(column.header) for column in spec.columns])
    for row in rows:
        values = _values(key, row, lang)
        writer.writerow([_raw(values.get(column.key), column.kind, style) for column in spec.columns])
    return out.getvalue()


def _chart(key: str, rows: list[dict], lang: str, title: str) -> Any:
    value_key = CHARTS[key]
    spec = FIGURE_SPECS[key]
    kind = next(column.kind for column in spec.columns if column.key == value_key)
    header = next(str(column.header) for column in spec.columns if column.key == value_key)
    bars = []
    for row in rows:
        values = _values(key, row, lang)
        label_key = spec.columns[0].key
        if spec.columns[0].kind == "month":
            label = _month_label(values[label_key], lang)
        elif key == "buyers":
            label = str(SEGMENT_SHORT_LABELS[row["segment"]])
        else:
            label = str(values[label_key])
        bars.append(charts.Bar(label, int(values[value_key]), _display(values[value_key], kind, lang)))
    description = _(
        "%(title)s: %(measure)s. The numbers are in the table next to the chart.", title=title, measure=header
    )
    empty = _("Nothing in this range.")
    if key == "months":
        return charts.column_chart(
            chart_id=f"chart-{key}",
            title=title,
            description=description,
            bars=bars,
            axis_label=header,
            tick_format=lambda tick: format_compact_decimal(tick, locale=lang, fraction_digits=1),
            empty_text=empty,
        )
    return charts.bar_chart(
        chart_id=f"chart-{key}",
        title=title,
        description=description,
        bars=bars,
        axis_label=header,
        empty_text=empty,
    )


def part_months(filters: Filters, lang: str) -> dict[str, str]:
    """{month key: which of its days count} for the range's first and last months when the range
    holds only some of their days ("from 8 Dec", "to 7 Dec", "8–20 Feb"), so a short bar of the
    months figure is read as a part month, not as a bad month."""
    start, end = filters.start, filters.end
    first, last = start.strftime("%Y-%m"), end.strftime("%Y-%m")
    starts_late = start.day != 1
    ends_early = (end + timedelta(days=1)).day != 1
    day = lambda value: format_date(value, "d MMM", locale=lang)  # noqa: E731
    if first == last:
        if starts_late or ends_early:
            return {first: _("%(first)s to %(last)s", first=day(start), last=day(end))}
        return {}
    found = {}
    if starts_late:
        found[first] = _("from %(day)s", day=day(start))
    if ends_early:
        found[last] = _("to %(day)s", day=day(end))
    return found


def present_figure(key: str, rows: list[dict], filters: Filters, *, lang: str) -> dict:
    """A figure for the template: title, optional chart, table headers and cells, CSV link."""
    spec = FIGURE_SPECS[key]
    title = str(spec.title)
    parts = part_months(filters, lang) if key == "months" else {}
    table_rows = []
    for row in rows:
        values = _values(key, row, lang)
        links = spec.links(row)
        table_rows.append(
            [
                {
                    "text": _display(values.get(column.key), column.kind, lang)
                    + (
                        f" ({parts[row['month']]})"
                        if column.kind == "month" and row["month"] in parts
                        else ""
                    ),
                    "href": links.get(column.key),
                    "numeric": column.kind in ("int", "idr", "decimal"),
                }
                for column in spec.columns
            ]
        )
    total = rows[0].get("total", len(rows)) if rows else 0
    return {
        "key": key,
        "title": title,
        "description": str(spec.description) if spec.description else "",
        "headers": [str(column.header) for column in spec.columns],
        "numeric": [column.kind in ("int", "idr", "decimal") for column in spec.columns],
        "rows": table_rows,
        "chart": _chart(key, rows, lang, title) if key in CHARTS else None,
        "csv_url": url_for("monitoring.figure_csv", figure=key, **filters.query_args()),
        "truncated": _("Showing the first %(shown)s of %(total)s.", shown=len(rows), total=total)
        if total > len(rows)
        else "",
        "empty": _("Nothing to show.") if not rows else "",
    }


PRESET_LABELS = {"30d": _l("Last 30 days"), "90d": _l("Last 90 days"), "12m": _l("Last 12 months")}


def present_filters(filters: Filters, options: dict, *, lang: str, typed: Optional[Mapping] = None) -> dict:
    """The filter form's values, choices and the preset links (which keep village and cluster).
    `typed`: the query of filters that could not be used; the date fields show what was typed
    there (to correct it), not the default range the page fell back to."""
    keep = {}
    if filters.village_slug:
        keep["village"] = filters.village_slug
    if filters.cluster_slug:
        keep["cluster"] = filters.cluster_slug
    start, end = filters.start.isoformat(), filters.end.isoformat()
    if typed is not None and (typed.get("from") or typed.get("to")):
        start, end = (str(typed.get(name) or "").strip()[:20] for name in ("from", "to"))
    return {
        "start": start,
        "end": end,
        "range_text": _(
            "%(start)s to %(end)s (Jakarta time)",
            start=format_date(filters.start, "d MMM y", locale=lang),
            end=format_date(filters.end, "d MMM y", locale=lang),
        ),
        "presets": [
            {
                "label": str(PRESET_LABELS[preset]),
                "url": url_for("monitoring.dashboard", preset=preset, **keep),
                "current": typed is None and filters.preset == preset,
            }
            for preset in PRESETS
        ],
        "villages": [
            {"value": v["slug"], "label": v["name"], "selected": v["slug"] == filters.village_slug}
            for v in options["villages"]
        ],
        "clusters": [
            {
                "value": c["slug"],
                "label": (c["name_en"] if lang == "en" and c["name_en"] else c["name_id"]),
                "selected": c["slug"] == filters.cluster_slug,
            }
            for c in options["clusters"]
        ],
        "mentoring_url": url_for("mentoring.index", village=filters.village_slug or None),
    }


def present_dashboard(figures: dict[str, list[dict]], filters: Filters, *, lang: str) -> dict:
    presented = {key: present_figure(key, rows, filters, lang=lang) for key, rows in figures.items()}
    months = figures["months"]
    return {
        "summary": {
            "sales": money_text(sum(row["sales_idr"] for row in months), "IDR", lang),
            "orders": format_decimal(sum(row["orders"] for row in months), locale=lang),
            "units": format_decimal(sum(row["units"] for row in months), locale=lang),
        },
        "sales": [presented[key] for key in ("months", "villages", "clusters", "buyers", "top-products")],
        "catalogue": [presented[key] for key in ("out-of-stock", "no-sales", "stale-listings", "labels")],
        "levels": presented["levels"],
        "ratings": [presented[key] for key in ("ratings-villages", "ratings-clusters")],
        "limit": LIST_LIMIT,
    }
