"""Exchange rates: validation, the latest rate per currency, the curator page, CSV import, audit."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.errors import ValidationError
from marketplace.markets.models import ExchangeRate
from marketplace.markets.services import (
    RateImportError,
    import_rates,
    list_latest_rates,
    load_rate_table,
    parse_rate,
    parse_rates_csv,
    set_rate,
)
from marketplace.types import utcnow
from tests.factories import make_user
from tests.markets.conftest import log_in, make_rate


def _count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("text", ["17300", "17300.5", " 17300.12345678 ", "3460"])
def test_good_rates_parse_to_exact_decimals(text):
    assert parse_rate(text, "EUR") == Decimal(text.strip())


@pytest.mark.parametrize(
    "text",
    ["", "abc", "-17300", "0", "0.000", "17,300", "1e4", "17300.123456789", "17.300", "173000", "NaN", "."],
)
def test_bad_or_implausible_rates_are_refused(text):
    with pytest.raises(ValidationError):
        parse_rate(text, "EUR")


def test_latest_rate_per_currency_wins_and_old_ones_are_stale(session):
    make_rate(session, "EUR", "17000", days_ago=10)
    newest = make_rate(session, "EUR", "17300", days_ago=1)
    make_rate(session, "JPY", "104", days_ago=8)
    session.commit()
    latest = {row.currency: row for row in list_latest_rates(session)}
    assert latest["EUR"].id == newest.id and latest["JPY"].rate == Decimal("104")
    rates = load_rate_table(session, today=utcnow().date(), stale_days=7)
    assert rates.get("EUR").rate == Decimal("17300")
    assert not rates.is_stale("EUR") and rates.is_stale("JPY")
    assert rates.offered() == ["IDR", "EUR", "JPY"]


def test_set_rate_replaces_the_days_rate_and_is_audited(session):
    curator = make_user(session, is_curator=True)
    today = utcnow().date()
    make_rate(session, "EUR", "17000", days_ago=3)
    first = set_rate(session, currency="EUR", rate=Decimal("17300"), effective_date=today, actor=curator)
    again = set_rate(session, currency="EUR", rate=Decimal("17350.5"), effective_date=today, actor=curator)
    session.commit()
    assert first.id == again.id and again.rate == Decimal("17350.5")
    assert _count(session, ExchangeRate) == 2
    entries = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["rate.change", "rate.change"]
    assert entries[0].before["rate"] == "17000" and entries[0].after["rate"] == "17300"
    assert entries[1].before["rate"] == "17300" and entries[1].after["rate"] == "17350.5"
    assert entries[1].actor_id == curator.id and entries[1].actor_role == "curator"


GOOD_CSV = """currency,rate,date,source
EUR,17300.25,{today},Bank Indonesia JISDOR
JPY,105.1,{today}
USD,16300,{yesterday},
"""


def test_csv_import_applies_every_row(session):
    today = utcnow().date()
    rows = parse_rates_csv(GOOD_CSV.format(today=today, yesterday=today - timedelta(days=1)))
    import_rates(session, rows)
    session.commit()
    latest = {row.currency: row for row in list_latest_rates(session)}
    assert latest["EUR"].rate == Decimal("17300.25") and latest["EUR"].source == "Bank Indonesia JISDOR"
    assert latest["JPY"].source == "csv import"
    assert latest["USD"].effective_date == today - timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["empty"]),
        ("cur,rate,date\nEUR,17300,2026-11-01\n", ["Line 1"]),
        ("currency,rate,date\n", ["no rates"]),
        (
            "currency,rate,date\nEUR,17300,2026-11-01\nXXX,1,2026-11-01\nJPY,17.300,2026-11-01\n"
            "USD,16300,yesterday\nGBP,20500\nEUR,17310,2026-11-01\nIDR,1,2026-11-01\nSGD,12300,2999-01-01\n",
            ["Line 3", "Line 4", "Line 5", "Line 6", "Line 7", "Line 8", "Line 9"],
        ),
    ],
)
def test_broken_csv_lists_every_problem_and_applies_nothing(session, text, expected):
    with pytest.raises(RateImportError) as raised:
        parse_rates_csv(text)
    joined = " | ".join(raised.value.errors)
    for fragment in expected:
        assert fragment in joined
    assert len(raised.value.errors) == len(expected)
    assert _count(session, ExchangeRate) == 0


def test_cli_import_good_and_broken_files(app, session, runner, tmp_path):
    today = utcnow().date()
    good = tmp_path / "rates.csv"
    good.write_text(GOOD_CSV.format(today=today, yesterday=today - timedelta(days=1)), encoding="utf-8")
    broken = tmp_path / "broken.csv"
    broken.write_text(f"currency,rate,date\nGBP,20500,{today}\nEUR,-1,{today}\n", encoding="utf-8")

    result = runner.invoke(args=["rates", "import", str(broken)])
    assert result.exit_code == 1
    assert "Line 3" in result.output and "nothing was imported" in result.output
    session.expire_all()
    assert _count(session, ExchangeRate) == 0  # GBP on line 2 was fine, but nothing is applied

    result = runner.invoke(args=["rates", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "imported 3 rate(s)" in result.output
    session.expire_all()
    assert _count(session, ExchangeRate) == 3
    listed = runner.invoke(args=["rates", "list"])
    assert "EUR\t17300.25" in listed.output


def test_rates_page_is_for_curators_only(app, session):
    make_user(session, email="buyer@example.test")
    make_user(session, email="curator@example.test", is_curator=True, locale="en")
    session.commit()
    anonymous = app.test_client()
    assert anonymous.get("/curator/rates").status_code in (302, 303)
    buyer = app.test_client()
    log_in(buyer, "buyer@example.test")
    assert buyer.get("/curator/rates").status_code == 404
    assert (
        buyer.post(
            "/curator/rates", data={"currency": "EUR", "rate": "1", "effective_date": "2026-01-01"}
        ).status_code
        == 404
    )
    assert _count(session, ExchangeRate) == 0


def test_curator_sets_a_rate_and_bad_input_re_renders(app, session):
    make_user(session, email="curator@example.test", is_curator=True, locale="en")
    make_rate(session, "JPY", "104", days_ago=30)
    session.commit()
    desk = app.test_client()
    log_in(desk, "curator@example.test")
    page = desk.get("/curator/rates").get_data(as_text=True)
    assert "<h1>Exchange rates</h1>" in page and "JPY" in page and "out of date" in page
    today = utcnow().date().isoformat()

    for bad in (
        {"currency": "EUR", "rate": "17.300", "effective_date": today},
        {"currency": "EUR", "rate": "abc", "effective_date": today},
        {"currency": "EUR", "rate": "17300", "effective_date": "28/11/2026"},
        {"currency": "IDR", "rate": "1", "effective_date": today},
    ):
        response = desk.post("/curator/rates", data=bad)
        assert response.status_code == 400, bad
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert _count(session, ExchangeRate) == 1
    assert _count(session, AuditEntry) == 0

    response = desk.post(
        "/curator/rates",
        data={"currency": "EUR", "rate": "17300", "effective_date": today, "source": "JISDOR"},
    )
    assert response.status_code == 303
    page = desk.get("/curator/rates").get_data(as_text=True)
    assert "Rate for EUR saved." in page and "17300" in page and "JISDOR" in page
    session.expire_all()
    entry = session.scalars(sa.select(AuditEntry)).one()
    assert entry.action == "rate.change" and entry.target_label == f"EUR {today}" and entry.before is None


def test_the_demos_own_rates_are_carried_to_today_and_others_kept(session, runner):
    """A demo loaded a week ago still takes cards: `seed-demo --if-empty` (make run) carries the
    demo's approximate rates to today; a rate a curator entered stays as it is, and a database
    without rates is given none."""
    from marketplace.markets.services import DEMO_RATE_SOURCE, ensure_demo_rates
    from marketplace.timezones import jakarta_date
    from tests.factories import make_product

    today = jakarta_date(utcnow())
    make_product(session)
    session.commit()
    assert "carried" not in runner.invoke(args=["seed-demo", "--if-empty"]).output
    assert session.scalar(sa.select(sa.func.count()).select_from(ExchangeRate)) == 0

    assert ensure_demo_rates(session, today=today - timedelta(days=9)) == 7
    make_rate(session, "GBP", "20600", days_ago=3, source="Bank Indonesia JISDOR")
    session.commit()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "demo exchange rates carried to today: 6" in result.output
    latest = {row.currency: row for row in list_latest_rates(session)}
    assert latest["EUR"].effective_date == today and latest["EUR"].rate == Decimal("17300")
    assert latest["EUR"].source == DEMO_RATE_SOURCE
    assert latest["GBP"].source == "Bank Indonesia JISDOR" and latest["GBP"].rate == Decimal("20600")
    assert ensure_demo_rates(session, today=today) == 0  # once a day
