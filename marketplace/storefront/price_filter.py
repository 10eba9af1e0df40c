"""The search's price range: typed in the currency a buyer sees, compared in the rupiah kept.

A buyer abroad types the range in the currency prices are shown to them in, and the search's
address states it (`price_currency=USD`; none: rupiah, as addresses always meant). It chooses
nothing else: `currency`, as on every page, is the visitor's choice of the currency they see prices
in, and a link may carry both. A product is in the range when the price a buyer of the range's
currency sees on its card - converted from rupiah and rounded half up
(markets.services.convert_from_idr) - is within it. The bounds become whole-rupiah bounds once per
request (markets.price_bounds: exact integers from the Decimal rate), so the query still compares
`price_minor` with integers, and kept listings are keyed by the rupiah they select.

A link opened by a buyer of another currency (a rupiah search sent abroad, a search in dollars
opened in Indonesia) selects the same products at today's rate: its range is the link's, whatever
the reader's currency. The form shows the bounds in the reader's currency, as a price would be
shown, with the link's own range beside them, and the next search from the form is in the
reader's currency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from marketplace.markets.context import HOME_CURRENCY
from marketplace.markets.price_bounds import cheapest_idr_price_shown_from, dearest_idr_price_shown_up_to
from marketplace.markets.services import RateTable, display_price
from marketplace.money import Money
from marketplace.storefront.search_params import SearchParams


@dataclass(frozen=True)
class PricedSearch:
    """A search with its price range resolved for one reader (see the module's docstring)."""

    #: The search as its address asks; a range in a currency without a rate is dropped and listed
    #: in `ignored`, as a malformed value is. Links from the page (pages, sorts) repeat this.
    params: SearchParams
    #: The same search with the range in whole rupiah: what `search_products` compares.
    in_rupiah: SearchParams
    #: The currency the reader sees prices in, and the bounds in it (None: no such bound): as typed
    #: when the address is in it, else converted from the rupiah bounds as a price is.
    shown_currency: str
    shown_min: Money | None = None
    shown_max: Money | None = None

    @property
    def asked_min(self) -> Money | None:
        """The lower bound as the address states it."""
        return _money(self.params.min_price, self.params.range_currency)

    @property
    def asked_max(self) -> Money | None:
        return _money(self.params.max_price, self.params.range_currency)

    @property
    def converted(self) -> bool:
        """True when the address's range is in another currency than the reader's."""
        return self.params.has_price_range and self.params.range_currency != self.shown_currency


def _money(minor: int | None, currency: str) -> Money | None:
    return None if minor is None else Money(minor, currency)


def _in_rupiah(minor: int | None, currency: str, rate: Decimal, bound: Callable[[Money, Decimal], int]):
    return None if minor is None else bound(Money(minor, currency), rate)


def price_search(params: SearchParams, *, shown_currency: str, rates: RateTable) -> PricedSearch:
    """`params` with its price range in rupiah for the query and in `shown_currency` for the form.

    A range in a currency without a rate today cannot be put in rupiah: it is dropped, and
    `price_currency` and the bounds are listed in `ignored`. Never raises on params.
    """
    if not params.has_price_range:
        return PricedSearch(params, params, shown_currency)
    asked = params.range_currency
    rate = rates.get(asked) if asked != HOME_CURRENCY else None
    if asked != HOME_CURRENCY and rate is None:
        given = [name for name in ("min_price", "max_price") if getattr(params, name) is not None]
        dropped = params.replace(
            min_price=None,
            max_price=None,
            price_currency=None,
            ignored=(*params.ignored, "price_currency", *given),
        )
        return PricedSearch(dropped, dropped, shown_currency)
    exact = rate.rate if rate is not None else Decimal(1)  # unread for rupiah: they are compared as typed
    low = _in_rupiah(params.min_price, asked, exact, cheapest_idr_price_shown_from)
    high = _in_rupiah(params.max_price, asked, exact, dearest_idr_price_shown_up_to)
    in_rupiah = params.replace(min_price=low, max_price=high, price_currency=None)
    if asked == shown_currency:
        shown_min, shown_max = _money(params.min_price, asked), _money(params.max_price, asked)
    else:
        # Each rupiah bound as a card would show that price: the reader's form then keeps every
        # product the link's range holds (and at most those shown at the same rounded bound).
        shown_min = None if low is None else display_price(low, shown_currency, rates)
        shown_max = None if high is None else display_price(high, shown_currency, rates)
    return PricedSearch(params, in_rupiah, shown_currency, shown_min, shown_max)
