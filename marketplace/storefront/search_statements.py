"""Search statements built once per process and shape, their values bound at execution.

A search's SQL depends on its shape - the database, the sort, how many words, which filters are
set - and its values: the words, slugs, prices, today's date, limits. `storefront/search.py` builds
each shape once (`built`) with bind parameters in place of the values (`bind_filters` for the
filters), so a request skips building the statements and SQLAlchemy computing their cache keys
(about 2 ms of CPU a search page; bench/README.md). The shapes are finite (a few thousand at
most, most never asked for); the bound keeps memory flat regardless.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from marketplace.labels.visibility import label_code_token, label_day
from marketplace.lru import BoundedLRU
from marketplace.markets.context import HOME_CURRENCY
from marketplace.storefront.search_params import SearchParams

_STATEMENTS: BoundedLRU[sa.Select] = BoundedLRU(512)


def built(key: Hashable, build: Callable[[], sa.Select]) -> sa.Select:
    """`build()`'s statement, kept under `key` (everything its shape depends on). Not at import:
    building configures the mappers. A Select is immutable (safe to share between threads) and
    SQLAlchemy keeps its cache key on it."""
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = build()
        _STATEMENTS.put(key, stmt)
    return stmt


_FILTER_NAMES = ("cluster", "village", "seller", "label", "min_price", "max_price")
_FILTER_PARAMS = {name: sa.bindparam(f"f_{name}") for name in _FILTER_NAMES}
#: The date a label must be valid on (`has_visible_label_filter`), bound like the filters.
TODAY = sa.bindparam("f_today")
#: PostgreSQL's label filter over `Product.label_codes` (`has_listed_label_filter`): what precedes
#: the code's date, and today as those dates are written.
LABEL_TOKEN = sa.bindparam("f_label_token")
LABEL_DAY = sa.bindparam("f_label_day")


@dataclass(frozen=True)
class Filters:
    """A search's filters as bind parameters (None: not set), read like SearchParams' own."""

    cluster: sa.BindParameter | None
    village: sa.BindParameter | None
    seller: sa.BindParameter | None
    label: sa.BindParameter | None
    min_price: sa.BindParameter | None
    max_price: sa.BindParameter | None
    in_stock: bool

    @property
    def key(self) -> tuple[bool, ...]:
        """The shape the filters give a statement: which are set."""
        return tuple(getattr(self, name) is not None for name in _FILTER_NAMES) + (self.in_stock,)


def bind_filters(params: SearchParams, today: date) -> tuple[Filters, dict]:
    """(the params' filters as bind parameters, the values to execute with): a price is set when
    not None, any other filter when not empty, as the filters always read them. Prices are compared
    with `price_minor` (rupiah): a range in another currency is converted first
    (storefront.price_filter), else ValueError."""
    if params.range_currency != HOME_CURRENCY and params.has_price_range:
        raise ValueError(f"a price range in {params.range_currency} must be converted to rupiah first")
    values: dict = {"f_today": today}
    bound = {}
    for name in _FILTER_NAMES:
        value = getattr(params, name)
        is_set = value is not None if name in ("min_price", "max_price") else bool(value)
        bound[name] = _FILTER_PARAMS[name] if is_set else None
        if is_set:
            values[f"f_{name}"] = value
    if bound["label"] is not None:
        values["f_label_token"] = label_code_token(params.label)
        values["f_label_day"] = label_day(today)
    return Filters(**bound, in_stock=bool(params.in_stock)), values
