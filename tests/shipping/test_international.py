"""Shipping abroad: zones as data, a price per zone at every weight boundary, the 30 kg parcels,
foreign addresses, and curators editing a tier (with an audit row)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.errors import ValidationError
from marketplace.shipping.models import ShippingRate, ShippingZone
from marketplace.shipping.services import (
    ensure_default_shipping_rates,
    estimate_range,
    quote_shipping,
    split_parcels,
    update_shipping_rate,
    validate_address,
    zone_for_address,
)
from tests.factories import make_user
from tests.orders.helpers import address


def abroad(country="NL", **overrides):
    values = {
        "name": "Anna de Vries",
        "phone": "+31 20 123 4567",
        "street": "Prinsengracht 263",
        "district": "",
        "city": "Amsterdam",
        "province": "",
        "postal_code": "1016 GV",
        "country": country,
    }
    values.update(overrides)
    return address(**values)


# (country, zone, up to 500 g, up to 1 kg, each further kg, days)
ZONES = [
    ("SG", "asean", 190_000, 245_000, 95_000, (3, 7)),
    ("JP", "east_asia", 265_000, 340_000, 135_000, (4, 8)),
    ("AU", "oceania", 300_000, 385_000, 160_000, (5, 10)),
    ("NL", "europe", 385_000, 495_000, 195_000, (6, 12)),
    ("US", "americas", 420_000, 540_000, 225_000, (7, 14)),
    ("ZA", "rest_of_world", 480_000, 620_000, 260_000, (8, 20)),
]


@pytest.mark.parametrize("country, zone, half, first, step, days", ZONES)
def test_price_for_each_zone_at_each_weight_boundary(session, country, zone, half, first, step, days):
    ensure_default_shipping_rates(session)
    expected = {
        1: half,
        500: half,
        501: first,
        1_000: first,
        1_001: first + step,
        2_000: first + step,
        2_001: first + 2 * step,
        29_999: first + 29 * step,
        30_000: first + 29 * step,
    }
    destination = abroad(country)
    for grams, price in expected.items():
        quote = quote_shipping(session, origin_village=None, destination=destination, weight_grams=grams)
        assert (quote.zone_code, quote.price.minor, quote.price.currency) == (zone, price, "IDR"), grams
        assert (quote.est_days_min, quote.est_days_max) == days
        assert quote.parcels == 1 and quote.international


def test_zones_are_data_and_matching_is_by_country(session):
    ensure_default_shipping_rates(session)
    for country, zone in [("MY", "asean"), ("KR", "east_asia"), ("NZ", "oceania"), ("DE", "europe"),
                          ("BR", "americas"), ("KE", "rest_of_world")]:  # fmt: skip
        assert zone_for_address(session, abroad(country)).code == zone
    # A curator may move a country: the data decides, not the code.
    europe = session.scalars(sa.select(ShippingZone).where(ShippingZone.code == "europe")).one()
    europe.countries += ",KE"
    session.flush()
    assert zone_for_address(session, abroad("KE")).code == "europe"
    # Indonesian addresses never fall into an international zone (and the reverse).
    assert zone_for_address(session, address()).code == "banyuwangi"


def test_domestic_estimate_ignores_international_zones(session):
    ensure_default_shipping_rates(session)
    low, high = estimate_range(session, weight_grams=800)
    assert (low.minor, high.minor) == (10_000, 45_000)
    low, high = estimate_range(session, weight_grams=800, country="NL")
    assert low.minor == high.minor == 495_000


def test_parcels_over_30_kg_abroad_are_split_and_priced_each(session):
    ensure_default_shipping_rates(session)
    # Three 12 kg items: 24 kg + 12 kg (first fit decreasing), each priced by its own tier.
    quote = quote_shipping(
        session, origin_village=None, destination=abroad("SG"), weight_grams=36_000,
        item_weights=[12_000, 12_000, 12_000],
    )  # fmt: skip
    assert quote.parcels == 2
    assert quote.price.minor == (245_000 + 23 * 95_000) + (245_000 + 11 * 95_000)
    # Without unit weights: full 30 kg parcels and the rest.
    quote = quote_shipping(session, origin_village=None, destination=abroad("SG"), weight_grams=60_500)
    assert quote.parcels == 3
    assert quote.price.minor == 2 * (245_000 + 29 * 95_000) + 190_000  # the 500 g rest
    # One item heavier than a parcel may be cannot go abroad at all.
    with pytest.raises(ValidationError, match="more than 30 kg"):
        quote_shipping(
            session, origin_village=None, destination=abroad("SG"), weight_grams=31_000, item_weights=[31_000]
        )
    # Domestic behaviour is unchanged: over 30 kg by courier is refused (pickup instead).
    with pytest.raises(ValidationError, match="30 kg"):
        quote_shipping(session, origin_village=None, destination=address(), weight_grams=30_001)


def test_split_parcels_packs_first_fit_decreasing():
    assert split_parcels([10_000, 25_000, 5_000, 20_000]) == [30_000, 30_000]
    assert split_parcels([30_000, 1]) == [30_000, 1]
    with pytest.raises(ValidationError):
        split_parcels([30_001])


def test_pickup_is_domestic_only(session):
    ensure_default_shipping_rates(session)
    with pytest.raises(ValidationError, match="only possible within Indonesia"):
        quote_shipping(session, origin_village=None, destination=abroad(), weight_grams=500, method="pickup")


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"postal_code": "1016"}, "postal_code"),
        ({"country": "US", "postal_code": "94107", "province": ""}, "province"),
        ({"country": "XX"}, "country"),
        ({"city": " "}, "city"),
        ({"phone": "12"}, "phone"),
        ({"country": "SG", "postal_code": "18956"}, "postal_code"),
    ],
)
def test_foreign_address_problems_name_the_field(overrides, field):
    assert field in validate_address(abroad(**overrides))


def test_foreign_addresses_need_no_indonesian_fields():
    assert validate_address(abroad()) == {}
    assert validate_address(abroad("NL", postal_code="1016gv")) == {}
    assert validate_address(abroad("US", postal_code="94107-1234", province="CA", city="San Francisco")) == {}
    assert validate_address(abroad("HK", postal_code="", city="Hong Kong")) == {}


def test_curator_edits_a_tier_with_an_audit_row(session):
    ensure_default_shipping_rates(session)
    curator = make_user(session, is_curator=True)
    rate = session.scalars(
        sa.select(ShippingRate)
        .join(ShippingZone)
        .where(ShippingZone.code == "europe", ShippingRate.max_weight_grams == 500)
    ).one()
    assert update_shipping_rate(
        session,
        rate=rate,
        price_minor=399_000,
        est_days_min=5,
        est_days_max=10,
        actor=curator,
        note="Pos tariff 2027",
    )
    entry = session.scalars(sa.select(AuditEntry)).one()
    assert (entry.action, entry.target_type, entry.target_id) == (
        "shipping_rate.update",
        "shipping_rate",
        rate.id,
    )
    assert entry.before == {"price_minor": 385_000, "est_days_min": 6, "est_days_max": 12}
    assert entry.after == {"price_minor": 399_000, "est_days_min": 5, "est_days_max": 10}
    quote = quote_shipping(session, origin_village=None, destination=abroad(), weight_grams=400)
    assert (quote.price.minor, quote.est_days_min) == (399_000, 5)
    # Same values again: nothing changes, no second audit row.
    assert not update_shipping_rate(
        session, rate=rate, price_minor=399_000, est_days_min=5, est_days_max=10, actor=curator
    )
    for bad, field in [
        ({"price_minor": -1}, "price"),
        ({"price_minor": None}, "price"),
        ({"est_days_min": 0}, "days_min"),
        ({"est_days_max": 91}, "days_max"),
        ({"est_days_min": 9, "est_days_max": 3}, "days_min"),
    ]:
        values = {"price_minor": 1, "est_days_min": 1, "est_days_max": 2, **bad}
        with pytest.raises(ValidationError) as error:
            update_shipping_rate(session, rate=rate, actor=curator, **values)
        assert error.value.field == field
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1
