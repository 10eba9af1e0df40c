"""The buyer's market (shipping country and display currency) for the current request.

`current_market()` is the one entry point other domains use (cart exportability, shipping,
checkout, price display). Outside a request it is the home market, Indonesia in rupiah.

How a request's market is chosen, first match wins, for country and currency separately:
1. `?currency=EUR&country=NL` in the URL (the response remembers them in this browser's cookies
   for a year; a GET never writes the account);
2. the `currency` / `country` cookies;
3. the logged-in account's `currency` / `country`, saved only by the chooser's POST (/market);
4. the browser's Accept-Language: the first entry that names a market (a region, en-SG → SG, or
   a language spoken in one place, ja → JP, nl → NL, de → DE; plain "en" names none). A visitor who
   chose Indonesian in this browser (`?lang=id` or its cookie) skips the English entries: phones in
   Indonesia commonly run in en-US, and "en-US" says less about where a visitor is than choosing
   Indonesian does (the choice's response remembers the country, markets.views);
5. the home market, ID.
A currency not chosen anywhere follows the country (SG → SGD, NL → EUR, US → USD, ID → IDR).
A currency without an exchange rate is not offered: the buyer sees rupiah (and a message when a
link asked for it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, TypeVar
from urllib.parse import parse_qsl

from flask import current_app, has_request_context, request

from marketplace.extensions import db
from marketplace.i18n import LANG_COOKIE
from marketplace.lru import BoundedLRU, per_app
from marketplace.request_locals import this_app, this_g, this_request, this_user
from marketplace.types import utcnow

T = TypeVar("T")

HOME_COUNTRY = "ID"
HOME_CURRENCY = "IDR"
CURRENCY_COOKIE = "currency"
COUNTRY_COOKIE = "country"

#: Currencies a buyer may see prices and pay in (each needs an exchange rate, except IDR).
SUPPORTED_CURRENCIES = ("IDR", "USD", "EUR", "SGD", "MYR", "AUD", "JPY", "GBP")

_EURO = ("AT", "BE", "DE", "ES", "FI", "FR", "IE", "IT", "LU", "NL", "PT")
#: Countries offered in the switcher, with the currency a buyer there sees by default.
COUNTRY_CURRENCIES: dict[str, str] = {
    "ID": "IDR", "SG": "SGD", "MY": "MYR", "BN": "USD", "TH": "USD", "PH": "USD", "VN": "USD",
    "JP": "JPY", "KR": "USD", "HK": "USD", "TW": "USD", "CN": "USD",
    "AU": "AUD", "NZ": "AUD",
    **{code: "EUR" for code in _EURO},
    "GB": "GBP", "CH": "EUR", "DK": "EUR", "SE": "EUR", "NO": "EUR",
    "US": "USD", "CA": "USD",
}  # fmt: skip
#: A language alone that names a market (Accept-Language without a region).
LANGUAGE_COUNTRIES = {
    "id": "ID",
    "ms": "MY",
    "ja": "JP",
    "nl": "NL",
    "de": "DE",
    "fr": "FR",
    "it": "IT",
    "es": "ES",
}


@dataclass(frozen=True, slots=True)
class Market:
    #: ISO 3166-1 alpha-2 country the buyer ships to.
    country: str
    #: ISO 4217 currency prices are shown (and card orders charged) in.
    currency: str

    @property
    def is_domestic(self) -> bool:
        return self.country == HOME_COUNTRY


HOME_MARKET = Market(HOME_COUNTRY, HOME_CURRENCY)


def normalize_currency(raw: object) -> Optional[str]:
    code = str(raw or "").strip().upper()
    return code if code in SUPPORTED_CURRENCIES else None


def normalize_country(raw: object) -> Optional[str]:
    code = str(raw or "").strip().upper()
    return code if code in COUNTRY_CURRENCIES else None


@lru_cache(maxsize=512)
def market_from_accept_language(header: str, *, skip_english: bool = False) -> Optional[tuple[str, str]]:
    """(country, currency) from the first Accept-Language entry that names a market, else None;
    with `skip_english`, entries in English (en-US, en-GB …) name none."""
    entries = []
    for position, part in enumerate(header.split(",")[:12]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])  # a header weight, not money
            except ValueError:
                continue
        if tag and quality > 0:
            entries.append((-quality, position, tag.strip().replace("_", "-").lower()))
    for _, _, tag in sorted(entries):
        language, _, rest = tag.partition("-")
        if skip_english and language == "en":
            continue
        region = rest.split("-")[-1].upper() if rest else ""
        country = region if region in COUNTRY_CURRENCIES else LANGUAGE_COUNTRIES.get(language)
        if country:
            return country, COUNTRY_CURRENCIES[country]
    return None


def choose_market(
    *,
    query: Mapping[str, str] | None = None,
    cookies: Mapping[str, str] | None = None,
    account: Optional[tuple[Optional[str], Optional[str]]] = None,
    accept_language: str = "",
    language: Optional[str] = None,
) -> Market:
    """The market the request asks for, before checking which currencies have a rate (pure).
    `language` is the UI language chosen in this browser (`chosen_language`), None if none was."""
    query = query or {}
    cookies = cookies or {}
    acc_country, acc_currency = account or (None, None)
    country = (
        normalize_country(query.get("country"))
        or normalize_country(cookies.get(COUNTRY_COOKIE))
        or normalize_country(acc_country)
    )
    currency = (
        normalize_currency(query.get("currency"))
        or normalize_currency(cookies.get(CURRENCY_COOKIE))
        or normalize_currency(acc_currency)
    )
    if country is None or currency is None:
        guessed = (
            market_from_accept_language(accept_language, skip_english=language == "id")
            if accept_language
            else None
        )
        if country is None:
            country = guessed[0] if guessed else HOME_COUNTRY
        if currency is None:
            currency = COUNTRY_CURRENCIES[country]
    return Market(country, currency)


def chosen_language(query: Mapping[str, str], cookies: Mapping[str, str]) -> Optional[str]:
    """The UI language chosen in this browser: `?lang=`, else its cookie (not Accept-Language)."""
    return (query.get("lang") or cookies.get(LANG_COOKIE) or "").strip().lower() or None


def cache_variant_from_environ(environ) -> str:
    """The market part of a cached page's key for a request without cookies (the WSGI fast path,
    which leaves a request with `?lang=` to Flask: no language was chosen)."""
    query = environ.get("QUERY_STRING", "")
    args = dict(parse_qsl(query)) if ("currency" in query or "country" in query) else None
    market = choose_market(query=args, accept_language=environ.get("HTTP_ACCEPT_LANGUAGE", ""))
    return f"{market.currency}-{market.country}"


def cache_variant() -> str:
    """The market part of cache keys for this (anonymous) request: pages show its prices."""
    market = choose_market(
        query=request.args,
        cookies=request.cookies,
        accept_language=request.headers.get("Accept-Language", ""),
        language=chosen_language(request.args, request.cookies),
    )
    return f"{market.currency}-{market.country}"


def _account_language() -> Optional[str]:
    """The language a signed-in person's account reads in: chosen, as a `?lang=` choice is (the UI
    shows it over Accept-Language, `i18n.select_locale`)."""
    user = this_user()
    return getattr(user, "locale", None) if getattr(user, "is_authenticated", False) else None


def _account_choice() -> Optional[tuple[Optional[str], Optional[str]]]:
    user = this_user()
    if getattr(user, "is_authenticated", False):
        return getattr(user, "country", None), getattr(user, "currency", None)
    return None


#: app.extensions key: a callable answering this request's *rate generation*, a shared counter that
#: every committed change to `exchange_rates` moves (the page cache registers its catalogue
#: generation, `cache.init_app`), or None when there is none to read (then rates are read per request).
RATE_GENERATION = "markets.rate_generation"
#: app.extensions key: the latest rates read, by rate generation (`BoundedLRU`, RATE_GENERATIONS_KEPT).
RATE_TABLES = "markets.rate_tables"
#: Generations kept: the current one, and the one before for requests that started before a change.
RATE_GENERATIONS_KEPT = 4
#: A kept read older than this is read again, whatever the generation says (a counter that went
#: back, after a restore or a Redis restart, must not bring back rates older than this).
RATE_TABLE_SECONDS = 300


def current_rates():
    """This request's RateTable: the latest rates, read at most once per request.

    With a rate generation to read (see RATE_GENERATION; the page cache reads it in the same round
    trip as its stamp, which an uncached anonymous page has read already), the rates themselves are
    read once per generation per process and kept: a new rate moves the generation on commit, so it
    shows on the next request in every process. Without one (tests without the page cache, a
    failed counter read), and outside requests, they are read from the database each time.
    """
    from marketplace.markets.services import DEFAULT_STALE_DAYS, RateTable, load_latest_rates

    in_request = has_request_context()
    if in_request:
        kept = this_g().get("rate_table")
        if kept is not None:
            return kept
    rates = kept_for_generation(RATE_TABLES, load_latest_rates) if in_request else None
    if rates is None:
        rates = load_latest_rates(db.session)
    table = RateTable(
        rates=rates,
        today=utcnow().date(),
        stale_days=int(current_app.config.get("RATE_STALE_DAYS", DEFAULT_STALE_DAYS)),
    )
    if in_request:
        this_g().rate_table = table
    return table


def kept_for_generation(store: str, load, *, kept: int = RATE_GENERATIONS_KEPT):
    """`load(db.session)` as read once per rate generation (the catalogue generation) in this
    process and kept in `app.extensions[store]` (a BoundedLRU of `kept` generations, each entry used
    for RATE_TABLE_SECONDS at most); None when there is no generation to read. Only for what every
    change bumps that generation for, and for results nobody mutates (they are shared by requests)."""
    read_generation = this_app().extensions.get(RATE_GENERATION)
    generation = read_generation() if read_generation is not None else None
    if generation is None:
        return None
    entries = per_app(store, lambda: BoundedLRU(kept))
    found = entries.get(generation)
    now = time.monotonic()
    if found is not None and now - found[0] < RATE_TABLE_SECONDS:
        return found[1]
    # Read after the generation: a change committed meanwhile moves it, and the next request reads again.
    value = load(db.session)
    entries.put(generation, (now, value))
    return value


def kept_for_generation_by_key(store: str, key: Hashable, build: Callable[[], T], *, entries: int) -> T:
    """`build()` kept per rate generation (the catalogue generation) under `key`, in a BoundedLRU of
    `entries` per generation (`kept_for_generation`'s rules); built every time when there is no
    generation to read. For what a page presents from the catalogue in several variants (language,
    host, mount point …) that only changes when the generation moves."""
    kept = kept_for_generation(store, lambda _session: BoundedLRU(entries))
    found = kept.get(key) if kept is not None else None
    if found is None:
        found = build()
        if kept is not None:
            kept.put(key, found)
    return found


def resolve_market(query: Mapping[str, str] | None = None) -> tuple[Market, list[str]]:
    """The request's market with currencies lacking a rate replaced by rupiah, and why (messages).

    `query` holds the explicit choice: the URL's arguments by default, the chooser's posted form.
    """
    from flask_babel import gettext as _

    req = this_request()
    query = req.args if query is None else query
    asked = choose_market(
        query=query,
        cookies=req.cookies,
        account=_account_choice(),
        accept_language=req.headers.get("Accept-Language", ""),
        language=chosen_language(req.args, req.cookies) or _account_language(),
    )
    problems: list[str] = []
    raw_currency = query.get("currency")
    raw_country = query.get("country")
    if raw_country is not None and normalize_country(raw_country) is None:
        problems.append(
            _(
                "We do not ship to “%(code)s” yet; showing %(country)s.",
                code=raw_country[:12],
                country=asked.country,
            )
        )
    currency = asked.currency
    if currency != HOME_CURRENCY and current_rates().get(currency) is None:
        currency = HOME_CURRENCY
        if raw_currency is not None and normalize_currency(raw_currency) == asked.currency:
            problems.append(
                _("Prices in %(code)s are not available right now; showing rupiah.", code=asked.currency)
            )
    if raw_currency is not None and normalize_currency(raw_currency) is None:
        problems.append(
            _(
                "“%(code)s” is not a currency we offer; showing %(currency)s.",
                code=raw_currency[:12],
                currency=currency,
            )
        )
    return Market(asked.country, currency), problems


def current_market() -> Market:
    """The market for this request (home market outside a request)."""
    if not has_request_context():
        return HOME_MARKET
    request_globals = this_g()
    market = request_globals.get("market")
    if market is None:
        market, _problems = resolve_market()
        request_globals.market = market
    return market
