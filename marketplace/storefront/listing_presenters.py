"""View models of a listing's frame: its pages, its summary line, the search heading, the price
range fields (in the currency the reader sees prices in) and the search's filters on, each with the
address that drops it. Templates only print them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.html_refs import latin1_text
from marketplace.markets.context import HOME_CURRENCY
from marketplace.money import Money, amount_field_text, currency_exponent
from marketplace.storefront.price_filter import PricedSearch
from marketplace.storefront.search_params import SearchParams


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    current: bool


@dataclass(frozen=True)
class Pagination:
    prev_url: str
    next_url: str
    links: list[PageLink | None]  # None marks a gap ("…")
    summary: str


def pagination(result, url_for_page) -> Pagination | None:
    """Links for a `ProductPage`: previous/next and a window of page numbers; None for one page."""
    if result.pages <= 1:
        return None
    wanted = {1, result.pages, *range(max(1, result.page - 2), min(result.pages, result.page + 2) + 1)}
    links: list[PageLink | None] = []
    previous = 0
    for number in sorted(wanted):
        if number - previous > 1:
            links.append(None)
        links.append(PageLink(number, url_for_page(number), number == result.page))
        previous = number
    return Pagination(
        prev_url=url_for_page(result.page - 1) if result.has_prev else "",
        next_url=url_for_page(result.page + 1) if result.has_next else "",
        links=links,
        summary=_("Page %(page)d of %(pages)d", page=result.page, pages=result.pages),
    )


def search_heading(q: str) -> str:
    """The search page's heading: the words searched for, or all products."""
    if not q:
        return _("All products")
    return latin1_text(_("Results for “%(q)s”", q=q))


def result_summary(result) -> str:
    if not result.total:
        return _("No products found.")
    if result.total_capped:
        text = _(
            "Showing %(first)d–%(last)d of more than %(total)s products",
            first=result.first_index,
            last=result.last_index,
            total=format_number(result.total),
        )
        return latin1_text(text)
    return ngettext("%(num)d product", "%(num)d products", result.total)


@dataclass(frozen=True)
class PriceRangeForm:
    """The search form's price fields, in the currency the reader sees prices in."""

    legend: str  # "Harga (USD)"; rupiah: "Harga (Rp)"
    #: The hidden `price_currency` field's value: the reader's currency; "" for rupiah, whose
    #: searches' addresses name none (as they always did).
    price_currency: str
    inputmode: str  # "decimal" where the currency has cents, so phones offer the decimal mark
    min_text: str  # the bounds as the reader types them ("20,50" in Indonesian); "" for none
    max_text: str
    #: When the address's range is in another currency: that range, as the link states it.
    link_note: str


def _range_text(low: Money | None, high: Money | None, lang: str) -> str:
    if low is not None and high is not None:
        return _("%(low)s to %(high)s", low=low.format(lang), high=high.format(lang))
    if low is not None:
        return _("from %(price)s", price=low.format(lang))
    return _("up to %(price)s", price=high.format(lang))


def _field_text(amount: Money | None, lang: str) -> str:
    return "" if amount is None else amount_field_text(amount.minor, amount.currency, lang)


def price_range_form(priced: PricedSearch, lang: str) -> PriceRangeForm:
    """The price fields for `priced`'s reader: legend, hidden price_currency, the bounds, the link's
    range."""
    code = priced.shown_currency
    rupiah = code == HOME_CURRENCY
    note = ""
    if priced.converted:
        note = _(
            "This search's price range was set in %(currency)s (%(range)s); "
            "the fields show it in your currency.",
            currency=priced.params.range_currency,
            range=_range_text(priced.asked_min, priced.asked_max, lang),
        )
    return PriceRangeForm(
        legend=_("Price (Rp)") if rupiah else _("Price (%(currency)s)", currency=code),
        price_currency="" if rupiah else code,
        inputmode="decimal" if currency_exponent(code) else "numeric",
        min_text=_field_text(priced.shown_min, lang),
        max_text=_field_text(priced.shown_max, lang),
        link_note=note,
    )


@dataclass(frozen=True)
class ActiveFilter:
    """A filter on, as the chip above the results shows it ("Klaster: Batik"), with the address of
    the same search without it."""

    text: str
    remove_url: str


#: The filters a search page shows as chips by name, in the form's order.
_NAMED_FILTERS = (
    ("cluster", _l("Cluster")),
    ("village", _l("Village")),
    ("seller", _l("Shop")),
    ("label", _l("Quality label")),
)


def active_filters(
    params: SearchParams,
    priced: PricedSearch,
    lang: str,
    *,
    names: Mapping[str, str],
    url_with: Callable[[dict[str, str]], str],
) -> list[ActiveFilter]:
    """The filters on in `params`, in the form's order. `names` holds the shown names of the chosen
    cluster, village and label (their codes otherwise); `url_with(args)` is the search page's
    address with those query arguments. Each chip's address is the search's own, on its first
    page, less that filter's arguments. The price range reads as the form shows it: in the reader's
    currency. Only what is on is translated and linked."""
    args = params.to_args(page=1)

    def without(*names_: str) -> str:
        return url_with({name: value for name, value in args.items() if name not in names_})

    found: list[ActiveFilter] = []
    for field, title in _NAMED_FILTERS:
        value = getattr(params, field)
        if value:
            found.append(ActiveFilter(f"{title}: {names.get(field) or value}", without(field)))
    if params.has_price_range:
        low, high = priced.shown_min, priced.shown_max
        price = low.format(lang) if low is not None and low == high else _range_text(low, high, lang)
        found.append(
            ActiveFilter(f"{_('Price')}: {price}", without("min_price", "max_price", "price_currency"))
        )
    if params.in_stock:
        found.append(ActiveFilter(_("In stock only"), without("in_stock")))
    return found


#: How the page names a parameter of the address it ignored.
_PARAMETER_NAMES = {
    "q": _l("Words"),
    "cluster": _l("Cluster"),
    "village": _l("Village"),
    "seller": _l("Shop"),
    "label": _l("Quality label"),
    "min_price": _l("Lowest price"),
    "max_price": _l("Highest price"),
    "price_currency": _l("Currency of the price range"),
    "in_stock": _l("In stock only"),
    "sort": _l("Sort by"),
    "page": _l("Page number"),
    "per_page": _l("Products per page"),
}


def ignored_names(names) -> list[str]:
    """The address's parameters that were ignored, as the page names them to a buyer."""
    return [str(_PARAMETER_NAMES.get(name, name)) for name in dict.fromkeys(names)]
