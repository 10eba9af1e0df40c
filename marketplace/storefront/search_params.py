"""Search parameters of the public catalogue: parsed from query arguments, never raising.

A price range is in the currency the address states (`price_currency=USD`; none: rupiah, as
every address was before); storefront.price_filter turns it into rupiah for the query. It is not
`currency`, which on every page, this one too, chooses the currency the visitor sees prices in.

parse_search_params(args) -> SearchParams          never raises; bad values in .ignored
drop_unknown_filters(params, *, cluster_slugs=, village_slugs=, label_codes=) -> SearchParams
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from marketplace import numbers
from marketplace.markets.context import HOME_CURRENCY, normalize_currency
from marketplace.money import amount_arg, parse_typed_amount

SORTS = ("relevance", "newest", "price_asc", "price_desc", "rating", "best_selling")
DEFAULT_PER_PAGE = 24
MAX_PER_PAGE = 60
#: A 5,000-character query is cut here (and reported in `SearchParams.ignored`).
MAX_QUERY_LENGTH = 200
#: Only the first words of a query are searched; more words only make the index work harder.
MAX_QUERY_TOKENS = 8
#: Pages past this are treated as malformed (keeps OFFSET small and cheap).
MAX_PAGE = 10_000
#: Prices above this (Rp 1 trillion; as many cents of a currency abroad) are not a real filter.
MAX_PRICE = 10**12

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,139}$")
_LABEL_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
# Letters and digits only: nothing a query language (FTS5, tsquery, LIKE) could read as syntax.
_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_TRUE = {"1", "true", "on", "yes", "y"}
_FALSE = {"", "0", "false", "off", "no", "n"}


@dataclass(frozen=True)
class SearchParams:
    """A validated search. Build with `parse_search_params(request.args)`; never raises.

    `ignored` names the parameters whose values were malformed and dropped (or, for `q`,
    shortened), so a page can say so. Prices are minor units of `range_currency`: whole rupiah
    unless the address names another currency.
    """

    q: str = ""
    cluster: str | None = None
    village: str | None = None
    seller: str | None = None
    label: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    #: The currency of min_price/max_price as the address names it (`price_currency=USD`); None
    #: when it names none or there is no price range: rupiah.
    price_currency: str | None = None
    in_stock: bool = False
    sort: str = "newest"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    ignored: tuple[str, ...] = ()

    @property
    def tokens(self) -> tuple[str, ...]:
        """Lower-cased words of `q` (letters and digits only), at most MAX_QUERY_TOKENS."""
        return tuple(_TOKEN_RE.findall(self.q.lower()))[:MAX_QUERY_TOKENS]

    @property
    def effective_sort(self) -> str:
        """`relevance` needs words to rank by; without them the newest come first."""
        if self.sort == "relevance" and not self.tokens:
            return "newest"
        return self.sort

    @property
    def range_currency(self) -> str:
        """The currency min_price and max_price are in."""
        return self.price_currency or HOME_CURRENCY

    @property
    def has_price_range(self) -> bool:
        return self.min_price is not None or self.max_price is not None

    @property
    def has_filters(self) -> bool:
        """True when anything beyond the words narrows the results."""
        return self.filters_on > 0

    @property
    def filters_on(self) -> int:
        """How many filters narrow the results (a price range counts once), as the form's summary says."""
        return sum(
            (
                bool(self.cluster),
                bool(self.village),
                bool(self.seller),
                bool(self.label),
                self.has_price_range,
                self.in_stock,
            )
        )

    def replace(self, **changes) -> SearchParams:
        return dataclasses.replace(self, **changes)

    def to_args(self, **changes) -> dict[str, str]:
        """Query-string arguments that reproduce this search (defaults left out), for links."""
        params = dataclasses.replace(self, **changes) if changes else self
        args: dict[str, str] = {}
        if params.q:
            args["q"] = params.q
        for name in ("cluster", "village", "seller", "label"):
            value = getattr(params, name)
            if value:
                args[name] = value
        for name in ("min_price", "max_price"):
            value = getattr(params, name)
            if value is not None:
                args[name] = amount_arg(value, params.range_currency)
        if params.price_currency and params.has_price_range:
            args["price_currency"] = params.price_currency
        if params.in_stock:
            args["in_stock"] = "1"
        if params.sort != default_sort(params.q):
            args["sort"] = params.sort
        if params.page != 1:
            args["page"] = str(params.page)
        if params.per_page != DEFAULT_PER_PAGE:
            args["per_page"] = str(params.per_page)
        return args


