"""The curator's shipping-rates page: who may see it, editing a tier, bad input, bounded queries."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.shipping.models import ShippingRate, ShippingZone
from marketplace.shipping.services import ensure_default_shipping_rates
from tests.factories import make_user
from tests.login import logged_in_as_email


def log_in(client, email):
    return logged_in_as_email(client, email, lang="en")


def europe_500(session) -> ShippingRate:
    return session.scalars(
        sa.select(ShippingRate)
        .join(ShippingZone)
        .where(ShippingZone.code == "europe", ShippingRate.max_weight_grams == 500)
    ).one()


def setup(session):
    ensure_default_shipping_rates(session)
    make_user(session, email="curator@example.test", is_curator=True)
    make_user(session, email="buyer@example.test")
    session.commit()


def test_only_curators_see_the_rates(app, session):
    setup(session)
    anonymous = app.test_client().get("/curator/shipping")
    assert anonymous.status_code in (302, 303) and "/account/login" in anonymous.headers["Location"]
    assert log_in(app.test_client(), "buyer@example.test").get("/curator/shipping").status_code == 404
    rate = europe_500(session)
    assert (
        log_in(app.test_client(), "buyer@example.test")
        .post(f"/curator/shipping/rates/{rate.id}", data={"price": "1", "days_min": "1", "days_max": "2"})
        .status_code
        == 404
    )
    session.expire_all()
    assert europe_500(session).price_minor == 385_000


def test_zones_page_lists_every_zone_with_bounded_queries(app, session, count_queries):
    setup(session)
    client = log_in(app.test_client(), "curator@example.test")
    client.get("/curator/shipping")  # warm up (login session, caches)
    with count_queries() as counter:
        page = client.get("/curator/shipping")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    expected = ("Banyuwangi regency", "Europe", "Rest of the world", "Netherlands", "Rp\u00a0385,000", "6–12")
    for text in expected:
        assert text in html, text
    assert 'href="/curator/shipping"' in html  # in the console menu
    assert counter.count <= 8, counter.statements


def test_curator_edits_a_tier(app, session):
    setup(session)
    rate = europe_500(session)
    client = log_in(app.test_client(), "curator@example.test")
    form = client.get(f"/curator/shipping/rates/{rate.id}").get_data(as_text=True)
    assert re.search(r'value="385[.,]000"', form) and "Europe" in form
    response = client.post(
        f"/curator/shipping/rates/{rate.id}",
        data={"price": "Rp 399,000", "days_min": "5", "days_max": "10", "note": "Pos tariff 2027"},
    )
    assert response.status_code == 303
    session.expire_all()
    rate = europe_500(session)
    assert (rate.price_minor, rate.est_days_min, rate.est_days_max) == (399_000, 5, 10)
    entry = session.scalars(sa.select(AuditEntry)).one()
    assert (entry.action, entry.actor_role, entry.note) == (
        "shipping_rate.update",
        "curator",
        "Pos tariff 2027",
    )


def test_bad_input_rerenders_and_changes_nothing(app, session):
    setup(session)
    rate = europe_500(session)
    client = log_in(app.test_client(), "curator@example.test")
    for data, message in [
        ({"price": "lots", "days_min": "5", "days_max": "10"}, "Enter whole rupiah"),
        ({"price": "", "days_min": "5", "days_max": "10"}, "price in rupiah"),
        ({"price": "1000", "days_min": "9", "days_max": "3"}, "fewest days"),
        ({"price": "1000", "days_min": "0", "days_max": "3"}, "from 1 to 90"),
    ]:
        response = client.post(f"/curator/shipping/rates/{rate.id}", data=data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert client.get("/curator/shipping/rates/999999").status_code == 404
    session.expire_all()
    assert europe_500(session).price_minor == 385_000
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0
