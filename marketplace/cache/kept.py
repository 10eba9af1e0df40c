"""Rows a listing shows, kept per process while nothing they show has changed (issue 16).

The page cache serves anonymous visitors a whole stored page; a logged-in buyer, a page with the
cache off or a page whose entry just went stale renders again, and the statements behind a listing
(the home page's featured and newest cards; a cluster's, a desa's or a search's count, ids and cards)
cost most of its database time: PostgreSQL plans each of them afresh (2–5 ms of planning for a card
select that runs in 0.3 ms). `kept_listing` keeps what such a view read, plain rows nobody mutates,
and serves them again while they are exactly what a page cache entry for that page would depend on:

- the catalogue generation (publishing, hiding, placements, renames, rates: every structural change);
- the card counters of the products it shows and the facets its choice or order rests on (stock,
  price, sales, rating), the same names the view gives `page_shows_products`.

A kept entry carries the `products` sequence value of the request that read it. Counters take their
values from that sequence, so the entry is still good while every counter it names is at most that
value: when this request's stamp shows the sequence has not moved, that needs no read at all;
otherwise one read of those counters (one SELECT, or one Redis MGET) decides, and a good entry then
moves up to this request's sequence value. The rows are read after the request's stamp, so a change
committed meanwhile has a counter past it and is caught on the next request, in every process.

Time-driven changes without a write (a featured window opening or closing) are the loader's to
state: it returns until when its rows hold. Without write tracking (tests that do not use the page
cache) or when the store is down, the rows are read every time, as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_request_context, request

from marketplace.cache.invalidation import card_counters
from marketplace.cache.store import STORE_ERRORS, product_counter
from marketplace.lru import BoundedLRU, per_app

#: An entry is read again after this long whatever the counters say (a counter that went back after
#: a restore or a Redis restart cannot keep old rows forever), as the kept rates are.
MAX_AGE_SECONDS = 300.0
#: Listings kept per store in a process: a page of 24 cards is ≈ 38 KB of Python objects, so the
#: listings' store holds ≈ 5 MB at most (the popular listings; a long tail of searches ages out).
MAX_ENTRIES = 128


@dataclass(frozen=True, slots=True)
class Loaded:
    """What a loader read: the value, the products it shows as cards and the facets it rests on."""

    value: Any
    product_ids: Iterable[int] = ()
    facets: Iterable[str] = ()


@dataclass(frozen=True, slots=True)
class _Entry:
    catalogue: int
    products: int
    loaded_at: float
    expires: float | None
    counters: tuple[str, ...]
    value: Any


def kept_listing(
    store: str,
    key: Hashable,
    load: Callable[[], Loaded],
    *,
    until: Callable[[], float | None] | None = None,
    entries: int = MAX_ENTRIES,
):
    """`load().value`, kept in `app.extensions[store]` (a BoundedLRU of `entries`) under `key` while
    the catalogue generation and the counters of what it shows hold (see the module's docstring).

    `until`, called only when the value is kept: the `time.time()` from which it may be wrong with
    no write to tell (a featured window opening or closing), None for never.

    `key` must hold everything the rows depend on besides those counters (the listing's parameters,
    the day when labels' validity matters); never the language or currency: the rows are neutral.
    """
    cache = current_app.extensions.get("page_cache")
    stamp = _stamp(cache)
    if stamp is None:
        return load().value
    kept = per_app(store, lambda: BoundedLRU(entries))
    found: _Entry | None = kept.get(key)
    if found is not None and _still_good(cache, found, stamp):
        if found.products != stamp.products:
            kept.put(key, _moved(found, stamp.products))
        return found.value
    loaded = load()
    counters = tuple(sorted(card_counters(loaded.product_ids, loaded.facets)))
    expires = until() if until is not None else None
    kept.put(key, _Entry(stamp.catalogue, stamp.products, time.monotonic(), expires, counters, loaded.value))
    return loaded.value


def _stamp(cache):
    """This request's stamp, read before any row is (None: nothing to keep by)."""
    if cache is None or not cache.track_writes or not has_request_context():
        return None
    # A GET reads outside a transaction on SQLite (extensions._sqlite_begin) and each PostgreSQL
    # statement sees what was committed when it began: rows read after the stamp are at least as new.
    if request.method not in ("GET", "HEAD"):
        return None
    return cache.stamp()


def _may_hold(entry: _Entry, stamp) -> bool:
    """What the stamp alone says of an entry: False when it cannot hold; True when it may (and
    does, if the products sequence has not moved since it was checked)."""
    if entry.catalogue != stamp.catalogue or time.monotonic() - entry.loaded_at > MAX_AGE_SECONDS:
        return False
    if stamp.products < entry.products:
        return False  # the counters went back (a restore, a Redis restart): nothing they say holds
    return entry.expires is None or time.time() < entry.expires


def _still_good(cache, entry: _Entry, stamp) -> bool:
    if not _may_hold(entry, stamp):
        return False
    if entry.products == stamp.products or not entry.counters:
        return True
    try:
        current = cache.backend.generations(entry.counters)
    except STORE_ERRORS:
        return False
    return all(value <= entry.products for value in current.values())


def _moved(entry: _Entry, products: int) -> _Entry:
    # Checked after this request's stamp was read: nothing it names changed up to then.
    return _Entry(entry.catalogue, products, entry.loaded_at, entry.expires, entry.counters, entry.value)


# ---------------------------------------------------------------- one product's value


def kept_per_product(
    store: str,
    product_ids: list[int],
    key: Hashable,
    make: Callable[[list[int]], dict[int, Any]],
    *,
    entries: int = MAX_ENTRIES,
) -> list[Any]:
    """One value per product (in the order of `product_ids`; a product `make` does not return is
    left out), each kept in `app.extensions[store]` under (product id, `key`) while the catalogue
    generation and that product's own page counter hold: every write that changes what is shown
    of one product moves its page counter (its stock count, price, variants and options) or the
    catalogue generation (its text, photos, labels, shop, publishing; see cache.invalidation).

    `make(ids)` builds the values of the products not kept, read after this request's stamp, so a
    change committed meanwhile has a counter past the entry's and is caught next time. Entries
    are checked as `kept_listing`'s, but the page counters of all the products whose entries need
    a read are read in one statement. `key` holds everything else a value depends on (language,
    currency, host, day). Values are shared between requests and threads: never change one."""
    cache = current_app.extensions.get("page_cache")
    stamp = _stamp(cache)
    if stamp is None:
        made = make(product_ids)
        return [made[i] for i in product_ids if i in made]
    kept = per_app(store, lambda: BoundedLRU(entries))
    found: dict[int, Any] = {}
    to_check: dict[int, _Entry] = {}
    for product_id in product_ids:
        entry: _Entry | None = kept.get((product_id, key))
        if entry is None or not _may_hold(entry, stamp):
            continue
        if entry.products == stamp.products:
            found[product_id] = entry.value
        else:
            to_check[product_id] = entry
    if to_check:
        try:
            current = cache.backend.generations([entry.counters[0] for entry in to_check.values()])
        except STORE_ERRORS:
            current = {}
        for product_id, entry in to_check.items():
            if current.get(entry.counters[0], entry.products + 1) <= entry.products:
                found[product_id] = entry.value
                kept.put((product_id, key), _moved(entry, stamp.products))
    missing = [i for i in product_ids if i not in found]
    if missing:
        now = time.monotonic()
        for product_id, value in make(missing).items():
            counters = (product_counter(product_id),)
            kept.put((product_id, key), _Entry(stamp.catalogue, stamp.products, now, None, counters, value))
            found[product_id] = value
    return [found[i] for i in product_ids if i in found]
