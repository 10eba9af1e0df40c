"""The page cache's store: the generation counters and where entries live.

`MemoryBackend` keeps entries in this process and the counters in the `cache_generations` table;
`RedisBackend` keeps both in Redis. Used by `marketplace.cache` (pages and fragments) and
`marketplace.cache.cookieless` (hits answered before Flask). The scheme the counters implement is
described in `marketplace.cache`; this module only stores, reads and checks them:

- an entry is `tag \n payload`; the tag is the catalogue generation it was rendered for, then
  `name=value` for each counter it depends on (`products=…` for an entry that named no products;
  `p:<id>=…` and `f:<facet>=…` for one that did);
- `lookup(key)` returns the current `Stamp` (catalogue generation, products sequence) and the
  entry's payload only if every counter in its tag still holds the value written there: one round
  trip (a Lua script in Redis; one `SELECT … WHERE name IN (…)` beside the in-process entry);
- `bump(CATALOGUE)` adds one to the catalogue generation; `bump_products(names)` takes the next
  value of the `products` sequence and writes it into each named counter, atomically, so a counter's
  value is the sequence number of its last change.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import NamedTuple, Protocol

import redis
import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.utils import get_content_type

from marketplace.cache.driver_reads import (
    compiled_read,
    driver_statement,
    fetch_pairs,
    fetch_raw,
    in_sql,
    read_retrying_once,
)
from marketplace.extensions import db

log = logging.getLogger(__name__)

#: Structural changes (a product published or hidden, a placement, a seller, a rate…): every entry.
CATALOGUE = "catalogue"
#: The sequence every per-product change advances; entries that named no products depend on it.
PRODUCTS = "products"
#: request.environ key: this request's Stamp, read once, before anything is rendered.
GENERATION_MEMO = "marketplace.catalogue_generation"
#: Stands in for the per-visitor CSRF token inside a stored page.
CSRF_PLACEHOLDER = b"\x00pd-csrf-token\x00"
#: Key kind of stored pages; "page3": tagged with their counters (older entries miss).
PAGE_KIND = "page3"
#: Key kind of stored fragments (cached_fragment).
FRAGMENT_KIND = "fragment3"


class Stamp(NamedTuple):
    """The counters read when a request starts: the catalogue generation and the products sequence."""

    catalogue: int
    products: int


def product_counter(product_id: int) -> str:
    """The counter of one product's own page: anything about it changed (its stock count too)."""
    return f"p:{int(product_id)}"


def card_counter(product_id: int) -> str:
    """The counter of one product's card: what a card shows changed (price, in stock or not…)."""
    return f"c:{int(product_id)}"


def facet_counter(facet: str) -> str:
    """The counter of a product attribute that listings filter or sort on (stock, price…)."""
    return f"f:{facet}"


def make_tag(catalogue: int, counters: Iterable[tuple[str, int]]) -> bytes:
    return " ".join([str(catalogue), *(f"{name}={value}" for name, value in counters)]).encode("ascii")


def parse_tag(tag: bytes) -> tuple[int, list[tuple[str, int]]] | None:
    """(catalogue generation, [(counter, value)…]) of a stored tag; None if it is not one."""
    first, *rest = tag.decode("ascii", "replace").split(" ")
    try:
        counters = []
        for token in rest:
            name, _, value = token.partition("=")
            counters.append((name, int(value)))
        return int(first), counters
    except ValueError:
        return None


class CacheGeneration(db.Model):
    """A named counter shared by every app process when there is no Redis."""

    __tablename__ = "cache_generations"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


# ---------------------------------------------------------------- backends


class Backend(Protocol):
    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, ttl: int) -> None: ...
    def generation(self, name: str) -> int: ...
    def generations(self, names: Sequence[str]) -> dict[str, int]: ...
    def lookup(self, key: str, stamp: Stamp | None = None) -> tuple[Stamp, bytes | None]: ...
    def bump(self, name: str) -> None: ...
    def bump_products(self, names: Iterable[str]) -> None: ...


