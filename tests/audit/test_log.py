"""The curator's audit log: filters, keyset pages, CSV of the filtered rows, curators only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from marketplace.audit import seller_history, services
from marketplace.audit.models import AuditEntry
from marketplace.audit.services import AuditFilter, record_action
from tests.audit.conftest import log_in
from tests.factories import make_seller


@pytest.fixture
def entries(session, world, facilitators):
    """A few actions by a curator, an owner and a facilitator, at known times."""

    def add(actor, action, *, when, role="", seller=None, target_type="product", target_id=None, **kw):
        entry = record_action(
            session, actor=actor, action=action, target_type=target_type, target_id=target_id,
            seller_id=seller.id if seller else None, actor_role=role, **kw,
        )  # fmt: skip
        entry.created_at = when
        return entry

    made = {
        "approve": add(
            world.curator,
            "seller.approve",
            seller=world.seller_a,
            target_type="seller",
            target_id=world.seller_a.id,
            when=datetime(2026, 11, 1, 17, 30, tzinfo=UTC),  # 2 Nov 00:30 WIB
            before={"status": "pending"},
            after={"status": "approved"},
        ),
        "reject": add(
            world.curator,
            "product.reject",
            seller=world.seller_b,
            target_id=world.product_b.id,
            when=datetime(2026, 11, 2, 17, 30, tzinfo=UTC),  # 3 Nov 00:30 WIB
            note='=HYPERLINK("http://evil")',
        ),
        "edit": add(
            facilitators.active,
            "product.update",
            role="facilitator",
            seller=world.seller_a,
            target_id=world.product_a.id,
            when=datetime(2026, 11, 5, 3, 0, tzinfo=UTC),
            before={"price_minor": 85_000},
            after={"price_minor": 90_000},
        ),
        "rate": add(
            world.curator,
            "rate.change",
            target_type="rate",
            when=datetime(2026, 11, 6, 3, 0, tzinfo=UTC),
            before={"rate": "0.000064"},
            after={"rate": "0.000065"},
        ),
    }
    session.commit()
    return made


def _entries(response) -> str:
    """The page from its table of entries on (the filter form above suggests every action)."""
    return response.get_data(as_text=True).partition('<table class="audit')[2]


def _ids(session, **filters):
    return [e.id for e, _shop in services.list_entries(session, filters=AuditFilter(**filters))]


def test_filters(session, world, entries):
    e = {name: entry.id for name, entry in entries.items()}
    assert _ids(session) == [e["rate"], e["edit"], e["reject"], e["approve"]]
    assert _ids(session, action="product") == [e["edit"], e["reject"]]
    assert _ids(session, action="product.rej") == [e["reject"]]
    assert _ids(session, action="product%") == []  # a prefix, not a pattern
    assert _ids(session, actor="PENDAMPING@") == [e["edit"]]
    assert _ids(session, role="curator") == [e["rate"], e["reject"], e["approve"]]
    assert _ids(session, role="facilitator") == [e["edit"]]
    assert _ids(session, seller_id=world.seller_a.id) == [e["edit"], e["approve"]]
    assert _ids(session, target_type="product", target_id=world.product_b.id) == [e["reject"]]
    # Jakarta days: 1 Nov 17:30 UTC is already 2 November in Jakarta.
    assert _ids(session, date_from=date(2026, 11, 2), date_to=date(2026, 11, 2)) == [e["approve"]]
    assert _ids(session, date_from=date(2026, 11, 3), date_to=date(2026, 11, 5)) == [e["edit"], e["reject"]]
    assert _ids(session, date_to=date(2026, 11, 1)) == []


def test_the_page_filters_and_pages_with_a_bounded_number_of_queries(
    app, session, world, entries, count_queries, monkeypatch
):
    curator = log_in(app.test_client(), world.curator.email)
    page = curator.get(f"/curator/audit?action=product&seller_id={world.seller_a.id}")
    assert page.status_code == 200
    html = _entries(page)
    assert "product.update" in html and "pendamping@example.test" in html
    assert "<strong>Price</strong>: Rp85,000 → Rp90,000" in html.replace("\xa0", "")
    assert "Product changed" in html and "price_minor" not in html
    assert "seller.approve" not in html and "product.reject" not in html and "rate.change" not in html

    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    first = _entries(curator.get("/curator/audit"))
    assert "rate.change" in first and "product.update" in first and "seller.approve" not in first
    older = f"/curator/audit?before={entries['edit'].id}"
    assert older.replace("?", "?") in first.replace("&amp;", "&")
    second = _entries(curator.get(older))
    assert "product.reject" in second and "seller.approve" in second and "rate.change" not in second

    def queries(count):
        for n in range(count):
            record_action(session, actor=world.curator, action="label.verify", target_type="label",
                          target_id=n, seller_id=world.seller_b.id)  # fmt: skip
        session.commit()
        client = log_in(app.test_client(), world.curator.email)
        with count_queries() as counter:
            assert client.get("/curator/audit").status_code == 200
        return counter.count

    assert queries(1) == queries(20)


def test_bad_filters_rerender_with_a_message(app, world, entries):
    curator = log_in(app.test_client(), world.curator.email)
    response = curator.get("/curator/audit?date_from=2026-11-05&date_to=2026-11-01&role=king")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The end date is before the start date." in html
    assert curator.get("/curator/audit?date_from=yesterday").status_code == 400
    assert curator.get("/curator/audit?target_id=abc").status_code == 400
    assert curator.get("/curator/audit.csv?date_from=yesterday").status_code == 400


def test_csv_holds_the_filtered_rows(app, world, entries):
    curator = log_in(app.test_client(), world.curator.email)
    response = curator.get("/curator/audit.csv?role=curator&action=product")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))
    assert [r["action"] for r in rows] == ["product.reject"]
    row = rows[0]
    assert row["actor"] == "curator@example.test" and row["role"] == "curator"
    assert row["shop"] == "Batik Budi"
    assert row["created_at_jakarta"] == "2026-11-03 00:30"
    assert row["note"].startswith("'=")  # never a live formula in a spreadsheet
    everything = list(
        csv.DictReader(io.StringIO(curator.get("/curator/audit.csv").get_data(as_text=True)[1:]))
    )
    assert len(everything) == 4
    approve = next(r for r in everything if r["action"] == "seller.approve")
    assert approve["before"] == '{"status": "pending"}' and approve["after"] == '{"status": "approved"}'
    # In Indonesian, cells are split by ";" as Excel and LibreOffice set to Indonesian expect.
    indonesian = log_in(app.test_client(), world.curator.email, lang="id").get("/curator/audit.csv")
    text = indonesian.get_data(as_text=True)
    assert text.startswith("\ufeffid;created_at_utc;")
    rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    assert len(rows) == 4 and {r["action"] for r in rows} >= {"seller.approve", "rate.change"}


@pytest.mark.parametrize("url", ["/curator/audit", "/curator/audit.csv"])
def test_only_curators_read_the_log(app, session, world, facilitators, entries, url):
    anonymous = app.test_client()
    response = anonymous.get(url)
    assert response.status_code in (302, 303) and "/account/login" in response.headers["Location"]
    for email in (world.buyer.email, world.user_a.email, facilitators.active.email):
        assert log_in(app.test_client(), email).get(url).status_code == 404
    assert log_in(app.test_client(), world.curator.email).get(url).status_code == 200


def test_a_sellers_history_shows_only_their_shops(app, session, world, facilitators, entries):
    owner_a = log_in(app.test_client(), world.user_a.email).get("/seller/history").get_data(as_text=True)
    # Plain sentences (marketplace/audit/seller_history.py), money as money.
    assert "Price: Rp\u00a085,000 → Rp\u00a090,000" in owner_a and "A curator approved your shop" in owner_a
    assert "did not approve" not in owner_a and "Change to your shop" not in owner_a  # not the rate
    assert "pendamping@example.test" in owner_a
    # Curators appear by role, not by their email.
    assert "curator@example.test" not in owner_a and "Curator" in owner_a
    helper = log_in(app.test_client(), facilitators.active.email).get("/seller/history")
    assert helper.status_code == 200 and "Price: Rp\u00a085,000" in helper.get_data(as_text=True)
    owner_b = log_in(app.test_client(), world.user_b.email).get("/seller/history").get_data(as_text=True)
    assert "A curator did not approve" in owner_b and "Price:" not in owner_b
    assert "approved your shop" not in owner_b


def test_a_sellers_history_pages(app, session, world, monkeypatch):
    other = make_seller(session, user_id=world.user_b.id, village=world.village, name="Other")
    for n in range(5):
        record_action(session, actor=world.user_a, action="product.update", target_type="product",
                      target_label=f"Tas nomor {n}", seller_id=world.seller_a.id)  # fmt: skip
    record_action(
        session, actor=world.user_b, action="product.update", target_type="product",
        target_label="Tas orang lain", seller_id=other.id,
    )  # fmt: skip
    session.commit()
    monkeypatch.setattr(seller_history, "PAGE_SIZE", 3)
    client = log_in(app.test_client(), world.user_a.email)
    first = client.get("/seller/history").get_data(as_text=True)
    assert "Tas nomor 4" in first and "Tas nomor 2" in first and "Tas nomor 1" not in first
    last_shown = session.scalar(sa.select(AuditEntry.id).where(AuditEntry.target_label == "Tas nomor 2"))
    assert f"/seller/history?before={last_shown}" in first
    second = client.get(f"/seller/history?before={last_shown}").get_data(as_text=True)
    assert "Tas nomor 1" in second and "Tas nomor 0" in second and "Tas nomor 2" not in second
    assert "Tas orang lain" not in first + second


def test_csv_is_streamed_with_the_rows_the_whole_file_had(app, world, entries, monkeypatch):
    """The download is sent in pieces (issue 16), byte for byte the file built whole before."""
    from marketplace import views_support
    from marketplace.audit import presenters as audit_presenters
    from marketplace.audit import services as audit_services
    from marketplace.extensions import db

    monkeypatch.setattr(views_support, "CSV_CHUNK_CHARS", 100)  # several pieces from four rows
    response = log_in(app.test_client(), world.curator.email).get("/curator/audit.csv")
    assert "Content-Length" not in response.headers and response.mimetype == "text/csv"  # streamed
    assert response.headers["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
    with app.test_request_context():
        whole = io.StringIO()
        whole.write("\ufeff")  # UTF-8 for Excel
        writer = csv.writer(whole)
        writer.writerow(audit_presenters.CSV_HEADER)
        for entry, shop in audit_services.list_entries(db.session, limit=audit_services.CSV_LIMIT):
            writer.writerow(audit_presenters.csv_row(entry, shop))
    assert response.get_data(as_text=True) == whole.getvalue()
