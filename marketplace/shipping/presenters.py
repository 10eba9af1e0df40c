"""Shipping values for templates: customs declarations and the curator's rate tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from babel.numbers import format_decimal
from flask_babel import lazy_gettext as _l

from marketplace.money import Money, money_text
from marketplace.shipping.couriers import tracking_url
from marketplace.shipping.customs import CustomsDeclaration
from marketplace.shipping.models import ShippingZone
from marketplace.shipping.services import country_names

if TYPE_CHECKING:  # orders sits above shipping (layering); a type only
    from marketplace.orders.models import Fulfilment

CATEGORY_LABELS = {"sale_of_goods": _l("Sale of goods")}


def kilograms(grams: int, lang: str) -> str:
    """'0.35 kg' / '0,35 kg': customs forms ask for kilograms with up to 3 decimals."""
    from decimal import Decimal

    return f"{format_decimal(Decimal(grams).scaleb(-3), format='#,##0.0##', locale=lang)} kg"


def present_customs(declaration: CustomsDeclaration, fulfilment: Fulfilment, *, shop, lang: str) -> dict:
    """Everything the printable CN22/CN23 page shows, formatted (no logic left for the template)."""
    order = fulfilment.order
    names = country_names(lang)
    village = shop.village
    kecamatan = village.parent.name if village is not None and village.parent is not None else ""
    sender = [
        shop.name,
        f"Desa {village.name}" if village is not None else "",
        kecamatan if kecamatan.startswith("Kecamatan") else f"Kecamatan {kecamatan}" if kecamatan else "",
        "Kabupaten Banyuwangi, Jawa Timur",
        names.get("ID", "Indonesia"),
        shop.phone,
    ]
    recipient = [
        order.ship_name,
        order.ship_street,
        order.ship_line2,
        order.ship_district,
        " ".join(part for part in (order.ship_postal_code, order.ship_city) if part),
        order.ship_province,
        names.get(order.ship_country, order.ship_country).upper(),
        order.ship_phone,
    ]
    currency = declaration.currency
    return {
        "form": declaration.form,
        "is_cn23": declaration.form == "CN23",
        "number": order.number,
        "parcel_id": fulfilment.id,
        "category": str(CATEGORY_LABELS[declaration.category]),
        "sender": [line for line in sender if line],
        "recipient": [line for line in recipient if line],
        "items": [
            {
                "description": item.description,
                "quantity": format_decimal(item.quantity, locale=lang),
                "weight": kilograms(item.net_weight_grams, lang),
                "unit_value": money_text(item.unit_value_minor, currency, lang),
                "value": money_text(item.value_minor, currency, lang),
                "hs_code": item.hs_code or "—",
                "origin": names.get(item.origin_country, item.origin_country),
            }
            for item in declaration.items
        ],
        "total_weight": kilograms(declaration.total_weight_grams, lang),
        "total_value": money_text(declaration.total_value_minor, currency, lang),
        "value_idr": Money(declaration.value_idr, "IDR").format(lang),
        "postage": money_text(declaration.postage_minor, currency, lang),
        "currency": currency,
    }


def present_zones(zones: list[ShippingZone], lang: str) -> list[dict]:
    """The curator's table: each zone with its destinations and every weight tier."""
    names = country_names(lang)
    rows = []
    for zone in zones:
        if zone.international:
            codes = [code.strip() for code in zone.countries.split(",") if code.strip()]
            where = (
                str(_l("Every other country"))
                if codes == ["*"]
                else ", ".join(names.get(code, code) for code in codes)
            )
        else:
            provinces = zone.provinces.split("|")
            where = str(_l("Every other province")) if provinces == ["*"] else ", ".join(provinces)
            if zone.city_contains:
                where += f" ({zone.city_contains})"
        rows.append(
            {
                "id": zone.id,
                "code": zone.code,
                "name": zone.name_en if lang == "en" else zone.name_id,
                "international": zone.international,
                "where": where,
                "tiers": [
                    {
                        "id": rate.id,
                        "weight": kilograms(rate.max_weight_grams, lang),
                        "price": Money(rate.price_minor, rate.currency).format(lang),
                        "price_value": rate.price_minor,
                        "days_min": rate.est_days_min,
                        "days_max": rate.est_days_max,
                    }
                    for rate in zone.rates
                ],
            }
        )
    return rows


def present_couriers(couriers) -> list[dict]:
    """Couriers for the curator's table, with an example link for each."""
    return [
        {
            "id": courier.id,
            "code": courier.code,
            "name": courier.name,
            "tracking_url": courier.tracking_url,
            "example": tracking_url(courier.tracking_url, "TEST123"),
            "international": courier.international,
            "active": courier.active,
        }
        for courier in couriers
    ]