def check_entry(value: bytes | None, current: dict[str, int]) -> bytes | None:
    """The payload of a stored `tag \n payload` if every counter in its tag has its current value."""
    if value is None:
        return None
    tag, _, payload = value.partition(b"\n")
    parsed = parse_tag(tag)
    if parsed is None or parsed[0] != current.get(CATALOGUE, 0):
        return None
    for name, wanted in parsed[1]:
        if current.get(name, 0) != wanted:
            return None
    return payload


def tag_names(value: bytes | None) -> list[str]:
    """The counters a stored entry's tag names."""
    if value is None:
        return []
    parsed = parse_tag(value.partition(b"\n")[0])
    return [name for name, _ in parsed[1]] if parsed else []


class MemoryBackend:
    """Entries in this process (bounded, with TTL); the generation in the database, shared by all."""

    #: The generation reader's own small pool (per process): a read holds a connection for one
    #: round trip, so a handful serves many threads; more waiters queue instead of opening more.
    READER_POOL_SIZE = 2
    READER_MAX_OVERFLOW = 3

    def __init__(self, max_entries: int = 2000):
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._reader: sa.Engine | None = None
        #: The app's engine, for reads outside an app context (the WSGI fast path); else db.engine.
        self.engine: sa.Engine | None = None

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._entries.get(key)
            if item is None:
                return None
            expires, value = item
            if expires < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: bytes, ttl: int) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def generation(self, name: str) -> int:
        return self.generations([name])[name]

    def generations(self, names: Sequence[str]) -> dict[str, int]:
        """One autocommit SELECT on a connection borrowed for that statement alone.

        Through the request's ORM session the same read cost four round trips (the pool's pre-ping,
        BEGIN, the SELECT, and the ROLLBACK when the session is returned). The reader's own engine
        runs in autocommit without pre-ping or reset, so a read is one round trip, and the
        connection goes back to its pool at once: nothing is tied to a thread or outlives the read
        (a connection kept per thread leaked one per request under a thread-per-connection server).
        Nothing is cached in the process: every request sees the values committed last. One
        statement reads all the names, so they come from one snapshot. A name without a row is 0.

        On the pooled DBAPI connection's own cursor, not a SQLAlchemy Connection: every uncached
        page (and every logged-in one) makes this read, and SQLAlchemy's execution context and
        result around one two-row SELECT cost 0.33 ms of CPU against 0.14 on the cursor
        (PostgreSQL, psycopg; `bench/README.md`, issue 16). Errors are SQLAlchemy's as before.
        """
        names = list(dict.fromkeys(names))
        reader = self.reader()
        dialect = reader.dialect
        sql = in_sql(dialect.paramstyle, len(names))
        params = {f"n{i}": n for i, n in enumerate(names)} if dialect.paramstyle == "named" else tuple(names)
        found = read_retrying_once(lambda: fetch_pairs(reader, sql, params))
        return {name: int(found.get(name) or 0) for name in names}

    def read_row(self, statement: sa.Select, params: dict) -> tuple | None:
        """The first row of `statement`, read as `generations` reads: one autocommit round trip on
        the reader, outside the request's transaction (a logged-in visitor's page reads their
        account row this way, with the counters folded in: cache/with_login.py).

        On the driver's cursor too, with the statement compiled once (`compiled_read`) and each
        column converted as SQLAlchemy's Result would: through a Connection the read cost a
        logged-in page 0.55 ms of a gunicorn worker's CPU, against 0.15 for a guest's counters.
        `statement` is built once (the compiled form is kept by its identity); list parameters
        expand as SQLAlchemy's expanding IN does."""
        reader = self.reader()
        compiled, processors = compiled_read(statement, reader.dialect)
        sql, values = driver_statement(compiled, params)
        rows = read_retrying_once(lambda: fetch_raw(reader, sql, values))
        if not rows:
            return None
        return tuple(
            value if process is None else process(value)
            for process, value in zip(processors, rows[0], strict=True)
        )

    def lookup(self, key: str, stamp: Stamp | None = None) -> tuple[Stamp, bytes | None]:
        """The entry is in this process: one SELECT reads the stamp and the counters its tag names
        (none at all when the stamp is known and there is no entry)."""
        value = self.get(key)
        if value is None and stamp is not None:
            return stamp, None
        current = self.generations([CATALOGUE, PRODUCTS, *tag_names(value)])
        if stamp is None:
            stamp = Stamp(current[CATALOGUE], current[PRODUCTS])
        return stamp, check_entry(value, current)

    def reader(self) -> sa.Engine:
        """The generation reader's engine, built once from the app's engine and disposed with it."""
        reader = self._reader
        if reader is not None:
            return reader
        with self._lock:
            if self._reader is None:
                source = self.engine or db.engine
                self._reader = sa.create_engine(
                    source.url,
                    pool_size=self.READER_POOL_SIZE,
                    max_overflow=self.READER_MAX_OVERFLOW,
                    pool_timeout=10,
                    pool_reset_on_return=None,  # autocommit: there is never a transaction to end
                    isolation_level="AUTOCOMMIT",
                )
                # Tests and `flask` commands dispose the app's engine: the reader follows.
                event.listen(source, "engine_disposed", self._dispose_reader)
            return self._reader

    def _dispose_reader(self, engine=None) -> None:
        with self._lock:
            reader, self._reader = self._reader, None
        if reader is not None:
            reader.dispose()

    def pool_status(self) -> dict[str, int]:
        """Connections the reader holds: checked out now, and open in all (for /healthz)."""
        reader = self._reader
        if reader is None:
            return {"checked_out": 0, "open": 0}
        return _pool_numbers(reader.pool)

    def bump(self, name: str) -> None:
        # Its own short transaction, after the change committed: no lock held across the caller's work.
        table = CacheGeneration.__table__
        with db.engine.begin() as conn:
            stmt = _insert(conn)(table).values(name=name, value=1)
            conn.execute(
                stmt.on_conflict_do_update(index_elements=[table.c.name], set_={"value": table.c.value + 1})
            )

    def bump_products(self, names: Iterable[str]) -> None:
        """The next `products` value into each named counter, in one short transaction.

        The `products` row is taken first, so bumps queue on it: each counter only grows, and a
        reader (one statement) sees all of a bump or none of it.
        """
        table = CacheGeneration.__table__
        others = sorted(set(names) - {PRODUCTS, CATALOGUE})
        with db.engine.begin() as conn:
            if others and conn.dialect.name == "postgresql":
                # One statement: the CTE takes the `products` row (and its lock) first; the
                # outer INSERT writes the named counters at the value the CTE returns.
                conn.execute(_BUMP_PRODUCTS_PG, {"products": PRODUCTS, "names": others})
                return
            insert = _insert(conn)
            first = insert(table).values(name=PRODUCTS, value=1)
            sequence = conn.execute(
                first.on_conflict_do_update(
                    index_elements=[table.c.name], set_={"value": table.c.value + 1}
                ).returning(table.c.value)
            ).scalar_one()
            if others:
                stmt = insert(table).values([{"name": name, "value": sequence} for name in others])
                conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=[table.c.name], set_={"value": stmt.excluded.value}
                    )
                )


