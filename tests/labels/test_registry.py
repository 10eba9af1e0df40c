"""The registry of verified labels (filters, CSV) and bounded queries on the curator pages."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from marketplace.labels.models import LabelStatus
from marketplace.timezones import market_today
from tests.factories import make_product, make_product_label, make_seller, make_village
from tests.labels.conftest import log_in


def _registry_world(session, world):
    today = market_today()
    make_product_label(
        session, product=world.product_a, label_type=world.halal, certificate_number="VALID-A",
        valid_until=today + timedelta(days=300),
    )  # fmt: skip
    make_product_label(
        session, product=world.product_a, label_type=world.handmade, certificate_number="SOON-A",
        valid_until=today + timedelta(days=10),
    )  # fmt: skip
    make_product_label(
        session, product=world.product_b, label_type=world.halal, certificate_number="=HYPERLINK(1)",
        valid_until=today - timedelta(days=3),
    )  # fmt: skip
    make_product_label(
        session, product=world.product_b, label_type=world.halal, certificate_number="ASKED-B",
        status=LabelStatus.REQUESTED,
    )  # fmt: skip
    session.commit()


def test_registry_lists_verified_labels_with_filters(app, session, world):
    _registry_world(session, world)
    curator = log_in(app.test_client(), world.curator.email)

    def page(query=""):
        response = curator.get("/curator/labels/registry" + query)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    everything = page()
    assert "VALID-A" in everything and "SOON-A" in everything and "=HYPERLINK(1)" in everything
    assert "ASKED-B" not in everything and "BPJPH" in everything
    assert "Expires in 10 days" in everything and "Expired" in everything
    only_soon = page("?state=expiring")
    assert "SOON-A" in only_soon and "VALID-A" not in only_soon and "HYPERLINK" not in only_soon
    only_expired = page("?state=expired")
    assert "HYPERLINK" in only_expired and "VALID-A" not in only_expired
    valid = page("?state=valid")
    assert "VALID-A" in valid and "SOON-A" in valid and "HYPERLINK" not in valid
    halal_tambong = page("?type=halal&village=tambong")
    assert "VALID-A" in halal_tambong and "SOON-A" not in halal_tambong and "HYPERLINK" not in halal_tambong
    junk = page("?type=%3Cscript%3E&state=bogus&village=..&page=abc")
    assert "VALID-A" in junk and "<script>" not in junk


def test_registry_csv(app, session, world):
    _registry_world(session, world)
    curator = log_in(app.test_client(), world.curator.email)
    response = curator.get("/curator/labels/registry.csv?type=halal")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["certificate_number"], r["state"]) for r in rows] == [
        ("'=HYPERLINK(1)", "expired"),
        ("VALID-A", "verified"),
    ]
    assert (
        rows[1]["village"] == "Tambong"
        and rows[1]["valid_until"] == (market_today() + timedelta(days=300)).isoformat()
    )
    assert (
        log_in(app.test_client(), world.user_a.email).get("/curator/labels/registry.csv").status_code == 404
    )


def _add_labels(session, world, n: int):
    for _ in range(n):
        seller = make_seller(session, village=make_village(session))
        product = make_product(session, seller=seller)
        make_product_label(session, product=product, label_type=world.halal, status=LabelStatus.REQUESTED)
        make_product_label(session, product=product, label_type=world.handmade)
    session.commit()


def test_curator_and_seller_pages_run_a_bounded_number_of_queries(app, session, world, count_queries):
    curator = log_in(app.test_client(), world.curator.email)
    seller = log_in(app.test_client(), world.user_a.email)
    urls = [
        (curator, "/curator/labels"),
        (curator, "/curator/labels/registry"),
        (curator, "/curator/labels/registry.csv"),
        (curator, "/curator/label-types"),
        (seller, "/seller/labels"),
        (seller, "/seller/"),
    ]

    def counts():
        result = []
        for client, url in urls:
            with count_queries() as counter:
                assert client.get(url).status_code == 200, url
            result.append(counter.count)
        return result

    _add_labels(session, world, 2)
    for _ in range(3):
        make_product_label(
            session, product=world.product_a, label_type=world.halal, valid_until=market_today()
        )
    session.commit()
    small = counts()
    _add_labels(session, world, 12)
    for _ in range(6):
        make_product_label(
            session, product=world.product_a, label_type=world.handmade, valid_until=market_today()
        )
    session.commit()
    assert counts() == small
