"""Shipping values for templates: customs declarations and the curator's rate tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from babel.numbers import format_decimal, get_currency_name
from flask_babel import lazy_gettext as _l

from marketplace.contact import HOME_COUNTRY, phone_text
from marketplace.money import Money, currency_exponent
from marketplace.shipping.couriers import tracking_url
from marketplace.shipping.customs import CustomsDeclaration
from marketplace.shipping.models import ShippingZone
from marketplace.shipping.provinces import province_name
from marketplace.shipping.services import country_names

if TYPE_CHECKING:  # orders sits above shipping (layering); a type only
    from marketplace.orders.models import Fulfilment

CATEGORY_LABELS = {"sale_of_goods": _l("Sale of goods")}
CATEGORY_FRENCH = {"sale_of_goods": "Vente de marchandises"}


def kilograms(grams: int, lang: str) -> str:
    """'0.35 kg' / '0,35 kg': customs forms ask for kilograms with up to 3 decimals."""
    from decimal import Decimal

    return f"{format_decimal(Decimal(grams).scaleb(-3), format='#,##0.0##', locale=lang)} kg"


@dataclass(frozen=True)
class ShipFrom:
    """Where the market's shops send from, beyond each shop's desa and kecamatan (settings
    MARKET_REGENCY, MARKET_PROVINCE, MARKET_POSTAL_CODE: the regency, its province as written in
    Indonesian, the kecamatan's postal code)."""

    regency: str
    province: str
    postal_code: str

    @classmethod
    def from_config(cls, config: Mapping) -> ShipFrom:
        return cls(
            regency=config.get("MARKET_REGENCY", ""),
            province=config.get("MARKET_PROVINCE", ""),
            postal_code=config.get("MARKET_POSTAL_CODE", ""),
        )


#: The French wording the UPU's bilingual CN22/CN23 carry beside the English (the same in every
#: UI language: printed as on the real forms).
UPU_FRENCH = {
    "title": "Déclaration en douane",
    "opened": "Peut être ouvert d'office",
    "sender": "Expéditeur",
    "recipient": "Destinataire",
    "category": "Catégorie de l'envoi",
    "description": "Désignation détaillée du contenu",
    "quantity": "Quantité",
    "weight": "Poids net",
    "unit_value": "Valeur unitaire",
    "value": "Valeur",
    "hs_code": "N° tarifaire du SH",
    "origin": "Pays d'origine des marchandises",
    "total": "Total",
    "postage": "Frais de port",
    "signature": "Date et signature de l'expéditeur",
}


def amount_with_code(minor: int, currency: str, lang: str) -> str:
    """ "EUR 48.50", "IDR 1,700,000": the ISO code before the amount, as customs forms want."""
    exponent = currency_exponent(currency)
    pattern = "#,##0" + ("." + "0" * exponent if exponent else "")
    amount = format_decimal(Money(int(minor), currency).as_decimal(), format=pattern, locale=lang)
    return f"{currency}\u00a0{amount}"


def sender_lines(shop, place: ShipFrom, lang: str, *, abroad: bool = True) -> list[str]:
    """The shop's full postal address: name, street (when given), desa and kecamatan, regency,
    province and postal code, the country (in capitals, in `lang`; only abroad), the phone."""
    village = shop.village
    kecamatan = village.parent.name if village is not None and village.parent is not None else ""
    if kecamatan and not kecamatan.startswith("Kecamatan"):
        kecamatan = f"Kecamatan {kecamatan}"
    province = province_name(place.province, lang)
    region = ", ".join(part for part in (place.regency, province) if part)
    lines = [
        shop.name,
        shop.address_line,
        ", ".join(
            part for part in (f"Desa {village.name}" if village is not None else "", kecamatan) if part
        ),
        " ".join(part for part in (region, place.postal_code) if part),
        country_names(lang).get(HOME_COUNTRY, "Indonesia").upper() if abroad else "",
        # A mobile grouped as it is read: "0812-3456-7890" at home, "+62 812-3456-7890" abroad.
        phone_text(shop.phone, abroad=abroad),
    ]
    return [line for line in lines if line]


def recipient_lines(order, lang: str) -> list[str]:
    """The buyer's delivery address as the order keeps it; abroad, the country's name in `lang`
    in capitals as the last line before the phone. At home a mobile number is grouped
    ("0812-3456-7890"); abroad the phone stays as the buyer typed it."""
    country = order.ship_country or HOME_COUNTRY
    phone = order.ship_phone
    if country == HOME_COUNTRY:  # "Kabupaten Banyuwangi" / "Jawa Timur 68461", as Indonesians write it
        place = [order.ship_city, " ".join(p for p in (order.ship_province, order.ship_postal_code) if p), ""]
        phone = phone_text(phone)
    else:
        place = [
            " ".join(part for part in (order.ship_postal_code, order.ship_city) if part),
            order.ship_province,
            country_names(lang).get(country, country).upper(),
        ]
    lines = [
        order.ship_name,
        order.ship_street,
        order.ship_line2,
        order.ship_district,
        *place,
        phone,
    ]
    return [line for line in lines if line]


def present_customs(
    declaration: CustomsDeclaration, fulfilment: Fulfilment, *, shop, place: ShipFrom, lang: str = "en"
) -> dict:
    """Everything the printable CN22/CN23 shows, formatted for `lang` (English: what posts and
    customs abroad read; render it inside flask_babel.force_locale("en"))."""
    order = fulfilment.order
    names = country_names(lang)
    currency = declaration.currency
    destination = names.get(declaration.destination_country, declaration.destination_country)
    return {
        "form": declaration.form,
        "is_cn23": declaration.form == "CN23",
        "number": order.number,
        "parcel_id": fulfilment.id,
        "category": str(CATEGORY_LABELS[declaration.category]),
        "category_fr": CATEGORY_FRENCH[declaration.category],
        "sender": sender_lines(shop, place, lang),
        "recipient": recipient_lines(order, lang),
        "destination": destination,
        "items": [
            {
                "description": item.description,
                "lang": "en" if item.in_english else "id",
                "in_english": item.in_english,
                "quantity": format_decimal(item.quantity, locale=lang),
                "weight": kilograms(item.net_weight_grams, lang),
                "unit_value": amount_with_code(item.unit_value_minor, currency, lang),
                "value": amount_with_code(item.value_minor, currency, lang),
                "hs_code": item.hs_code or "—",
                "origin": names.get(item.origin_country, item.origin_country),
            }
            for item in declaration.items
        ],
        "total_weight": kilograms(declaration.total_weight_grams, lang),
        "total_value": amount_with_code(declaration.total_value_minor, currency, lang),
        "value_idr": amount_with_code(declaration.value_idr, "IDR", lang),
        "postage": amount_with_code(declaration.postage_minor, currency, lang),
        "currency": currency,
        "currency_name": get_currency_name(currency, locale=lang),
        "fr": UPU_FRENCH,
    }


def present_customs_notes(declaration: CustomsDeclaration, lang: str) -> dict:
    """What the seller reads beside the form, in the seller's own language (never printed)."""
    return {
        "form": declaration.form,
        "is_cn23": declaration.form == "CN23",
        "currency": declaration.currency,
        "value_idr": Money(declaration.value_idr, "IDR").format(lang),
        "without_english": ", ".join(item.description for item in declaration.items if not item.in_english),
    }


def present_shipping_label(
    fulfilment: Fulfilment, *, shop, place: ShipFrom, lang: str, units_left: Mapping[int, int], form: str = ""
) -> dict:
    """The address label for one parcel: to and from in full, the order number, the weight of
    what goes in it, and (abroad) which customs form to attach."""
    order = fulfilment.order
    grams = sum(
        line.weight_grams * units_left.get(line.id, line.quantity) // line.quantity
        for line in fulfilment.lines
        if line.quantity
    )
    return {
        "number": order.number,
        "parcel_id": fulfilment.id,
        "sender": sender_lines(shop, place, lang, abroad=bool(form)),
        "recipient": recipient_lines(order, lang),
        "abroad": bool(form),
        "form": form,
        "weight": kilograms(grams, lang),
        "courier": fulfilment.courier or "",
        "tracking_number": fulfilment.tracking_number or "",
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