#: MemoryBackend.bump_products on PostgreSQL in one round trip (a data-modifying CTE).
_BUMP_PRODUCTS_PG = sa.text(
    "WITH seq AS ("
    " INSERT INTO cache_generations (name, value) VALUES (:products, 1)"
    " ON CONFLICT (name) DO UPDATE SET value = cache_generations.value + 1"
    " RETURNING value)"
    " INSERT INTO cache_generations (name, value)"
    " SELECT other.name, seq.value FROM seq CROSS JOIN unnest(CAST(:names AS varchar[])) AS other(name)"
    " ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)


def _insert(conn: sa.Connection):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def database_pool_status() -> dict[str, dict[str, int]]:
    """This process's database pools: the app's, and the page cache's generation reader's."""
    status = {"app": _pool_numbers(db.engine.pool)}
    cache = current_app.extensions.get("page_cache") if has_app_context() else None
    if cache is not None and isinstance(cache.backend, MemoryBackend):
        status["cache_reader"] = cache.backend.pool_status()
    return status


def _pool_numbers(pool: sa.pool.Pool) -> dict[str, int]:
    checked_out = int(pool.checkedout()) if hasattr(pool, "checkedout") else 0
    held = int(pool.checkedin()) + checked_out if hasattr(pool, "checkedin") else checked_out
    return {"checked_out": checked_out, "open": held}


class RedisUnavailable(redis.ConnectionError):
    """Redis failed a moment ago: calls fail at once until the next retry (no wait per request)."""


def _catalogue_start() -> int:
    return time.time_ns() // 1000


class RedisBackend:
    """Entries and the generation in Redis, shared by every process that uses the same REDIS_URL.

    When Redis stops answering, this process notes it (one warning, not one per request) and for
    `RETRY_SECONDS` every call raises `RedisUnavailable` at once, so pages are rendered uncached
    without each one waiting for a connection to time out. The next call after that tries Redis
    again; when it answers (logged once), the generations this process failed to bump meanwhile
    are bumped first, so no page cached before the outage outlives a change made during it.
    """

    #: After a failure, how long calls fail fast before Redis is tried again.
    RETRY_SECONDS = 2.0

    #: KEYS: the catalogue and products counters, the entry. ARGV[1]: the counters' key prefix.
    #: Returns {catalogue, products, payload or nil}: the tag checked where the counters live.
    LOOKUP_SCRIPT = """
local gens = redis.call('MGET', KEYS[1], KEYS[2])
local catalogue = gens[1] or '0'
local products = gens[2] or '0'
local value = redis.call('GET', KEYS[3])
if not value then return {catalogue, products, false} end
local newline = string.find(value, '\\n', 1, true)
if not newline then return {catalogue, products, false} end
local first = true
for token in string.gmatch(string.sub(value, 1, newline - 1), '%S+') do
  if first then
    if token ~= catalogue then return {catalogue, products, false} end
    first = false
  else
    local eq = string.find(token, '=', 1, true)
    if not eq then return {catalogue, products, false} end
    local name = string.sub(token, 1, eq - 1)
    local have = redis.call('GET', ARGV[1] .. name) or '0'
    if have ~= string.sub(token, eq + 1) then return {catalogue, products, false} end
  end
end
return {catalogue, products, string.sub(value, newline + 1)}
"""
    #: KEYS: the products counter, then the counters to set to its next value.
    BUMP_SCRIPT = """
local sequence = redis.call('INCR', KEYS[1])
for i = 2, #KEYS do redis.call('SET', KEYS[i], sequence) end
return sequence
"""

    #: KEYS: the catalogue generation. ARGV[1]: where it starts in a Redis that has none.
    BUMP_CATALOGUE_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], ARGV[1]) end
