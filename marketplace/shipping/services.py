"""Shipping: address validation, destination zones and parcel prices from the rates table."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Region
from marketplace.errors import ValidationError
from marketplace.money import Money
from marketplace.orders.formatting import message as _l
from marketplace.shipping.models import ShippingRate, ShippingZone
from marketplace.shipping.provinces import JAVA_AND_BALI, PROVINCES

#: One courier parcel; heavier orders from one seller must be picked up (or split by the seller).
MAX_PARCEL_GRAMS = 30_000

POSTAL_CODE = re.compile(r"^[1-9][0-9]{4}$")
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{6,18}[0-9]$")


@dataclass(frozen=True)
class ShippingAddress:
    """A domestic delivery address as typed by the buyer (validated by `validate_address`)."""

    name: str
    phone: str
    street: str
    district: str
    city: str
    province: str
    postal_code: str
    line2: str = ""
    country: str = "ID"


@dataclass(frozen=True)
class ShippingQuote:
    """The price of one seller's parcel to one address (zero for pickup)."""

    method: str  # "courier" or "pickup"
    price: Money
    zone_code: str | None = None
    zone_name_id: str = ""
    zone_name_en: str = ""
    est_days_min: int = 0
    est_days_max: int = 0


def validate_address(address: ShippingAddress) -> dict[str, str]:
    """Field name → message for every problem; empty when the address can be shipped to."""
    errors: dict[str, str] = {}
    if not address.name.strip():
        errors["name"] = str(_l("Enter the recipient's name."))
    elif len(address.name) > 120:
        errors["name"] = str(_l("The name is too long (120 characters at most)."))
    if not PHONE.match(address.phone.strip()):
        errors["phone"] = str(_l("Enter a phone number of 8 to 20 digits, e.g. 0812 3456 7890."))
    if not address.street.strip():
        errors["street"] = str(_l("Enter the street and house number."))
    elif len(address.street) > 200:
        errors["street"] = str(_l("The street is too long (200 characters at most)."))
    if len(address.line2) > 200:
        errors["line2"] = str(_l("This line is too long (200 characters at most)."))
    if not address.district.strip():
        errors["district"] = str(_l("Enter the district (kecamatan)."))
    elif len(address.district) > 120:
        errors["district"] = str(_l("The district is too long (120 characters at most)."))
    if not address.city.strip():
        errors["city"] = str(_l("Enter the city or regency (kota/kabupaten)."))
    elif len(address.city) > 120:
        errors["city"] = str(_l("The city is too long (120 characters at most)."))
    if address.province not in PROVINCES:
        errors["province"] = str(_l("Choose a province from the list."))
    if not POSTAL_CODE.match(address.postal_code.strip()):
        errors["postal_code"] = str(_l("Enter the 5-digit postal code, e.g. 68461."))
    if address.country != "ID":
        errors["country"] = str(_l("We only ship within Indonesia for now."))
    return errors


def check_address(address: ShippingAddress) -> None:
    """Raise ValidationError (naming the first bad field) unless the address is complete."""
    errors = validate_address(address)
    if errors:
        name, message = next(iter(errors.items()))
        raise ValidationError(message, field=name)


def zone_for_address(session: Session, address: ShippingAddress) -> ShippingZone | None:
    """The first zone (by position) whose provinces and city text match the address."""
    zones = session.scalars(sa.select(ShippingZone).order_by(ShippingZone.position, ShippingZone.id))
    city = address.city.strip().casefold()
    for zone in zones:
        provinces = {p.strip() for p in zone.provinces.split("|")}
        if "*" not in provinces and address.province not in provinces:
            continue
        if zone.city_contains and zone.city_contains.casefold() not in city:
            continue
        return zone
    return None


