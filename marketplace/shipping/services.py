"""Shipping: address validation, destination zones and parcel prices from the rates table.

The rates table itself (defaults, curators' edits) is `shipping.rates`, re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Region
from marketplace.errors import ValidationError
from marketplace.i18n import message as _l
from marketplace.money import Money
from marketplace.shipping.models import ShippingRate, ShippingZone
from marketplace.shipping.provinces import PROVINCES
from marketplace.shipping.rates import (
    DEFAULT_ZONES,
    INTERNATIONAL_POSITION,
    INTERNATIONAL_ZONES,
    MAX_EST_DAYS,
    MAX_PARCEL_GRAMS,
    MAX_RATE_PRICE,
    ensure_default_shipping_rates,
    get_rate,
    list_zones,
    update_shipping_rate,
)

POSTAL_CODE = re.compile(r"^[1-9][0-9]{4}$")
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{6,18}[0-9]$")

HOME_COUNTRY = "ID"
#: Postal codes abroad: a few common formats checked exactly, any other country loosely.
FOREIGN_POSTAL_CODES = {
    "NL": (re.compile(r"^[1-9][0-9]{3} ?[A-Z]{2}$"), "1012 AB"),
    "DE": (re.compile(r"^[0-9]{5}$"), "10115"),
    "FR": (re.compile(r"^[0-9]{5}$"), "75001"),
    "GB": (re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$"), "SW1A 1AA"),
    "US": (re.compile(r"^[0-9]{5}(-[0-9]{4})?$"), "94107"),
    "CA": (re.compile(r"^[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9]$"), "K1A 0B1"),
    "AU": (re.compile(r"^[0-9]{4}$"), "2000"),
    "NZ": (re.compile(r"^[0-9]{4}$"), "6011"),
    "JP": (re.compile(r"^[0-9]{3}-?[0-9]{4}$"), "100-0001"),
    "SG": (re.compile(r"^[0-9]{6}$"), "018956"),
    "MY": (re.compile(r"^[0-9]{5}$"), "50088"),
    "TH": (re.compile(r"^[0-9]{5}$"), "10200"),
    "KR": (re.compile(r"^[0-9]{5}$"), "03154"),
}
ANY_POSTAL_CODE = re.compile(r"^[A-Z0-9][A-Z0-9 \-]{1,10}$")
#: Countries without postal codes: the field may stay empty.
NO_POSTAL_CODE = frozenset({"HK", "MO", "AE", "QA", "FJ", "TL"})
#: Countries whose post needs the state/province/prefecture on the label.
NEEDS_REGION = frozenset({"US", "CA", "AU", "JP", "MY", "CN"})


def country_names(lang: str = "en") -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → country name in `lang` (CLDR data from Babel)."""
    from babel import Locale

    names = Locale.parse(lang if lang in ("id", "en") else "en").territories
    return {
        code: name
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}
    }


def country_choices(lang: str = "en") -> list[tuple[str, str]]:
    """(code, name) for a country select, Indonesia first, then by name."""
    names = country_names(lang)
    others = sorted((code for code in names if code != HOME_COUNTRY), key=lambda code: names[code])
    return [(HOME_COUNTRY, names[HOME_COUNTRY]), *((code, names[code]) for code in others)]


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
    #: Courier parcels this quote covers (a part over 30 kg abroad is split; each is priced).
    parcels: int = 1
    international: bool = False


def validate_address(address: ShippingAddress) -> dict[str, str]:
    """Field name → message for every problem; empty when the address can be shipped to.

    Indonesian addresses need the district, a province from the list and a 5-digit postal code;
    addresses abroad need a known country, the city and (for a few countries) the state or
    region, and a postal code in that country's format.
    """
    if address.country != HOME_COUNTRY:
        return _validate_foreign_address(address)
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
    return errors


