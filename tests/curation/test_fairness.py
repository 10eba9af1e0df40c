"""Fairness of featured time: hours per village and cluster against totals computed by hand."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from marketplace.curation import featured
from tests.curation.conftest import log_in
from tests.factories import make_cluster, make_featured, make_product, make_seller, make_village


def t(day, hour=0, minute=0, month=1, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def spread(session, desk):
    """Window 1–10 January 2026 in Jakarta = 31 Dec 17:00 UTC to 10 Jan 17:00 UTC.

    Tambong / Handicraft: 24 h (clipped at the start) + 10 h 30 min        (product p1)
    Tambong / Food:       20 min                                            (product p4)
    Sawah   / Food:       5 h (clipped at the end)                          (product p2)
    Sawah   / Handicraft: outside the window                                (product p3)
    Kosong: a village never featured.
    """
    sawah = make_village(session, name="Sawah", slug="sawah")
    make_village(session, name="Kosong", slug="kosong")
    food = make_cluster(session, slug="pangan", name_id="Pangan olahan", name_en="Food", position=5)
    seller_b = make_seller(session, village=sawah, name="Dapur Sawah")
    p1 = make_product(session, seller=desk.seller, cluster=desk.cluster)
    p4 = make_product(session, seller=desk.seller, cluster=food)
    p2 = make_product(session, seller=seller_b, cluster=food)
    p3 = make_product(session, seller=seller_b, cluster=desk.cluster)
    make_featured(session, product=p1, starts_at=t(31, 5, month=12, year=2025), ends_at=t(1, 17))
    make_featured(session, product=p1, starts_at=t(5, 0), ends_at=t(5, 10, 30))
    make_featured(session, product=p2, starts_at=t(10, 12), ends_at=t(12, 0))
    make_featured(session, product=p3, starts_at=t(1, month=2), ends_at=t(2, month=2))
    make_featured(session, product=p4, starts_at=t(3, 0), ends_at=t(3, 0, 20))
    session.commit()
    return {"sawah": sawah, "food": food}


def test_hours_shares_and_products_match_hand_computed_totals(session, desk, spread):
    start, end = featured.fairness_window(now=t(20), start_day=date(2026, 1, 1), end_day=date(2026, 1, 10))
    assert (start, end) == (t(31, 17, month=12, year=2025), t(10, 17))
    result = featured.featured_fairness(session, start=start, end=end)

    assert result.total_seconds == 86_400 + 37_800 + 1_200 + 18_000
    assert result.total_hours == 40  # 39 h 50 min
    assert result.placements == 4
    villages = {row.name.name: (row.hours, row.share, row.products) for row in result.villages}
    assert villages["Tambong"] == (35, Decimal("87.4"), 2)  # 34 h 50 min, 125400 / 143400
    assert villages["Sawah"] == (5, Decimal("12.6"), 1)
    assert villages["Kosong"] == (0, Decimal("0.0"), 0)
    assert [row.name.name for row in result.villages][:2] == ["Tambong", "Sawah"]
    clusters = {row.name.slug: (row.hours, row.share, row.products) for row in result.clusters}
    assert clusters["kerajinan"] == (35, Decimal("86.6"), 1)  # 34 h 30 min
    assert clusters["pangan"] == (5, Decimal("13.4"), 2)  # 5 h 20 min


def test_default_window_is_the_last_90_days(session, desk, spread):
    start, end = featured.fairness_window(now=t(20))
    assert end == t(20) and (end - start).days == 90
    # reversed dates are swapped
    assert featured.fairness_window(now=t(20), start_day=date(2026, 1, 10), end_day=date(2026, 1, 1)) == (
        t(31, 17, month=12, year=2025),
        t(10, 17),
    )


def test_page_chart_table_and_csv(app, session, desk, spread, count_queries):
    curator = log_in(app.test_client(), desk.curator.email)
    url = "/curator/featured/fairness?from=2026-01-01&to=2026-01-10"
    curator.get(url)
    with count_queries() as counter:
        response = curator.get(url)
    assert response.status_code == 200
    assert counter.count <= 10
    html = response.get_data(as_text=True)
    assert "<svg" in html and "<title id=" in html and "<desc id=" in html
    assert "40 featured hours in all; most went to Tambong (35 hours, 87.4%)" in html
    # Each cell names its column for the phone's cards (data-label); the values are what is compared.
    html = re.sub(r' data-label="[^"]*"', "", html)
    assert '<th scope="row">Kosong</th><td class="num">0</td>' in html
    assert (
        '<th scope="row">Tambong</th><td class="num">35</td><td class="num">87.4</td><td class="num">2</td>'
        in html
    )
    assert "style=" not in html.split("<main")[-1]

    csv_response = curator.get("/curator/featured/fairness.csv?from=2026-01-01&to=2026-01-10")
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    assert "attachment" in csv_response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(csv_response.get_data(as_text=True))))
    assert rows[0] == ["group", "name", "featured_hours", "share_percent", "products"]
    assert ["village", "Tambong", "35", "87.4", "2"] in rows
    assert ["village", "Kosong", "0", "0.0", "0"] in rows
    assert ["cluster", "Food", "5", "13.4", "2"] in rows

    bad = curator.get("/curator/featured/fairness?from=yesterday")
    assert bad.status_code == 400 and "was not understood" in bad.get_data(as_text=True)
    assert curator.get("/curator/featured/fairness.csv?to=2026-13-45").status_code == 400