def quote_shipping(
    session: Session,
    *,
    origin_village: Region | None,
    destination: ShippingAddress,
    weight_grams: int,
    method: str = "courier",
) -> ShippingQuote:
    """Price one parcel of `weight_grams` from a seller's village to `destination`.

    `method="pickup"` is free collection at the seller's village. Zones are defined relative to
    the kecamatan the market serves, so `origin_village` only matters for pickup today.
    Raises ValidationError when no zone or weight tier covers the parcel.
    """
    if method == "pickup":
        return ShippingQuote(method="pickup", price=Money(0, "IDR"))
    if method != "courier":
        raise ValidationError(str(_l("Choose courier delivery or pickup.")), field="shipping_method")
    if weight_grams <= 0:
        raise ValidationError(str(_l("The parcel has no weight.")))
    if weight_grams > MAX_PARCEL_GRAMS:
        raise ValidationError(
            str(_l("One seller's parcel weighs more than 30 kg: choose pickup or fewer items.")),
            field="shipping_method",
        )
    zone = zone_for_address(session, destination)
    if zone is None:
        raise ValidationError(str(_l("We cannot ship to this address yet.")), field="province")
    rate = session.scalars(
        sa.select(ShippingRate)
        .where(ShippingRate.zone_id == zone.id, ShippingRate.max_weight_grams >= weight_grams)
        .order_by(ShippingRate.max_weight_grams)
        .limit(1)
    ).first()
    if rate is None:
        raise ValidationError(
            str(_l("This parcel is too heavy for courier delivery: choose pickup.")), field="shipping_method"
        )
    return ShippingQuote(
        method="courier",
        price=Money(rate.price_minor, rate.currency),
        zone_code=zone.code,
        zone_name_id=zone.name_id,
        zone_name_en=zone.name_en,
        est_days_min=rate.est_days_min,
        est_days_max=rate.est_days_max,
    )


# (code, name_id, name_en, provinces, city_contains, first kg, each further kg, days min, days max)
DEFAULT_ZONES = (
    (
        "banyuwangi",
        "Kabupaten Banyuwangi",
        "Banyuwangi regency",
        "Jawa Timur",
        "Banyuwangi",
        10_000,
        5_000,
        1,
        2,
    ),
    ("east_java", "Jawa Timur lainnya", "Rest of East Java", "Jawa Timur", None, 15_000, 9_000, 2, 3),
    (
        "java_bali",
        "Jawa lainnya dan Bali",
        "Rest of Java and Bali",
        "|".join(JAVA_AND_BALI),
        None,
        22_000,
        14_000,
        2,
        4,
    ),
    ("outside_java", "Luar Jawa", "Outside Java", "*", None, 45_000, 30_000, 4, 8),
)


def ensure_default_shipping_rates(session: Session) -> int:
    """Create the four domestic zones with 1–30 kg tiers if missing; returns rows added.

    Idempotent: existing zones and tiers (perhaps edited by a curator) are left alone.
    """
    added = 0
    for position, (code, name_id, name_en, provinces, city, first, step, dmin, dmax) in enumerate(
        DEFAULT_ZONES
    ):
        zone = session.scalars(sa.select(ShippingZone).where(ShippingZone.code == code)).first()
        if zone is None:
            zone = ShippingZone(
                code=code,
                name_id=name_id,
                name_en=name_en,
                provinces=provinces,
                city_contains=city,
                position=position,
            )
            session.add(zone)
            session.flush()
            added += 1
        have = set(
            session.scalars(sa.select(ShippingRate.max_weight_grams).where(ShippingRate.zone_id == zone.id))
        )
        for kg in range(1, MAX_PARCEL_GRAMS // 1000 + 1):
            if kg * 1000 in have:
                continue
            session.add(
                ShippingRate(
                    zone_id=zone.id,
                    max_weight_grams=kg * 1000,
                    price_minor=first + step * (kg - 1),
                    currency="IDR",
                    est_days_min=dmin,
                    est_days_max=dmax,
                )
            )
            added += 1
    session.flush()
    return added


def estimate_range(session: Session, *, weight_grams: int) -> tuple[Money, Money] | None:
    """Cheapest and dearest courier price for a parcel across all zones (the cart's estimate)."""
    if weight_grams <= 0 or weight_grams > MAX_PARCEL_GRAMS:
        return None
    smallest_tier = (
        sa.select(ShippingRate.zone_id, sa.func.min(ShippingRate.max_weight_grams).label("tier"))
        .where(ShippingRate.max_weight_grams >= weight_grams)
        .group_by(ShippingRate.zone_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(ShippingRate.price_minor, ShippingRate.currency).join(
            smallest_tier,
            sa.and_(
                ShippingRate.zone_id == smallest_tier.c.zone_id,
                ShippingRate.max_weight_grams == smallest_tier.c.tier,
            ),
        )
    ).all()
    if not rows:
        return None
    currency = rows[0][1]
    prices = [price for price, cur in rows if cur == currency]
    return Money(min(prices), currency), Money(max(prices), currency)
