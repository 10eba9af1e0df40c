"""The dashboard and CSV through HTTP: curators only, CSV equals the figures, bounded queries."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from marketplace.monitoring import presenters
from marketplace.seller.models import SellerStatus
from tests.factories import make_product, make_seller, make_user
from tests.monitoring.conftest import log_in
from tests.monitoring.helpers import make_order

RANGE = "from=2026-01-01&to=2026-03-31"


def read_csv(response, delimiter: str = ",") -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads the file as UTF-8 only with it
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


@pytest.mark.parametrize(
    "url", ["/curator/monitoring", "/curator/monitoring/months.csv", "/curator/mentoring"]
)
def test_only_curators_get_in(app, world, url):
    anonymous = app.test_client()
    response = anonymous.get(url)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    buyer = log_in(app.test_client(), "u1@example.test")
    assert buyer.get(url).status_code == 404
    seller = log_in(app.test_client(), "owner@example.test")
    assert seller.get(url).status_code == 404
    curator = log_in(app.test_client(), "curator@example.test")
    assert curator.get(url).status_code == 200


def test_dashboard_shows_figures_charts_and_links(app, world):
    client = log_in(app.test_client(), "curator@example.test")
    response = client.get(f"/curator/monitoring?{RANGE}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<h1") == 1
    assert "Rp675,000" in html.replace("\xa0", "").replace(" ", "")
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') >= 5
    assert '<title id="chart-months-title">Sales by month</title>' in html
    assert "style=" not in html and "<script" not in html
    # Villages and sellers link to their mentoring log.
    assert "/curator/mentoring?village=tambong" in html
    assert f"/curator/sellers/{world.s3.id}/mentoring" in html
    assert "/curator/monitoring/villages.csv?from=2026-01-01&amp;to=2026-03-31" in html
    assert "Naik kelas" not in html or "naik-kelas" in html


def test_csv_equals_the_table(app, world):
    client = log_in(app.test_client(), "curator@example.test")
    rows = read_csv(client.get(f"/curator/monitoring/months.csv?{RANGE}"))
    assert rows == [
        ["Month (Jakarta time)", "Sales (IDR)", "Orders", "Units"],
        ["2026-01", "225000", "2", "3"],
        ["2026-02", "250000", "2", "7"],
        ["2026-03", "200000", "2", "6"],
    ]
    villages = read_csv(client.get(f"/curator/monitoring/villages.csv?{RANGE}&village=kabat"))
    assert villages == [["Village", "Sales (IDR)", "Orders", "Units"], ["Kabat", "255000", "5", "10"]]
    buyers = read_csv(client.get(f"/curator/monitoring/buyers.csv?{RANGE}"))
    assert buyers[1][1:] == ["4", "575000", "5", "12"]

    # Every figure's table on the page holds the CSV's numbers (formatted).
    html = client.get(f"/curator/monitoring?{RANGE}").get_data(as_text=True)
    table = html.split('id="months-heading"')[1].split("</table>")[0]
    cells = [re.sub(r"\D", "", c) for c in re.findall(r'<td class="num"[^>]*>\s*([^<]*?)\s*</td>', table)]
    assert cells == ["225000", "2", "3", "250000", "2", "7", "200000", "2", "6"]


def test_every_csv_downloads(app, world):
    client = log_in(app.test_client(), "curator@example.test")
    for figure in (
        "months",
        "villages",
        "clusters",
        "buyers",
        "top-products",
        "out-of-stock",
        "no-sales",
        "stale-listings",
        "labels",
        "levels",
    ):
        rows = read_csv(client.get(f"/curator/monitoring/{figure}.csv?{RANGE}"))
        assert rows[0], figure
    labels = read_csv(client.get("/curator/monitoring/labels.csv"))
    assert [row[1] for row in labels[1:]] == ["1", "3", "1", "1", "1"]


def test_bad_filters_give_400_and_messages(app, world):
    client = log_in(app.test_client(), "curator@example.test")
    response = client.get("/curator/monitoring?from=2026-04-01&to=2026-03-01")
    assert response.status_code == 400
    assert "The last day must not be before the first day." in response.get_data(as_text=True)
    assert client.get("/curator/monitoring?village=atlantis").status_code == 400
    assert client.get("/curator/monitoring/months.csv?from=yesterday").status_code == 400
    assert client.get("/curator/monitoring/passwords.csv").status_code == 404


def _add_orders(session, count: int, start: int) -> None:
    village_seller = make_seller(session, status=SellerStatus.APPROVED)
    for n in range(start, start + count):
        buyer = make_user(session)
        product = make_product(session, seller=village_seller)
        paid = datetime(2026, 1, 1, 5, tzinfo=UTC) + timedelta(days=n % 80, hours=n)
        make_order(session, [(product, 1 + n % 3, 10_000, village_seller)], paid_at=paid, buyer=buyer)
    session.commit()


def test_dashboard_query_count_does_not_grow_with_orders(app, world, session, count_queries):
    client = log_in(app.test_client(), "curator@example.test")
    _add_orders(session, 10, 0)
    with count_queries() as few:
        assert client.get(f"/curator/monitoring?{RANGE}").status_code == 200
    _add_orders(session, 40, 10)
    with count_queries() as many:
        assert client.get(f"/curator/monitoring?{RANGE}").status_code == 200
    assert few.count == many.count
    assert many.count <= 40, "\n".join(s[:90] for s in many.statements)


def test_csv_cells_never_start_a_formula(app, world, session):
    world.p1.title_en = '=HYPERLINK("http://evil.test")'
    session.commit()
    client = log_in(app.test_client(), "curator@example.test")
    rows = read_csv(client.get(f"/curator/monitoring/top-products.csv?{RANGE}"))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.test")'


def test_csv_reads_right_in_an_indonesian_spreadsheet(app, world):
    """ ";" between cells and a decimal comma, as Excel and LibreOffice set to Indonesian read a CSV;
    whole rupiah without grouping, which every spreadsheet reads as the same number."""
    client = log_in(app.test_client(), "curator@example.test", lang="id")
    months = read_csv(client.get(f"/curator/monitoring/months.csv?{RANGE}"), delimiter=";")
    assert months[0] == ["Bulan (WIB)", "Penjualan (IDR)", "Pesanan", "Unit"]
    assert months[1] == ["2026-01", "225000", "2", "3"]
    rows = [{"village": "tambong", "name": "Tambong", "average": "4.5", "reviews": 2}]
    assert presenters.figure_csv("ratings-villages", rows, lang="id").splitlines()[1] == "Tambong;4,5;2"
    assert presenters.figure_csv("ratings-villages", rows, lang="en").splitlines()[1] == "Tambong,4.5,2"