def _validate_foreign_address(address: ShippingAddress) -> dict[str, str]:
    errors: dict[str, str] = {}
    country = address.country
    if country not in country_names("en"):
        errors["country"] = str(_l("Choose a country from the list."))
    if not address.name.strip():
        errors["name"] = str(_l("Enter the recipient's name."))
    elif len(address.name) > 120:
        errors["name"] = str(_l("The name is too long (120 characters at most)."))
    if not PHONE.match(address.phone.strip()):
        errors["phone"] = str(
            _l("Enter a phone number of 8 to 20 digits with the country code, e.g. +31 20 123 4567.")
        )
    if not address.street.strip():
        errors["street"] = str(_l("Enter the street and house number."))
    elif len(address.street) > 200:
        errors["street"] = str(_l("The street is too long (200 characters at most)."))
    if len(address.line2) > 200:
        errors["line2"] = str(_l("This line is too long (200 characters at most)."))
    if len(address.district) > 120:
        errors["district"] = str(_l("This line is too long (120 characters at most)."))
    if not address.city.strip():
        errors["city"] = str(_l("Enter the city."))
    elif len(address.city) > 120:
        errors["city"] = str(_l("The city is too long (120 characters at most)."))
    if len(address.province) > 120:
        errors["province"] = str(_l("The state or region is too long (120 characters at most)."))
    elif country in NEEDS_REGION and not address.province.strip():
        errors["province"] = str(_l("Enter the state, province or region."))
    postal = " ".join(address.postal_code.upper().split())
    if country in FOREIGN_POSTAL_CODES:
        pattern, example = FOREIGN_POSTAL_CODES[country]
        if not pattern.match(postal):
            errors["postal_code"] = str(_l("Enter the postal code, e.g. %(example)s.", example=example))
    elif postal or country not in NO_POSTAL_CODE:
        if not ANY_POSTAL_CODE.match(postal):
            errors["postal_code"] = str(_l("Enter the postal code (2 to 11 letters or digits)."))
    return errors


def check_address(address: ShippingAddress) -> None:
    """Raise ValidationError (naming the first bad field) unless the address is complete."""
    errors = validate_address(address)
    if errors:
        name, message = next(iter(errors.items()))
        raise ValidationError(message, field=name)


def zone_for_address(session: Session, address: ShippingAddress) -> ShippingZone | None:
    """The first zone (by position) whose provinces and city text match the address.

    Abroad: the first international zone listing the country, else the "*" (rest of world) zone.
    """
    international = address.country != HOME_COUNTRY
    zones = session.scalars(
        sa.select(ShippingZone)
        .where(ShippingZone.international.is_(international))
        .order_by(ShippingZone.position, ShippingZone.id)
    ).all()
    if international:
        return _zone_for_country(zones, address.country)
    city = address.city.strip().casefold()
    for zone in zones:
        provinces = {p.strip() for p in zone.provinces.split("|")}
        if "*" not in provinces and address.province not in provinces:
            continue
        if zone.city_contains and zone.city_contains.casefold() not in city:
            continue
        return zone
    return None


def _zone_for_country(zones: Sequence[ShippingZone], country: str) -> ShippingZone | None:
    fallback = None
    for zone in zones:
        codes = {code.strip().upper() for code in zone.countries.split(",") if code.strip()}
        if country in codes:
            return zone
        if "*" in codes and fallback is None:
            fallback = zone
    return fallback


def split_parcels(item_weights: Sequence[int], *, limit: int = MAX_PARCEL_GRAMS) -> list[int]:
    """Pack items (one weight per unit) into as few parcels of at most `limit` grams as a
    first-fit-decreasing packing finds; returns each parcel's weight, heaviest first.

    Raises ValidationError when one item alone is heavier than the limit.
    """
    parcels: list[int] = []
    for weight in sorted(item_weights, reverse=True):
        if weight > limit:
            raise ValidationError(
                str(_l("One item weighs more than 30 kg and cannot be sent abroad by post.")),
                field="shipping_method",
            )
        for index, load in enumerate(parcels):
            if load + weight <= limit:
                parcels[index] = load + weight
                break
        else:
            parcels.append(weight)
    return parcels


def _tier(session: Session, zone: ShippingZone, weight_grams: int) -> ShippingRate | None:
    return session.scalars(
        sa.select(ShippingRate)
        .where(ShippingRate.zone_id == zone.id, ShippingRate.max_weight_grams >= weight_grams)
        .order_by(ShippingRate.max_weight_grams)
        .limit(1)
    ).first()


