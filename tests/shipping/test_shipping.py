"""Shipping: the province list, zones matched from data, weight tiers and pickup."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.errors import ValidationError
from marketplace.shipping.models import ShippingRate, ShippingZone
from marketplace.shipping.provinces import PROVINCES
from marketplace.shipping.services import (
    ensure_default_shipping_rates,
    estimate_range,
    quote_shipping,
    validate_address,
)
from tests.orders.helpers import address


def test_38_distinct_provinces():
    assert len(PROVINCES) == len(set(PROVINCES)) == 38


def test_default_rates_are_idempotent(session):
    # 4 domestic zones x 30 one-kg tiers, 6 international zones x (0.5 kg + 30 one-kg tiers).
    assert ensure_default_shipping_rates(session) == 4 + 4 * 30 + 6 + 6 * 31
    assert ensure_default_shipping_rates(session) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(ShippingZone)) == 10
    assert session.scalar(sa.select(sa.func.count()).select_from(ShippingRate)) == 120 + 186
    domestic = sa.select(sa.func.count()).select_from(ShippingZone).where(~ShippingZone.international)
    assert session.scalar(domestic) == 4


@pytest.mark.parametrize(
    "province, city, grams, zone, price",
    [
        ("Jawa Timur", "Kabupaten Banyuwangi", 900, "banyuwangi", 10_000),
        ("Jawa Timur", "BANYUWANGI", 1_001, "banyuwangi", 15_000),
        ("Jawa Timur", "Kota Malang", 1_000, "east_java", 15_000),
        ("DKI Jakarta", "Jakarta Selatan", 2_500, "java_bali", 22_000 + 2 * 14_000),
        ("Bali", "Kota Denpasar", 300, "java_bali", 22_000),
        ("Sulawesi Selatan", "Kota Makassar", 1_000, "outside_java", 45_000),
        ("Papua Pegunungan", "Jayawijaya", 30_000, "outside_java", 45_000 + 29 * 30_000),
    ],
)
def test_quotes_by_zone_and_weight(session, province, city, grams, zone, price):
    ensure_default_shipping_rates(session)
    quote = quote_shipping(
        session, origin_village=None, destination=address(province=province, city=city), weight_grams=grams
    )
    assert (quote.zone_code, quote.price.minor, quote.price.currency) == (zone, price, "IDR")


def test_pickup_is_free_and_overweight_is_refused(session):
    ensure_default_shipping_rates(session)
    assert (
        quote_shipping(
            session, origin_village=None, destination=address(), weight_grams=90_000, method="pickup"
        ).price.minor
        == 0
    )
    with pytest.raises(ValidationError):
        quote_shipping(session, origin_village=None, destination=address(), weight_grams=30_001)


def test_estimate_range_spans_zones(session):
    ensure_default_shipping_rates(session)
    low, high = estimate_range(session, weight_grams=800)
    assert (low.minor, high.minor) == (10_000, 45_000)


def test_address_validation_names_each_bad_field():
    errors = validate_address(address(name=" ", phone="12", postal_code="6846", province="Narnia", city=""))
    assert set(errors) == {"name", "phone", "postal_code", "province", "city"}
    assert validate_address(address()) == {}