return redis.call('INCR', KEYS[1])
"""

    def __init__(self, url: str, prefix: str = "pd:"):
        self.prefix = prefix
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._lookup = self.client.register_script(self.LOOKUP_SCRIPT)
        self._bump_catalogue = self.client.register_script(self.BUMP_CATALOGUE_SCRIPT)
        self._bump_products = self.client.register_script(self.BUMP_SCRIPT)
        self._lock = threading.Lock()
        #: time.monotonic() before which calls fail fast; None while Redis answers.
        self._down_until: float | None = None
        #: Generations whose bump failed while Redis was away (bumped when it answers again).
        self._missed_bumps: set[str] = set()

    def _call(self, method, *args, **kwargs):
        try:
            if self._down_until is not None:
                if time.monotonic() < self._down_until:
                    raise RedisUnavailable("Redis did not answer a moment ago")
                self._recover()
            return method(*args, **kwargs)
        except RedisUnavailable:
            raise
        except redis.RedisError as error:
            self._failed(error)
            raise RedisUnavailable(str(error)) from error

    def _failed(self, error: Exception) -> None:
        with self._lock:
            first = self._down_until is None
            self._down_until = time.monotonic() + self.RETRY_SECONDS
        if first:
            log.warning(
                "Redis is unreachable (%s): pages are served uncached, retrying every %ss",
                error,
                self.RETRY_SECONDS,
            )

    def _recover(self) -> None:
        """Redis may be back: ask it, bump what was missed, and only then use it again."""
        self.client.ping()
        with self._lock:
            missed = set(self._missed_bumps)
        for name in missed:
            if name == CATALOGUE:
                self._bump_catalogue(keys=[self._catalogue_key], args=[_catalogue_start()])
            else:
                self.client.incr(f"{self.prefix}gen:{name}")
        with self._lock:
            if self._down_until is None:
                return  # another thread got there first
            self._down_until = None
            self._missed_bumps -= missed
        log.warning("Redis answers again: the page cache is in use again")

    def get(self, key: str) -> bytes | None:
        return self._call(self.client.get, self.prefix + key)

    def set(self, key: str, value: bytes, ttl: int) -> None:
        self._call(self.client.set, self.prefix + key, value, ex=ttl)

    def generation(self, name: str) -> int:
        return int(self._call(self.client.get, f"{self.prefix}gen:{name}") or 0)

    @property
    def _catalogue_key(self) -> str:
        return f"{self.prefix}gen:{CATALOGUE}"

    def _started_catalogue(self) -> int:
        """The catalogue generation of a Redis that holds none (new, restarted or emptied), set once.

        Processes keep pages and listings tagged with the generations they read
        (`storefront.product_page`, `cache.kept`). Counters that restarted from 0 could come round
        to a tag's values from before the restart; a catalogue that starts at the time in
        microseconds differs from every value an earlier Redis gave, so such tags never match.
        """
        self._call(self.client.set, self._catalogue_key, _catalogue_start(), nx=True)
        return int(self._call(self.client.get, self._catalogue_key) or 0)

    def generations(self, names: Sequence[str]) -> dict[str, int]:
        names = list(dict.fromkeys(names))
        values = self._call(self.client.mget, [f"{self.prefix}gen:{name}" for name in names])
        found = {name: int(value or 0) for name, value in zip(names, values, strict=True)}
        if found.get(CATALOGUE) == 0:
            found[CATALOGUE] = self._started_catalogue()
        return found

    def lookup(self, key: str, stamp: Stamp | None = None) -> tuple[Stamp, bytes | None]:
        # One round trip: the script reads the stamp and the entry and checks the entry's tag.
        gen = f"{self.prefix}gen:"
        catalogue, products, payload = self._call(
            self._lookup, keys=[gen + CATALOGUE, gen + PRODUCTS, self.prefix + key], args=[gen]
        )
        if stamp is None and int(catalogue) == 0:
            return Stamp(self._started_catalogue(), int(products)), None  # nothing stored in it yet
        return stamp or Stamp(int(catalogue), int(products)), payload

    def bump(self, name: str) -> None:
        try:
            if name == CATALOGUE:
                self._call(self._bump_catalogue, keys=[self._catalogue_key], args=[_catalogue_start()])
                return
            self._call(self.client.incr, f"{self.prefix}gen:{name}")
        except RedisUnavailable:
            with self._lock:
                self._missed_bumps.add(name)
            raise

    def bump_products(self, names: Iterable[str]) -> None:
        gen = f"{self.prefix}gen:"
        keys = [gen + PRODUCTS, *(gen + name for name in sorted(set(names) - {PRODUCTS, CATALOGUE}))]
        try:
            self._call(self._bump_products, keys=keys)
        except RedisUnavailable:
            with self._lock:
                # Which entries showed those products is not known: the catalogue goes on recovery.
                self._missed_bumps.add(CATALOGUE)
            raise


#: Failures of the cache store are logged and the page is rendered uncached: never a 500.
STORE_ERRORS = (redis.RedisError, sa.exc.SQLAlchemyError)

_CONTENT_TYPES: dict[bytes, str] = {}


def content_type(mimetype: bytes) -> str:
    """The Content-Type header of a stored page's mimetype (computed once per mimetype)."""
    found = _CONTENT_TYPES.get(mimetype)
    if found is None:
        found = _CONTENT_TYPES.setdefault(mimetype, get_content_type(mimetype.decode("ascii"), "utf-8"))
    return found
