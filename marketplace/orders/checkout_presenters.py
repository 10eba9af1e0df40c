"""The checkout page's values: the cart's lines by seller and the quote (shipping, totals).

`present_quote` is both what the page renders and what `GET /checkout/quote` answers as JSON, so
static/js/checkout.js puts exactly the server's texts in place.
"""

from __future__ import annotations

from flask_babel import gettext as _

from marketplace.cart.services import CartSummary
from marketplace.contact import HOME_COUNTRY
from marketplace.i18n import localized
from marketplace.markets.presenters import lines_total
from marketplace.markets.presenters import price as price_text
from marketplace.money import Money
from marketplace.orders.checkout import CheckoutPrice, CheckoutQuote, ParcelPrice
from marketplace.orders.formatting import rupiah_reference


def present_lines(summary: CartSummary, *, currency: str, lang: str) -> list[dict]:
    """Each seller's lines as the summary lists them (the shipping comes from `present_quote`)."""
    return [
        {
            "seller_id": group.seller.id,
            "seller_name": group.seller.name,
            "lines": [
                {
                    "title": localized(line.product, "title", lang),
                    "variant": line.variant_label_en if lang == "en" else line.variant_label_id,
                    "quantity": line.quantity,
                    "unit_price": price_text(line.unit_price_minor, lang, currency),
                    "total": lines_total([(line.unit_price_minor, line.quantity)], currency).format(lang),
                }
                for line in group.lines
            ],
        }
        for group in summary.groups
    ]


def _parcel_text(parcel: ParcelPrice, price: CheckoutPrice, villages: dict[int, str], lang: str) -> str:
    if parcel.problem is not None:
        return parcel.problem.message
    quote = parcel.quote
    if quote is None:
        return _("Calculated from your address")
    if quote.method == "pickup":
        return _("Free pickup in Desa %(village)s", village=villages.get(parcel.seller_id, ""))
    days = _("%(min)d–%(max)d days", min=quote.est_days_min, max=quote.est_days_max)
    zone = quote.zone_name_en if lang == "en" else quote.zone_name_id
    amount = Money(price.parcel_shipping[parcel.seller_id], price.currency).format(lang)
    text = f"{amount} ({zone}, {days})"
    if quote.parcels > 1:
        text += " · " + _("%(n)d parcels of at most 30 kg", n=quote.parcels)
    return text


def _status(quote: CheckoutQuote, *, abroad: bool) -> str:
    """One line under the delivery choice: what is missing, or why it cannot be shipped."""
    problem = next((p.problem for p in quote.chosen.parcels if p.problem is not None), None)
    if problem is not None:
        return problem.message
    if not quote.destination_known:
        if abroad:
            return _("Choose the country to see the shipping cost.")
        return _("Choose the province and enter the city to see the shipping cost.")
    return ""


def present_quote(quote: CheckoutQuote, *, villages: dict[int, str], country: str, lang: str) -> dict:
    """The shipping and totals for the form so far, as texts in `lang` (and integers for scripts).

    `villages`: seller id → the village a pickup is collected in. Totals are "" (and their
    integers None) until every parcel has its shipping.
    """
    price = quote.chosen
    known = quote.destination_known and price.shipping_known
    currency = price.currency
    courier = quote.courier
    courier_known = quote.destination_known and courier.shipping_known
    if not price.parcels:
        known = courier_known = False

    def money(minor: int) -> str:
        return Money(minor, currency).format(lang)

    shipping, total = (money(price.shipping_minor), money(price.total_minor)) if known else ("", "")
    return {
        "ready": known,
        "quote": quote.token if known else "",
        #: What that quote priced (`checkout_seen.destination_key`), carried back with it by the form.
        "quoted_for": quote.destination if known else "",
        "currency": currency,
        "international": country != HOME_COUNTRY,
        "parcels": {
            str(parcel.seller_id): _parcel_text(parcel, price, villages, lang) for parcel in price.parcels
        },
        "courier": money(courier.shipping_minor) if courier_known else "",
        "status": _status(quote, abroad=country != HOME_COUNTRY),
        "subtotal": money(price.subtotal_minor),
        "subtotal_minor": price.subtotal_minor,
        "shipping": shipping,
        "shipping_minor": price.shipping_minor if known else None,
        "total": total,
        "total_minor": price.total_minor if known else None,
        "total_idr": rupiah_reference(price.total_idr_minor, currency, price.exchange_rate, lang)
        if known
        else "",
        "line": _("Shipping %(shipping)s · total %(total)s", shipping=shipping, total=total) if known else "",
    }
