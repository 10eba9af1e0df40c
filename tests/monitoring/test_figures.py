"""Every monitoring figure against totals computed by hand from the seeded orders (conftest)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from marketplace.monitoring import services
from marketplace.monitoring.filters import preset_range
from marketplace.monitoring.presenters import part_months, present_figure
from marketplace.monitoring.services import Filters
from marketplace.types import utcnow

Q1 = Filters(start=date(2026, 1, 1), end=date(2026, 3, 31))


def figure(session, key, filters=Q1):
    return services.compute_figure(session, key, filters, now=utcnow())


def test_sales_by_jakarta_month(session, world):
    assert figure(session, "months") == [
        {"month": "2026-01", "sales_idr": 225_000, "orders": 2, "units": 3},
        {"month": "2026-02", "sales_idr": 250_000, "orders": 2, "units": 7},
        {"month": "2026-03", "sales_idr": 200_000, "orders": 2, "units": 6},
    ]


def test_month_boundaries_follow_jakarta_time(session, world):
    january = Filters(start=date(2026, 1, 1), end=date(2026, 1, 31))
    # The order paid 2026-01-31 18:00 UTC is February in Jakarta; 2025-12-31 17:30 UTC is January.
    assert figure(session, "months", january) == [
        {"month": "2026-01", "sales_idr": 225_000, "orders": 2, "units": 3}
    ]
    february = Filters(start=date(2026, 2, 1), end=date(2026, 2, 28))
    assert figure(session, "months", february) == [
        {"month": "2026-02", "sales_idr": 250_000, "orders": 2, "units": 7}
    ]
    # 2026-03-31 17:30 UTC is already 1 April in Jakarta.
    april = Filters(start=date(2026, 4, 1), end=date(2026, 4, 30))
    assert figure(session, "months", april) == [
        {"month": "2026-04", "sales_idr": 100_000, "orders": 1, "units": 1}
    ]


def test_a_range_across_months_lists_empty_months(session, world):
    rows = figure(session, "months", Filters(start=date(2026, 3, 15), end=date(2026, 5, 2)))
    assert [(r["month"], r["sales_idr"]) for r in rows] == [
        ("2026-03", 50_000),
        ("2026-04", 100_000),
        ("2026-05", 0),
    ]


def test_sales_by_village(session, world):
    assert [(r["village"], r["sales_idr"], r["orders"], r["units"]) for r in figure(session, "villages")] == [
        ("tambong", 420_000, 3, 6),
        ("kabat", 255_000, 5, 10),
    ]


def test_sales_by_cluster_counts_deleted_products_as_unknown(session, world):
    rows = figure(session, "clusters")
    assert [(r["cluster"], r["sales_idr"], r["orders"], r["units"]) for r in rows] == [
        ("pangan", 345_000, 5, 12),
        ("batik", 300_000, 2, 3),
        ("unknown", 30_000, 1, 1),
    ]


def test_buyers_domestic_international_new_repeat(session, world):
    rows = {r["segment"]: r for r in figure(session, "buyers")}
    assert rows["domestic"] == {
        "segment": "domestic",
        "buyers": 4,
        "orders": 5,
        "sales_idr": 575_000,
        "units": 12,
    }
    assert rows["international"] == {
        "segment": "international",
        "buyers": 1,
        "orders": 1,
        "sales_idr": 100_000,
        "units": 4,
    }
    # g2 first paid in December: repeat. u2's earlier order was cancelled: still new.
    assert rows["new"] == {"segment": "new", "buyers": 4, "orders": 5, "sales_idr": 625_000, "units": 14}
    assert rows["repeat"] == {"segment": "repeat", "buyers": 1, "orders": 1, "sales_idr": 50_000, "units": 2}


def test_top_products(session, world):
    rows = figure(session, "top-products")
    assert [(r["product"], r["units"], r["sales_idr"], r["orders"]) for r in rows] == [
        (world.p1.slug, 3, 300_000, 2),
        (world.p2.slug, 9, 225_000, 4),
        (world.p3.slug, 3, 120_000, 1),
        ("unknown", 1, 30_000, 1),
    ]


def test_village_filter(session, world):
    tambong = Filters(start=Q1.start, end=Q1.end, village_id=world.tambong.id, village_slug="tambong")
    assert [
        (r["month"], r["sales_idr"], r["orders"], r["units"]) for r in figure(session, "months", tambong)
    ] == [
        ("2026-01", 200_000, 1, 2),
        ("2026-02", 100_000, 1, 1),
        ("2026-03", 120_000, 1, 3),
    ]
    assert [(r["village"], r["sales_idr"]) for r in figure(session, "villages", tambong)] == [
        ("tambong", 420_000)
    ]
    buyers = {
        r["segment"]: (r["buyers"], r["orders"], r["sales_idr"]) for r in figure(session, "buyers", tambong)
    }
    assert buyers == {
        "domestic": (2, 3, 420_000),
        "international": (0, 0, 0),
        "new": (2, 3, 420_000),
        "repeat": (0, 0, 0),
    }
    assert figure(session, "no-sales", tambong) == []


def test_cluster_filter(session, world):
    batik = Filters(start=Q1.start, end=Q1.end, cluster_id=world.batik.id, cluster_slug="batik")
    assert sum(r["sales_idr"] for r in figure(session, "months", batik)) == 300_000
    assert [r["village"] for r in figure(session, "villages", batik) if r["sales_idr"]] == ["tambong"]
    assert [r["seller"] for r in figure(session, "no-sales", batik)] == ["Anyaman Kabat"]


def test_sellers_without_sales_show_last_sale_and_visit(session, world):
    rows = figure(session, "no-sales")
    assert [(r["seller"], r["village"], r["last_sale"], r["last_visit"]) for r in rows] == [
        ("Anyaman Kabat", "kabat", None, date(2026, 1, 20))
    ]
    # In April only the order paid 1 April (Jakarta) sells: seller 2 had none, last sale in March.
    april = figure(session, "no-sales", Filters(start=date(2026, 4, 1), end=date(2026, 4, 30)))
    assert [r["seller"] for r in april] == ["Anyaman Kabat", "Dapur Kabat"]
    assert april[1]["last_sale"].date() == date(2026, 3, 20)


def test_out_of_stock_and_stale_listings(session, world):
    assert [r["title_en"] for r in figure(session, "out-of-stock")] == ["Empty basket"]
    assert [r["title_en"] for r in figure(session, "stale-listings")] == ["Forgotten mat"]
    tambong = Filters(start=Q1.start, end=Q1.end, village_id=world.tambong.id, village_slug="tambong")
    assert figure(session, "out-of-stock", tambong) == []


def test_label_pipeline(session, world):
    assert {r["stage"]: r["labels"] for r in figure(session, "labels")} == {
        "requested": 1,
        "verified": 3,
        "expiring": 1,
        "expired": 1,
        "rejected": 1,
    }


def test_levels_count_every_approved_seller(session, world):
    rows = figure(session, "levels")
    assert sum(r["sellers"] for r in rows) == 3  # approved sellers


@pytest.mark.parametrize(
    "args, errors",
    [
        ({"from": "2026-13-01", "to": "2026-02-01"}, {"from"}),
        ({"from": "2026-03-01", "to": "2026-02-01"}, {"to"}),
        ({"from": "2020-01-01", "to": "2026-02-01"}, {"to"}),
        ({"preset": "forever"}, {"preset"}),
        ({"village": "atlantis"}, {"village"}),
        ({"cluster": "nope"}, {"cluster"}),
    ],
)
def test_bad_filters_are_reported(session, world, args, errors):
    _filters, found = services.parse_filters(session, args, today=date(2026, 4, 15))
    assert set(found) == errors


def test_presets_and_default(session, world):
    today = date(2026, 4, 15)
    parse = lambda args: services.parse_filters(session, args, today=today)[0]  # noqa: E731
    # "Last 12 months", the default: twelve months ending today, not the months since May.
    assert (parse({}).start, parse({}).end) == (date(2025, 4, 16), today)
    assert parse({"preset": "12m"}).start == date(2025, 4, 16)
    assert parse({"preset": "30d"}).start == date(2026, 3, 17)
    assert parse({"preset": "90d"}).start == date(2026, 1, 16)
    chosen = parse({"from": "2026-01-01", "to": "2026-03-31", "village": "tambong", "cluster": "batik"})
    assert (chosen.start, chosen.end, chosen.village_id, chosen.cluster_id) == (
        date(2026, 1, 1),
        date(2026, 3, 31),
        world.tambong.id,
        world.batik.id,
    )


@pytest.mark.parametrize(
    "today, start",
    [
        (date(2026, 12, 7), date(2025, 12, 8)),  # in December: not 1 January, a whole year back
        (date(2026, 1, 1), date(2025, 1, 2)),
        (date(2026, 12, 31), date(2026, 1, 1)),  # the last day of a year: that calendar year
        (date(2028, 2, 29), date(2027, 3, 1)),  # a leap day: 366 days
        (date(2027, 3, 1), date(2026, 3, 2)),
    ],
)
def test_twelve_months_are_the_year_ending_today(today, start):
    assert preset_range("12m", today) == (start, today)
    year_ago = start - timedelta(days=1)
    assert (year_ago.month, year_ago.year) == (today.month, today.year - 1) or today == date(2028, 2, 29)


def test_part_months_are_named_in_the_months_table(app, session, world):
    filters = Filters(date(2025, 12, 8), date(2026, 12, 7))
    with app.test_request_context(), force_locale("en"):
        table = present_figure("months", figure(session, "months", filters), filters, lang="en")
        firsts = [row[0]["text"] for row in table["rows"]]
        assert len(firsts) == 13
        assert firsts[0] == "December 2025 (from 8 Dec)" and firsts[-1] == "December 2026 (to 7 Dec)"
        assert firsts[1] == "January 2026"
        assert part_months(Filters(date(2026, 1, 1), date(2026, 3, 31)), "en") == {}
    with app.test_request_context(), force_locale("id"):
        inside = Filters(date(2026, 2, 2), date(2026, 2, 20))
        assert part_months(inside, "id") == {"2026-02": "2 Feb sampai 20 Feb"}
