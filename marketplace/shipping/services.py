"""Shipping: address validation, destination zones and parcel prices from the rates table.

The rates table itself (defaults, curators' edits) is `shipping.rates`, re-exported here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace import contact
from marketplace.catalogue.models import Region
from marketplace.contact import HOME_COUNTRY, country_names
from marketplace.errors import ValidationError
from marketplace.i18n import message as _l
from marketplace.money import Money
from marketplace.shipping.models import ShippingRate, ShippingZone
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

    The rules are `marketplace.contact`'s, the same ones a saved address is checked by.
    """
    return contact.address_errors(dataclasses.asdict(address))


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
    return _matching_zone(zones, address)


def _matching_zone(zones: Sequence[ShippingZone], address: ShippingAddress) -> ShippingZone | None:
    """`zone_for_address` among `zones` (those of the address's side, by position)."""
    if address.country != HOME_COUNTRY:
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


@dataclass(frozen=True)
class DestinationRates:
    """A destination's zone (None: none serves it) and the zone's weight tiers, lightest first:
    read once (one query) for every parcel going there, however many sellers send one. The zone
    is a row of ShippingZone's id, code, name_id, name_en, provinces, city_contains and
    countries; a tier has ShippingRate's max_weight_grams, price_minor, currency, est_days_min
    and est_days_max."""

    zone: sa.Row | None
    tiers: tuple = ()

    def tier(self, weight_grams: int):
        """The lightest tier that carries `weight_grams`, or None (too heavy for the zone)."""
        return next((rate for rate in self.tiers if rate.max_weight_grams >= weight_grams), None)


def destination_rates(session: Session, destination: ShippingAddress) -> DestinationRates:
    """The zone `destination` falls in and its tiers (`quote_shipping` takes them as `rates`).

    One query: the zones of the destination's side (a handful) joined to their tiers' price
    columns, all read as plain rows (a zone is its first row: code, names, provinces, city text,
    countries), with no ORM object per row: an entity per row, with its identity-map lookup, was
    most of the cost (every tier of every zone on that side is read, 120 rows in the bench).
    """
    rows = session.execute(_destination_rates_query(destination.country != HOME_COUNTRY)).all()
    zones: dict[int, sa.Row] = {}
    tiers: dict[int, list] = {}
    for row in rows:
        zone_id = row.id
        if zone_id not in zones:
            zones[zone_id] = row
            tiers[zone_id] = []
        if row.max_weight_grams is not None:
            tiers[zone_id].append(row)
    zone = _matching_zone(list(zones.values()), destination)
    if zone is None:
        return DestinationRates(None)
    return DestinationRates(zone, tuple(tiers[zone.id]))


@cache
def _destination_rates_query(international: bool) -> sa.Select:
    # The tables' own columns (Core): no ORM entity to compile or load.
    zones, rates = ShippingZone.__table__.c, ShippingRate.__table__.c
    return (
        sa.select(*(zones[name] for name in _ZONE_COLUMNS), *(rates[name] for name in _TIER_COLUMNS))
        .select_from(ShippingZone.__table__.outerjoin(ShippingRate.__table__, rates.zone_id == zones.id))
        .where(zones.international.is_(international))
        .order_by(zones.position, zones.id, rates.max_weight_grams, rates.id)
    )


#: What matching a zone and naming it in a quote need (`DestinationRates.zone` is a row of these).
_ZONE_COLUMNS = ("id", "code", "name_id", "name_en", "provinces", "city_contains", "countries")
#: What a tier's price needs (`DestinationRates.tiers` holds rows of these, lightest first).
_TIER_COLUMNS = ("max_weight_grams", "price_minor", "currency", "est_days_min", "est_days_max")


def quote_shipping(
    session: Session,
    *,
    origin_village: Region | None,
    destination: ShippingAddress,
    weight_grams: int,
    method: str = "courier",
    item_weights: Sequence[int] | None = None,
    rates: DestinationRates | None = None,
) -> ShippingQuote:
    """Price one parcel of `weight_grams` from a seller's village to `destination`.

    `method="pickup"` is free collection at the seller's village (domestic only). Zones are
    defined relative to the kecamatan the market serves, so `origin_village` only matters for
    pickup today. Abroad, a seller's part over 30 kg is split into parcels (packed from
    `item_weights`, one weight per unit, when given) and each parcel is priced by its tier.
    `rates` (`destination_rates(session, destination)`) spares the queries when several parcels
    go to the same destination. Raises ValidationError when no zone or weight tier covers the
    parcel, or a single item abroad is over 30 kg.
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
        return _quote_abroad(session, destination, weight_grams, item_weights, rates)
    if weight_grams > MAX_PARCEL_GRAMS:
        raise ValidationError(
            str(_l("One seller's parcel weighs more than 30 kg: choose pickup or fewer items.")),
            field="shipping_method",
        )
    rates = rates if rates is not None else destination_rates(session, destination)
    zone = rates.zone
    if zone is None:
        raise ValidationError(str(_l("We cannot ship to this address yet.")), field="province")
    rate = rates.tier(weight_grams)
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
    session: Session,
    destination: ShippingAddress,
    weight_grams: int,
    item_weights: Sequence[int] | None,
    rates: DestinationRates | None = None,
) -> ShippingQuote:
    rates = rates if rates is not None else destination_rates(session, destination)
    zone = rates.zone
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
        rate = rates.tier(parcel)
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
