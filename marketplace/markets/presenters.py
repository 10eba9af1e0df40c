"""Prices and the market switcher as templates show them, in the request's market."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote, urlencode

from babel import Locale
from flask import current_app, request
from flask_babel import gettext as _
from markupsafe import Markup, escape

from marketplace.accounts.redirects import safe_next_url
from marketplace.config import card_payments_available
from marketplace.errors import ValidationError
from marketplace.markets.context import (
    COUNTRY_CURRENCIES,
    HOME_CURRENCY,
    current_market,
    current_rates,
)
from marketplace.markets.services import display_price
from marketplace.money import Money
from marketplace.request_locals import this_request
from marketplace.timezones import day_text


def price_money(idr_minor: int, currency: str | None = None) -> Money:
    """A rupiah amount in the request's currency (or `currency`), at this request's rates."""
    return display_price(idr_minor, currency or current_market().currency, current_rates())


def price(idr_minor: int, lang: str, currency: str | None = None) -> str:
    """The one formatter for catalogue/cart prices a buyer sees: "€12.50", "Rp 125.000"."""
    return price_money(idr_minor, currency).format(lang)


def conversion_note(lang: str) -> str:
    """Shown beside converted prices: rupiah is the reference, the rate and its date."""
    market = current_market()
    if market.currency == HOME_CURRENCY:
        return ""
    rate = current_rates().get(market.currency)
    if rate is None:
        return ""
    values = {
        "currency": market.currency,
        "rate": Money(int(rate.rate.to_integral_value()), "IDR").format(lang),
        "date": day_text(rate.effective_date, lang),
    }
    if not card_payments_available(current_app.config):
        # Nothing is charged in a foreign currency then: the cart says why, the note only converts.
        return _("Prices converted from rupiah at 1 %(currency)s = %(rate)s (rate of %(date)s).", **values)
    return _(
        "Prices converted from rupiah at 1 %(currency)s = %(rate)s (rate of %(date)s). "
        "Card payments are charged in %(currency)s, exactly the total shown at checkout.",
        **values,
    )


@lru_cache(maxsize=8)  # one entry per language the site speaks: the list is the same on every page
def _countries_by_name(lang: str) -> tuple[tuple[str, str], ...]:
    try:
        names = Locale.parse(lang).territories
    except (ValueError, TypeError):
        names = {}
    return tuple(
        sorted(((code, names.get(code, code)) for code in COUNTRY_CURRENCIES), key=lambda item: item[1])
    )


@lru_cache(maxsize=64)  # a few languages × the countries visitors choose; each entry ~8 KB
def _country_options(lang: str, selected: str) -> Markup:
    """The ~250 `<option>`s of the ship-to list, made once per language and choice: every page has
    the list twice (menu and footer), and rendering it through Jinja was a tenth of a page's time."""
    return Markup("").join(
        Markup('<option value="{}"{}>{}</option>').format(
            code, Markup(" selected") if code == selected else "", escape(name)
        )
        for code, name in _countries_by_name(lang)
    )


def market_switcher(lang: str) -> dict:
    """What the header's chooser (a POST to /market) needs: choices, current values and the page
    to come back to."""
    market = current_market()
    # Back to this page with its other arguments (a search, a page number) but not the old choice.
    req = this_request()
    kept = [(k, v) for k, v in req.args.items(multi=True) if k not in ("currency", "country")]
    back = "/" + quote(req.path.lstrip("/"), safe="/-_.~:@!$&'()*+,;=")
    if kept:
        back += "?" + urlencode(kept[:20])
    return {
        "next": safe_next_url(back) or "/",
        "currency": market.currency,
        "country": market.country,
        "currencies": current_rates().offered(),
        "country_options": _country_options(lang, market.country),
    }


def lines_total(lines, currency: str | None = None) -> Money:
    """Sum of (IDR unit price, quantity) converted per unit then × quantity, as orders do it."""
    code = currency or current_market().currency
    total = Money.zero(price_money(0, code).currency)
    for unit_idr, quantity in lines:
        total = total + price_money(unit_idr, code) * quantity
    return total


def api_converted_price(idr_minor: int, lang: str) -> dict:
    """`{"price_converted": {...}}` for the JSON API when `?currency=` asks for it, else {}.

    The API stays stateless: only the query counts (no cookies, no account). Raises
    ValidationError (a 400) for a currency we do not offer or one without a rate.
    """
    from marketplace.markets.context import SUPPORTED_CURRENCIES, normalize_currency

    raw = request.args.get("currency")
    if raw is None:
        return {}
    code = normalize_currency(raw)
    if code is None:
        raise ValidationError(
            _(
                "%(name)s must be one of: %(values)s.",
                name="currency",
                values=", ".join(SUPPORTED_CURRENCIES),
            ),
            field="currency",
        )
    rates = current_rates()
    rate = rates.get(code)
    if code != HOME_CURRENCY and rate is None:
        raise ValidationError(
            _("There is no exchange rate for %(currency)s.", currency=code), field="currency"
        )
    money = display_price(idr_minor, code, rates)
    return {
        "price_converted": {
            "amount": money.minor,
            "currency": money.currency,
            "display": money.format(lang),
            "rate_idr_per_unit": f"{rate.rate.normalize():f}" if rate else "1",
            "rate_date": rate.effective_date.isoformat() if rate else None,
        }
    }
