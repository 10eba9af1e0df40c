"""Customs declarations (CN22 / CN23) for a seller's parcel abroad, from the order's snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from marketplace.errors import NotFound
from marketplace.i18n import message as _l
from marketplace.money import Money

if TYPE_CHECKING:  # orders sits above shipping (layering); a type only
    from marketplace.orders.models import Fulfilment

#: UPU rule: CN22 up to 300 SDR of contents, CN23 above. 1 SDR ≈ Rp 21,000 (late 2026), so the
#: default threshold is Rp 6,300,000; the CUSTOMS_CN22_MAX_IDR setting overrides it.
DEFAULT_CN22_MAX_IDR = 6_300_000
#: What a marketplace sends: always goods sold to the recipient.
CATEGORY = "sale_of_goods"


@dataclass(frozen=True)
class CustomsItem:
    """One line of the declaration: all units of one product in the parcel."""

    #: In English (the product's English title) unless `in_english` is False: the seller gave
    #: none, and this is the Indonesian title.
    description: str
    quantity: int
    net_weight_grams: int
    #: In the order's currency's minor units (what the buyer paid per unit and for the line).
    unit_value_minor: int
    value_minor: int
    hs_code: str
    origin_country: str
    in_english: bool = True


@dataclass(frozen=True)
class CustomsDeclaration:
    form: str  # "CN22" or "CN23"
    category: str
    #: The currency every value is declared in: the order's, what the buyer paid (ISO 4217).
    currency: str
    items: tuple[CustomsItem, ...]
    total_weight_grams: int
    total_value_minor: int
    #: The contents' value in rupiah: what decides CN22 against CN23.
    value_idr: int
    #: Postal charges paid by the buyer for this parcel (CN23 asks for them), order currency.
    postage_minor: int
    destination_country: str


def is_international(fulfilment: Fulfilment) -> bool:
    order = fulfilment.order
    return (order.ship_country or "ID") != "ID" and str(order.shipping_method) == "courier"


def choose_form(value_idr: int, *, cn22_max_idr: int = DEFAULT_CN22_MAX_IDR) -> str:
    """CN22 when the contents are worth at most `cn22_max_idr` rupiah, else CN23."""
    return "CN22" if value_idr <= cn22_max_idr else "CN23"


def _value_idr(fulfilment: Fulfilment, units: Mapping[int, int]) -> int:
    order = fulfilment.order
    total = 0
    for line in fulfilment.lines:
        quantity = units.get(line.id, line.quantity)
        unit_idr = getattr(line, "unit_price_idr", 0) or 0
        if unit_idr > 0:
            total += unit_idr * quantity
        elif order.currency == "IDR":
            total += line.unit_price_minor * quantity
        elif order.exchange_rate:  # rupiah per 1 unit of the order's currency (markets)
            paid = Money(line.unit_price_minor * quantity, order.currency).as_decimal()
            total += int((paid * Decimal(order.exchange_rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return total


def build_customs_declaration(
    fulfilment: Fulfilment,
    *,
    cn22_max_idr: int = DEFAULT_CN22_MAX_IDR,
    units_left: Mapping[int, int] | None = None,
) -> CustomsDeclaration:
    """The declaration for one seller's parcel, from the lines frozen at the order.

    `units_left` ({order line id: units}) declares only what still goes in the parcel when some
    were refunded or cancelled (lines left with none are not declared); without it, every unit.
    Raises NotFound for a parcel that does not leave Indonesia (domestic or pickup).
    """
    if not is_international(fulfilment):
        raise NotFound(str(_l("Customs forms are only for parcels sent abroad.")))
    order = fulfilment.order
    units = dict(units_left or {})
    items = []
    for line in fulfilment.lines:
        quantity = units.get(line.id, line.quantity)
        if quantity <= 0:
            continue
        english = bool((line.title_en or "").strip())
        items.append(
            CustomsItem(
                description=line.customs_description or line.title_en or line.title_id,
                quantity=quantity,
                # weight_grams is the line's (unit weight × quantity): the units left weigh their share.
                net_weight_grams=line.weight_grams * quantity // line.quantity if line.quantity else 0,
                unit_value_minor=line.unit_price_minor,
                value_minor=line.unit_price_minor * quantity,
                hs_code=line.hs_code or "",
                origin_country=line.origin_country or "ID",
                in_english=english,
            )
        )
    value_idr = _value_idr(fulfilment, units)
    return CustomsDeclaration(
        form=choose_form(value_idr, cn22_max_idr=cn22_max_idr),
        category=CATEGORY,
        currency=order.currency,
        items=tuple(items),
        total_weight_grams=sum(item.net_weight_grams for item in items),
        total_value_minor=sum(item.value_minor for item in items),
        value_idr=value_idr,
        postage_minor=fulfilment.shipping_minor,
        destination_country=order.ship_country,
    )