def fold_accents(word: str) -> str:
    """`word` without its accents ("bátik" -> "batik", "café" -> "cafe"), as SQLite's index reads
    words (FTS5's remove_diacritics); `word` itself when that would not be one plain word."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))
    return plain if _TOKEN_RE.fullmatch(plain) else word


def title_words(text: str) -> list[str]:
    """The words of `text` as a search reads them: lower case, letters and digits only."""
    return _TOKEN_RE.findall(text.lower())


def default_sort(q: str) -> str:
    return "relevance" if _TOKEN_RE.search(q or "") else "newest"


def _parse_int(raw: str, low: int, high: int) -> int | None:
    value = raw.strip()
    # Past 18 digits nothing is in range, and int() refuses strings over 4,300 digits.
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    number = int(value)
    return number if low <= number <= high else None


def _parse_price(raw: str, currency: str) -> int | None:
    if currency != HOME_CURRENCY:
        amount = parse_typed_amount(raw, currency)
        return amount if amount is not None and amount <= MAX_PRICE else None
    # Indonesians write "Rp 50.000"; rupiah have no decimals, so separators can simply go.
    value = raw.strip().lower()
    value = value.removeprefix("rp").strip().removeprefix(".").strip()
    # …or "100rb", "1 jt", "1,5 juta" (numbers.SCALE_WORDS), as sellers type prices too.
    number, factor = numbers.split_scale(value, numbers.SCALE_WORDS)
    if factor:
        try:
            amount = numbers.scaled_amount(number, factor, lang="id")
        except numbers.AmountError:
            return None
        return amount if amount <= MAX_PRICE else None
    value = re.sub(r"[.,\s]", "", value)
    return _parse_int(value, 0, MAX_PRICE) if value else None


def _parse_slug(raw: str) -> str | None:
    value = raw.strip().lower()
    return value if _SLUG_RE.match(value) else None


def parse_search_params(args: Mapping[str, str]) -> SearchParams:
    """Validate raw query arguments into `SearchParams`, ignoring (and listing) malformed values.

    Accepted: q (cut to MAX_QUERY_LENGTH), cluster, village, seller (slugs), label (a label type
    code), price_currency (of the price range: one we offer; none: rupiah), min_price/max_price (in
    it, in major units: "50.000" rupiah, "20.50" or "20,50" dollars; swapped when reversed; dropped
    with an unknown price_currency, which they cannot be read in), in_stock
    (1/true/on/yes or 0/false/off/no), sort (one of SORTS; default relevance with words, newest
    without), page (1..MAX_PAGE), per_page (1..MAX_PER_PAGE). Empty values count as absent.
    """
    ignored: list[str] = []

    def raw(name: str) -> str:
        value = args.get(name)
        return value if isinstance(value, str) else ""

    q = _CONTROL_RE.sub(" ", raw("q")).strip()
    if len(q) > MAX_QUERY_LENGTH:
        q = q[:MAX_QUERY_LENGTH].strip()
        ignored.append("q")
    q = " ".join(q.split())

    slugs: dict[str, str | None] = {}
    for name in ("cluster", "village", "seller"):
        value = raw(name).strip()
        slugs[name] = _parse_slug(value) if value else None
        if value and slugs[name] is None:
            ignored.append(name)

    label_raw = raw("label").strip()
    label = label_raw if label_raw and _LABEL_CODE_RE.match(label_raw) else None
    if label_raw and label is None:
        ignored.append("label")

    currency_raw = raw("price_currency").strip()
    price_currency = normalize_currency(currency_raw) if currency_raw else None
    if currency_raw and price_currency is None:
        ignored.append("price_currency")
    prices: dict[str, int | None] = {}
    for name in ("min_price", "max_price"):
        value = raw(name).strip()
        readable = not currency_raw or price_currency is not None
        prices[name] = _parse_price(value, price_currency or HOME_CURRENCY) if value and readable else None
        if value and prices[name] is None:
            ignored.append(name)
    min_price, max_price = prices["min_price"], prices["max_price"]
    if min_price is None and max_price is None:
        price_currency = None  # nothing is in it: the address means what it means without it
    if min_price is not None and max_price is not None and min_price > max_price:
        min_price, max_price = max_price, min_price

    stock_raw = raw("in_stock").strip().lower()
    in_stock = stock_raw in _TRUE
    if stock_raw not in _TRUE and stock_raw not in _FALSE:
        ignored.append("in_stock")

    sort_raw = raw("sort").strip().lower()
    sort = sort_raw if sort_raw in SORTS else default_sort(q)
    if sort_raw and sort_raw not in SORTS:
        ignored.append("sort")

    page_raw = raw("page")
    page = _parse_int(page_raw, 1, MAX_PAGE) if page_raw.strip() else 1
    if page is None:
        ignored.append("page")
        page = 1

    per_page_raw = raw("per_page")
    per_page = _parse_int(per_page_raw, 1, MAX_PER_PAGE) if per_page_raw.strip() else DEFAULT_PER_PAGE
    if per_page is None:
        ignored.append("per_page")
        per_page = DEFAULT_PER_PAGE

    return SearchParams(
        q=q,
        cluster=slugs["cluster"],
        village=slugs["village"],
        seller=slugs["seller"],
        label=label,
        min_price=min_price,
        max_price=max_price,
        price_currency=price_currency,
        in_stock=in_stock,
        sort=sort,
        page=page,
        per_page=per_page,
        ignored=tuple(ignored),
    )


def drop_unknown_filters(
    params: SearchParams,
    *,
    cluster_slugs: Sequence[str] | None = None,
    village_slugs: Sequence[str] | None = None,
    label_codes: Sequence[str] | None = None,
) -> SearchParams:
    """Drop (and list in `ignored`) filters naming a cluster, village or label that does not exist.

    Pure: the caller passes the slugs it already loaded (e.g. for the filter form), so this costs
    no query. A sequence of None skips that check.
    """
    changes: dict[str, str | None] = {}
    for name, known in (("cluster", cluster_slugs), ("village", village_slugs), ("label", label_codes)):
        value = getattr(params, name)
        if value and known is not None and value not in set(known):
            # `label=HALAL` for the code `halal`: a code typed in another case is that code.
            same = [code for code in known if code.lower() == value.lower()] if name == "label" else []
            changes[name] = same[0] if len(same) == 1 else None
    if not changes:
        return params
    dropped = tuple(name for name, value in changes.items() if value is None)
    return dataclasses.replace(params, **changes, ignored=params.ignored + dropped)