def quote_shipping(
    session: Session,
    *,
    origin_village: Region | None,
    destination: ShippingAddress,
    weight_grams: int,
    method: str = "courier",
    item_weights: Sequence[int] | None = None,
) -> ShippingQuote:
    """Price one parcel of `weight_grams` from a seller's village to `destination`.

    `method="pickup"` is free collection at the seller's village (domestic only). Zones are
    defined relative to the kecamatan the market serves, so `origin_village` only matters for
    pickup today. Abroad, a seller's part over 30 kg is split into parcels (packed from
    `item_weights`, one weight per unit, when given) and each parcel is priced by its tier.
    Raises ValidationError when no zone or weight tier covers the parcel, or a single item abroad
    is over 30 kg.
    """
    international = destination.country != HOME_COUNTRY
    if method == "pickup":
        if international:
            raise ValidationError(
                str(_l("Pickup is only possible within Indonesia: choose courier delivery.")),
                field="shipping_method",
            )
        return ShippingQuote(method="pickup", price=Money(0, "IDR"))
    if method != "courier":
        raise ValidationError(str(_l("Choose courier delivery or pickup.")), field="shipping_method")
    if weight_grams <= 0:
        raise ValidationError(str(_l("The parcel has no weight.")))
    if international:
        return _quote_abroad(session, destination, weight_grams, item_weights)
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


def _quote_abroad(
    session: Session, destination: ShippingAddress, weight_grams: int, item_weights: Sequence[int] | None
) -> ShippingQuote:
    zone = zone_for_address(session, destination)
    if zone is None:
        raise ValidationError(str(_l("We cannot ship to this country yet.")), field="country")
    if item_weights:
        parcels = split_parcels(item_weights)
    else:  # no unit weights known: full 30 kg parcels and the rest
        full, rest = divmod(weight_grams, MAX_PARCEL_GRAMS)
        parcels = [MAX_PARCEL_GRAMS] * full + ([rest] if rest else [])
    total = 0
    currency = "IDR"
    days_min = days_max = 0
    for parcel in parcels:
        rate = _tier(session, zone, parcel)
        if rate is None:
            raise ValidationError(
                str(_l("This parcel is too heavy to ship to this country.")), field="shipping_method"
            )
        total += rate.price_minor
        currency = rate.currency
        days_min, days_max = max(days_min, rate.est_days_min), max(days_max, rate.est_days_max)
    return ShippingQuote(
        method="courier",
        price=Money(total, currency),
        zone_code=zone.code,
        zone_name_id=zone.name_id,
        zone_name_en=zone.name_en,
        est_days_min=days_min,
        est_days_max=days_max,
        parcels=len(parcels),
        international=True,
    )


def estimate_range(
    session: Session, *, weight_grams: int, country: str = HOME_COUNTRY
) -> tuple[Money, Money] | None:
    """Cheapest and dearest courier price for a parcel across the domestic zones (the cart's
    estimate); for a market abroad, the price to that country's zone (split over 30 kg)."""
    if country != HOME_COUNTRY:
        try:
            quote = (
                _quote_abroad(
                    session, ShippingAddress("", "", "", "", "", "", "", country=country), weight_grams, None
                )
                if weight_grams > 0
                else None
            )
        except ValidationError:
            return None
        return (quote.price, quote.price) if quote else None
    if weight_grams <= 0 or weight_grams > MAX_PARCEL_GRAMS:
        return None
    smallest_tier = (
        sa.select(ShippingRate.zone_id, sa.func.min(ShippingRate.max_weight_grams).label("tier"))
        .join(ShippingZone, ShippingZone.id == ShippingRate.zone_id)
        .where(ShippingRate.max_weight_grams >= weight_grams, ShippingZone.international.is_(False))
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


__all__ = [
    "DEFAULT_ZONES",
    "INTERNATIONAL_POSITION",
    "INTERNATIONAL_ZONES",
    "MAX_EST_DAYS",
    "MAX_PARCEL_GRAMS",
    "MAX_RATE_PRICE",
    "ensure_default_shipping_rates",
    "get_rate",
    "list_zones",
    "update_shipping_rate",
]
