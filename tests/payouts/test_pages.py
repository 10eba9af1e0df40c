"""Payout pages: curators only; mark paid (one payout per form, never above the balance); the bulk
CSV; the commission form; the seller's own "Sales and payouts" page and its figures."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.payouts import services
from marketplace.payouts.models import CommissionRate, LedgerEntry, Payout
from marketplace.timezones import jakarta_date
from marketplace.types import utcnow
from tests.factories import make_user
from tests.payouts.helpers import curator, log_in, make_shop, paid_order


def _state(session):
    session.expire_all()
    return (
        session.execute(sa.select(Payout.id)).all(),
        session.execute(sa.select(LedgerEntry.id, LedgerEntry.amount_idr)).all(),
        session.execute(sa.select(CommissionRate.id, CommissionRate.percent)).all(),
        session.execute(sa.select(AuditEntry.id)).all(),
    )


def test_curator_pages_refuse_everyone_else(app, session):
    curator(session)
    owner = make_user(session, email="owner@example.test")
    make_user(session, email="shopper@example.test")
    seller, product = make_shop(session, price=100_000, owner=owner)
    paid_order(session, {product: 1})
    pay = {"amount": "95000", "bank_reference": "TRF", "token": "tok"}
    rate = {"percent": "1", "effective_from": jakarta_date(utcnow()).isoformat()}
    before = _state(session)
    anonymous = app.test_client()
    assert anonymous.get("/curator/payouts").status_code == 302
    assert anonymous.post(f"/curator/payouts/{seller.id}/pay", data=pay).status_code == 302
    assert anonymous.get("/seller/sales").status_code == 302
    for email in ("owner@example.test", "shopper@example.test"):
        client = log_in(app, email)
        for url in ("/curator/payouts", "/curator/payouts/transfers.csv", "/curator/payouts/commission"):
            assert client.get(url).status_code == 404, (email, url)
        assert client.post(f"/curator/payouts/{seller.id}/pay", data=pay).status_code == 404
        assert client.post("/curator/payouts/commission", data=rate).status_code == 404
    assert log_in(app, "shopper@example.test").get("/seller/sales").status_code == 404
    assert _state(session) == before


def test_curator_marks_a_payout_paid_once_and_never_above_the_balance(app, session, count_queries):
    curator(session)
    seller, product = make_shop(session, price=100_000, name="Rotan Ani")
    other, other_product = make_shop(session, price=10_001, name="Kopi Cita", account=False)
    paid_order(session, {product: 1, other_product: 1}, delivered=True)
    desk = log_in(app, "curator@example.test")

    with count_queries() as few:
        page = desk.get("/curator/payouts").get_data(as_text=True)
    assert "Rotan Ani" in page and "Rp 95,000" in page.replace("\xa0", " ")
    assert "Kopi Cita" in page and "no payout bank account" in page
    extras = []
    for n in range(3):
        extra_seller, extra = make_shop(session, price=5_000, name=f"Extra {n}")
        paid_order(session, {extra: 1}, delivered=True)
        extras.append(extra_seller.id)
    with count_queries() as more:
        desk.get("/curator/payouts")
    assert more.count == few.count

    too_much = desk.post(
        f"/curator/payouts/{seller.id}/pay", data={"amount": "95001", "bank_reference": "T", "token": "a"}
    )
    assert too_much.status_code == 400 and "cannot exceed the money available" in too_much.get_data(
        as_text=True
    )
    garbage = desk.post(
        f"/curator/payouts/{seller.id}/pay", data={"amount": "lots", "bank_reference": "T", "token": "a"}
    )
    assert garbage.status_code == 400
    assert (
        desk.post(
            "/curator/payouts/999999/pay", data={"amount": "1", "bank_reference": "T", "token": "a"}
        ).status_code
        == 404
    )
    form = {"amount": "Rp 95.000", "bank_reference": "BRI-2611-01", "token": "tok-1"}
    assert desk.post(f"/curator/payouts/{seller.id}/pay", data=form).status_code == 303
    assert desk.post(f"/curator/payouts/{seller.id}/pay", data=form).status_code == 303  # double submit
    session.expire_all()
    assert session.scalars(sa.select(Payout.amount_idr)).all() == [95_000]
    assert services.balance(session, seller.id) == 0

    csv_text = desk.get("/curator/payouts/transfers.csv").get_data(as_text=True)
    year, month = services.parse_month(None, now=utcnow())
    # Rotan Ani is paid up, Kopi Cita has no account: only the three extras, 5,000 − 250 each.
    assert csv_text.splitlines()[1:] == [
        f"Extra {n},BRI,0012{sid:06d},Extra {n},4750,PD-{year % 100:02d}{month:02d}-S{sid}"
        for n, sid in enumerate(extras)
    ]


def test_commission_form_sets_a_rate_with_messages_for_bad_input(app, session):
    curator(session)
    desk = log_in(app, "curator@example.test")
    today = jakarta_date(utcnow()).isoformat()
    for bad in (
        {"percent": "abc", "effective_from": today},
        {"percent": "101", "effective_from": today},
        {"percent": "2.555", "effective_from": today},
        {"percent": "3", "effective_from": "2000-01-01"},
        {"percent": "3", "effective_from": ""},
    ):
        response = desk.post("/curator/payouts/commission", data=bad)
        assert response.status_code == 400, bad
    assert session.scalar(sa.select(sa.func.count()).select_from(CommissionRate)) == 0
    assert (
        desk.post("/curator/payouts/commission", data={"percent": "2,5", "effective_from": today}).status_code
        == 303
    )
    session.expire_all()
    assert [str(r) for r in session.scalars(sa.select(CommissionRate.percent))] == ["2.50"]
    assert "2.5%" in desk.get("/curator/payouts/commission").get_data(as_text=True)


def test_monthly_sales_and_top_products_by_jakarta_month(app, session):
    seller, rotan = make_shop(session, price=85_000, stock=50)
    batik = make_shop(session, price=1, stock=1)[1]
    batik.seller_id = seller.id  # a second product of the same shop
    batik.price_minor = 450_000
    session.flush()
    paid_order(session, {rotan: 2}, now=datetime(2026, 9, 10, 3, 0, tzinfo=UTC))
    paid_order(
        session, {rotan: 1, batik: 1}, now=datetime(2026, 10, 31, 17, 30, tzinfo=UTC)
    )  # 1 Nov 00:30 WIB
    paid_order(session, {rotan: 3}, now=datetime(2026, 11, 20, 5, 0, tzinfo=UTC))
    paid_order(
        session, {rotan: 1}, now=datetime(2025, 11, 30, 5, 0, tzinfo=UTC)
    )  # 12 months + before: left out
    now = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)

    months = services.monthly_sales(session, [seller.id], now=now)
    assert len(months) == 12 and (months[0].year, months[0].month) == (2025, 12)
    figures = {(m.year, m.month): (m.revenue, m.units, m.orders) for m in months if m.orders}
    assert figures == {(2026, 9): (170_000, 2, 1), (2026, 11): (85_000 + 450_000 + 255_000, 5, 2)}
    top = services.top_products(session, [seller.id], now=now)
    assert [(title, units, revenue) for title, _en, units, revenue in top] == [
        (rotan.title_id, 6, 510_000),
        (batik.title_id, 1, 450_000),
    ]


def test_seller_sees_only_their_own_sales_page(app, session):
    ani = make_user(session, email="ani@example.test")
    budi = make_user(session, email="budi@example.test")
    shop_a, product_a = make_shop(session, price=85_000, owner=ani, name="Rotan Ani")
    shop_b, product_b = make_shop(session, price=777_777, owner=budi, name="Batik Budi")
    paid_order(session, {product_a: 2, product_b: 1})
    client = log_in(app, "ani@example.test")
    page = client.get("/seller/sales")
    text = page.get_data(as_text=True).replace("\xa0", " ")
    assert page.status_code == 200
    assert "Rp 170,000" in text and "Rp 161,500" in text  # sales; balance after 5% commission
    assert "777,777" not in text and "<svg" in text and "<title" in text
    assert 'style="' not in text
    assert client.get(f"/seller/sales?shop={shop_b.id}").status_code == 404
    assert client.get(f"/seller/sales.csv?shop={shop_b.id}").status_code == 404
    csv_lines = client.get("/seller/sales.csv").get_data(as_text=True).splitlines()
    assert csv_lines[0] == "date_wib,kind,reference,amount_idr"
    assert sorted(line.split(",")[1] + ":" + line.split(",")[3] for line in csv_lines[1:]) == [
        "commission:-8500",
        "sale:170000",
    ]


def test_seller_sales_page_runs_a_bounded_number_of_queries(app, session, count_queries):
    ani = make_user(session, email="ani@example.test")
    _shop, product = make_shop(session, price=10_000, stock=100, owner=ani)
    paid_order(session, {product: 1})
    client = log_in(app, "ani@example.test")
    with count_queries() as one:
        assert client.get("/seller/sales").status_code == 200
    for _ in range(4):
        paid_order(session, {product: 2})
    with count_queries() as five:
        assert client.get("/seller/sales").status_code == 200
    assert five.count == one.count


def test_seller_sales_csv_is_streamed_as_the_whole_file_was(app, session, monkeypatch):
    """sales.csv is sent in pieces, read from a cursor (issue 16), byte for byte the old file."""
    import csv
    import io

    from marketplace import views_support
    from marketplace.payouts import reports
    from marketplace.spreadsheets import safe_cell
    from marketplace.timezones import jakarta_date

    ani = make_user(session, email="ani@example.test")
    shop, product = make_shop(session, price=12_345, stock=100, owner=ani)
    for quantity in (1, 2, 3):
        paid_order(session, {product: quantity})
    monkeypatch.setattr(views_support, "CSV_CHUNK_CHARS", 40)
    monkeypatch.setattr(reports, "STREAM_BATCH", 2)
    response = log_in(app, "ani@example.test").get("/seller/sales.csv")
    assert "Content-Length" not in response.headers and response.mimetype == "text/csv"  # streamed
    whole = io.StringIO()
    writer = csv.writer(whole, lineterminator="\r\n")
    writer.writerow(["date_wib", "kind", "reference", "amount_idr"])
    for entry in reports.list_entries(session, [shop.id], limit=None):
        writer.writerow(
            [
                jakarta_date(entry.occurred_at).isoformat(),
                entry.kind,
                safe_cell(entry.reference),
                entry.amount_idr,
            ]
        )
    assert response.get_data(as_text=True) == whole.getvalue()
    assert len(whole.getvalue().splitlines()) == 7  # a sale and a commission per order


def test_seller_sales_csv_days_are_jakarta_days_at_the_edges(app, session):
    """The CSV's day is made by the database (timezones.jakarta_day): the same Jakarta day as
    `jakarta_date` one microsecond either side of Jakarta's midnight (17:00 UTC), at a new year."""
    ani = make_user(session, email="ani@example.test")
    shop, product = make_shop(session, price=12_345, stock=100, owner=ani)
    for quantity in (1, 2, 3):
        paid_order(session, {product: quantity})
    instants = [
        datetime(2026, 3, 1, 16, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 3, 1, 17, 0, tzinfo=UTC),
        datetime(2026, 12, 31, 16, 59, 59, tzinfo=UTC),
        datetime(2026, 12, 31, 17, 0, 0, 1, tzinfo=UTC),
        datetime(2027, 1, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=UTC),
    ]
    entries = session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.seller_id == shop.id).order_by(LedgerEntry.id)
    ).all()
    assert len(entries) == len(instants)
    for entry, instant in zip(entries, instants, strict=True):
        entry.occurred_at = instant
    session.commit()
    lines = log_in(app, "ani@example.test").get("/seller/sales.csv").get_data(as_text=True).splitlines()
    wanted = sorted(instants, reverse=True)
    assert [line.split(",")[0] for line in lines[1:]] == [jakarta_date(t).isoformat() for t in wanted]
    assert [line.split(",")[0] for line in lines[1:]] == [
        "2027-01-01", "2027-01-01", "2026-12-31", "2026-07-01", "2026-03-02", "2026-03-01",
    ]  # fmt: skip
