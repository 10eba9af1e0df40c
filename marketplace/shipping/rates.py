"""The shipping rates table: the default zones and weight tiers, and curators' edits of a tier."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from marketplace.audit.services import record_action
from marketplace.errors import NotFound, ValidationError
from marketplace.i18n import message as _l
from marketplace.shipping.models import ShippingRate, ShippingZone
from marketplace.shipping.provinces import JAVA_AND_BALI

#: One courier parcel; heavier orders from one seller must be picked up (or split by the seller).
MAX_PARCEL_GRAMS = 30_000

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


# International zones, priced like Pos Indonesia's EMS from Banyuwangi in rupiah:
# (code, name_id, name_en, countries, up to 500 g, up to 1 kg, each further kg, days min, days max)
INTERNATIONAL_ZONES = (
    (
        "asean",
        "ASEAN",
        "South-East Asia (ASEAN)",
        "SG,MY,TH,PH,VN,BN,KH,LA,MM,TL",
        190_000,
        245_000,
        95_000,
        3,
        7,
    ),
    ("east_asia", "Asia Timur", "East Asia", "JP,KR,CN,HK,TW,MO,MN", 265_000, 340_000, 135_000, 4, 8),
    ("oceania", "Oseania", "Oceania", "AU,NZ,PG,FJ,NC,PF,SB,VU,WS,TO", 300_000, 385_000, 160_000, 5, 10),
    (
        "europe",
        "Eropa",
        "Europe",
        "NL,BE,LU,DE,FR,GB,IE,IT,ES,PT,AT,CH,DK,SE,NO,FI,IS,PL,CZ,SK,HU,SI,HR,RO,BG,GR,EE,LV,LT,MT,CY",
        385_000,
        495_000,
        195_000,
        6,
        12,
    ),
    (
        "americas",
        "Amerika",
        "Americas",
        "US,CA,MX,BR,AR,CL,CO,PE,EC,UY,PY,BO,VE,CR,PA,GT,DO,JM,TT",
        420_000,
        540_000,
        225_000,
        7,
        14,
    ),
    ("rest_of_world", "Negara lainnya", "Rest of the world", "*", 480_000, 620_000, 260_000, 8, 20),
)
#: Days after shipping when a parcel completes by itself (ShippingZone.auto_complete_days).
DOMESTIC_AUTO_COMPLETE_DAYS = 14
INTERNATIONAL_AUTO_COMPLETE_DAYS = 30
#: Domestic zones come first; international ones after this position (order only matters per kind).
INTERNATIONAL_POSITION = 100


def _domestic_tiers(first: int, step: int) -> list[tuple[int, int]]:
    return [(kg * 1000, first + step * (kg - 1)) for kg in range(1, MAX_PARCEL_GRAMS // 1000 + 1)]


def _international_tiers(half: int, first: int, step: int) -> list[tuple[int, int]]:
    return [(500, half)] + _domestic_tiers(first, step)


def _default_zones() -> list[tuple[dict, list[tuple[int, int]], int, int]]:
    """(zone columns, tiers, days min, days max) of every default zone, domestic first."""
    zones = []
    for position, (code, name_id, name_en, provinces, city, first, step, dmin, dmax) in enumerate(
        DEFAULT_ZONES
    ):
        values = {
            "code": code, "name_id": name_id, "name_en": name_en, "provinces": provinces,
            "city_contains": city, "position": position, "international": False, "countries": "",
            "auto_complete_days": DOMESTIC_AUTO_COMPLETE_DAYS,
        }  # fmt: skip
        zones.append((values, _domestic_tiers(first, step), dmin, dmax))
    for offset, (code, name_id, name_en, countries, half, first, step, dmin, dmax) in enumerate(
        INTERNATIONAL_ZONES
    ):
        values = {
            "code": code, "name_id": name_id, "name_en": name_en, "provinces": "*", "city_contains": None,
            "position": INTERNATIONAL_POSITION + offset, "international": True, "countries": countries,
            "auto_complete_days": INTERNATIONAL_AUTO_COMPLETE_DAYS,
        }  # fmt: skip
        zones.append((values, _international_tiers(half, first, step), dmin, dmax))
    return zones


def ensure_default_shipping_rates(session: Session) -> int:
    """Create the four domestic zones (1–30 kg tiers) and the six international zones (0.5 kg,
    then 1–30 kg tiers) if missing; returns rows added.

    Idempotent: existing zones and tiers (perhaps edited by a curator) are left alone. Two queries
    when nothing is missing; the ~300 tiers of a new table go in as one multi-row INSERT (the order
    and test setups call this often: row by row through the ORM it cost ~20 ms each time).
    """
    defaults = _default_zones()
    zones = {zone.code: zone for zone in session.scalars(sa.select(ShippingZone))}
    added = 0
    for values, _tiers, _dmin, _dmax in defaults:
        if values["code"] not in zones:
            zones[values["code"]] = ShippingZone(**values)
            session.add(zones[values["code"]])
            added += 1
    if added:
        session.flush()
    have = {
        tuple(row) for row in session.execute(sa.select(ShippingRate.zone_id, ShippingRate.max_weight_grams))
    }
    zone_ids = {code: zone.id for code, zone in zones.items()}  # one ORM attribute read per zone
    rows = [
        {
            "zone_id": zone_ids[values["code"]],
            "max_weight_grams": grams,
            "price_minor": price,
            "currency": "IDR",
            "est_days_min": dmin,
            "est_days_max": dmax,
        }
        for values, tiers, dmin, dmax in defaults
        for grams, price in tiers
        if (zone_ids[values["code"]], grams) not in have
    ]
    if rows:
        session.execute(sa.insert(ShippingRate.__table__), rows)
        grown = {row["zone_id"] for row in rows}
        for zone in zones.values():
            if zone.id in grown:  # its tiers, if loaded before this insert, would miss the new ones
                session.expire(zone, ["rates"])
    return added + len(rows)


# ----------------------------------------------------------------------------------------------
# Curators edit the rates
# ----------------------------------------------------------------------------------------------

#: A typo guard: no parcel costs more than Rp 100 million or takes more than 90 days.
MAX_RATE_PRICE = 100_000_000
MAX_EST_DAYS = 90


def list_zones(session: Session) -> list[ShippingZone]:
    """Every zone with its tiers (two queries), domestic first, in matching order."""
    return list(
        session.scalars(
            sa.select(ShippingZone)
            .options(selectinload(ShippingZone.rates))
            .order_by(ShippingZone.international, ShippingZone.position, ShippingZone.id)
        )
    )


def get_rate(session: Session, rate_id: int) -> ShippingRate:
    """The tier with its zone; NotFound when there is none."""
    rate = session.get(ShippingRate, rate_id) if 0 < rate_id < 2**62 else None
    if rate is None:
        raise NotFound(str(_l("Not found.")))
    return rate


def update_shipping_rate(
    session: Session,
    *,
    rate: ShippingRate,
    price_minor: int | None,
    est_days_min: int | None,
    est_days_max: int | None,
    actor,
    note: str = "",
) -> bool:
    """Change one weight tier's price (IDR) and delivery days, with an audit row. Flushes only.

    Returns False when nothing changed. Raises ValidationError (naming the field) for a missing
    or negative price, a price over MAX_RATE_PRICE, or days outside 1..MAX_EST_DAYS / min > max.
    """
    if price_minor is None or not 0 <= price_minor <= MAX_RATE_PRICE:
        raise ValidationError(
            str(_l("Enter the price in rupiah, from 0 to %(max)s.", max=f"{MAX_RATE_PRICE:,}")), field="price"
        )
    for name, days in (("days_min", est_days_min), ("days_max", est_days_max)):
        if days is None or not 1 <= days <= MAX_EST_DAYS:
            raise ValidationError(
                str(_l("Enter a number of days from 1 to %(max)d.", max=MAX_EST_DAYS)), field=name
            )
    if est_days_min > est_days_max:
        raise ValidationError(str(_l("The fewest days cannot be more than the most days.")), field="days_min")
    before = {
        "price_minor": rate.price_minor,
        "est_days_min": rate.est_days_min,
        "est_days_max": rate.est_days_max,
    }
    after = {"price_minor": price_minor, "est_days_min": est_days_min, "est_days_max": est_days_max}
    if before == after:
        return False
    rate.price_minor, rate.est_days_min, rate.est_days_max = price_minor, est_days_min, est_days_max
    session.flush()
    record_action(
        session,
        actor=actor,
        action="shipping_rate.update",
        target_type="shipping_rate",
        target_id=rate.id,
        target_label=f"{rate.zone.code} ≤ {rate.max_weight_grams} g",
        before=before,
        after=after,
        note=note,
    )
    return True
