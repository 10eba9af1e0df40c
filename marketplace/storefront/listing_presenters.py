"""View models of a listing's frame: its pages, its summary line, the search heading and the price
range fields (in the currency the reader sees prices in). Templates only print them."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_number, ngettext
from flask_babel import gettext as _

from marketplace.html_refs import latin1_text
from marketplace.markets.context import HOME_CURRENCY
from marketplace.money import Money, amount_field_text, currency_exponent
from marketplace.storefront.price_filter import PricedSearch


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
