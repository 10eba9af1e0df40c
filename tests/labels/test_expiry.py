"""Labels expire by themselves after their last valid day (Asia/Jakarta): shown nowhere once expired."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from marketplace.labels import presenters
from marketplace.labels import requests as services
from marketplace.timezones import market_today
from tests.factories import make_product_label
from tests.labels.conftest import log_in


def _page(client, product) -> str:
    response = client.get(f"/products/{product.id}-{product.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _search(client, code: str) -> str:
    response = client.get(f"/search?label={code}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_expired_label_is_hidden_on_the_product_page_and_in_the_search_filter(app, session, world):
    today = market_today()
    expired = make_product_label(
        session, product=world.product_a, label_type=world.halal, certificate_number="OLD-CERT",
        valid_until=today - timedelta(days=1),
    )  # fmt: skip
    last_day = make_product_label(
        session,
        product=world.product_b,
        label_type=world.halal,
        certificate_number="LAST-DAY",
        valid_until=today,
    )
    session.commit()
    client = app.test_client()
    assert "OLD-CERT" not in _page(client, world.product_a)
    assert "LAST-DAY" in _page(client, world.product_b)  # valid through its last day
    found = _search(client, "halal")
    assert world.product_b.title_en in found and world.product_a.title_en not in found

    # Renewed (a new valid_until): shown again, with no other change.
    expired.valid_until = today + timedelta(days=30)
    session.commit()
    assert "OLD-CERT" in _page(client, world.product_a)
    assert world.product_a.title_en in _search(client, "halal")
    assert last_day.id


def test_the_market_day_is_jakartas_not_utcs():
    # 17:30 UTC on 1 January is 00:30 on 2 January in Jakarta: a label valid "until 1 January" is over.
    late_evening_utc = datetime(2026, 1, 1, 17, 30, tzinfo=UTC)
    assert market_today(late_evening_utc) == date(2026, 1, 2)
    assert market_today(datetime(2026, 1, 1, 16, 59, tzinfo=UTC)) == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("offset", "text", "warn"),
    [(-1, "Expired", False), (0, "Expires today", True), (1, "Expires in 1 day", True),
     (30, "Expires in 30 days", True), (31, "Expires in 31 days", False)],
)  # fmt: skip
def test_expiry_words_and_30_day_warning(app, session, world, offset, text, warn):
    today = date(2026, 3, 1)
    label = make_product_label(
        session, product=world.product_a, label_type=world.halal, valid_until=today + timedelta(days=offset)
    )
    with app.test_request_context():
        assert presenters.expiry_text(label, today) == text
    assert services.is_expiring(label, today) is warn


def test_seller_dashboard_and_labels_page_warn_30_days_ahead(app, session, world):
    today = market_today()
    make_product_label(
        session, product=world.product_a, label_type=world.halal, valid_until=today + timedelta(days=12)
    )
    make_product_label(
        session, product=world.product_a, label_type=world.handmade, valid_until=today + timedelta(days=90)
    )
    make_product_label(
        session, product=world.product_b, label_type=world.halal, valid_until=today + timedelta(days=3)
    )
    session.commit()
    client = log_in(app.test_client(), world.user_a.email)
    dashboard = client.get("/seller/").get_data(as_text=True)
    assert "Labels expiring soon" in dashboard and "Expires in 12 days" in dashboard
    assert "Expires in 3 days" not in dashboard  # another shop's label
    assert "Expires in 90 days" not in dashboard
    page = client.get("/seller/labels").get_data(as_text=True)
    assert "Expires in 12 days" in page and "Expires in 90 days" in page
    assert "Kopi robusta" not in page and "Robusta coffee" not in page

    other = log_in(app.test_client(), world.user_b.email)
    assert "Expires in 3 days" in other.get("/seller/").get_data(as_text=True)
