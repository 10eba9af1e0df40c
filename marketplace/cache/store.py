"""The page cache's store: the catalogue generation counter and where entries live.

`MemoryBackend` keeps entries in this process and the generation in the `cache_generations` table;
`RedisBackend` keeps both in Redis. Used by `marketplace.cache` (pages and fragments) and
`marketplace.cache.cookieless` (hits answered before Flask).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Protocol

import redis
import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.utils import get_content_type

from marketplace.extensions import db

log = logging.getLogger(__name__)

CATALOGUE = "catalogue"
#: request.environ key: the generation read for this request (read at most once per request).
GENERATION_MEMO = "marketplace.catalogue_generation"
#: Stands in for the per-visitor CSRF token inside a stored page.
CSRF_PLACEHOLDER = b"\x00pd-csrf-token\x00"
#: Key kind of stored pages; "page2": bodies packed by marketplace.compression (older entries miss).
PAGE_KIND = "page2"
#: The generation read, in each DBAPI's own parameter style (run with exec_driver_sql: no compiling).
_GENERATION_SQL = {
    "qmark": "SELECT value FROM cache_generations WHERE name = ?",
    "numeric": "SELECT value FROM cache_generations WHERE name = :1",
    "named": "SELECT value FROM cache_generations WHERE name = :name",
    "format": "SELECT value FROM cache_generations WHERE name = %s",
    "pyformat": "SELECT value FROM cache_generations WHERE name = %(name)s",
}


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
    def generation_and_get(self, name: str, key: str) -> tuple[int, bytes | None]: ...
    def bump(self, name: str) -> None: ...


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
        """One autocommit SELECT on a connection borrowed for that statement alone.

        Through the request's ORM session the same read cost four round trips (the pool's pre-ping,
        BEGIN, the SELECT, and the ROLLBACK when the session is returned). The reader's own engine
        runs in autocommit without pre-ping or reset, so a read is one round trip, and the
        connection goes back to its pool at once: nothing is tied to a thread or outlives the read
        (a connection kept per thread leaked one per request under a thread-per-connection server).
        Nothing is cached in the process: every request sees the value committed last.
        """
        for attempt in (1, 2):
            try:
                with self.reader().connect() as conn:
                    style = conn.dialect.paramstyle
                    params = {"name": name} if style in ("named", "pyformat") else (name,)
                    value = conn.exec_driver_sql(_GENERATION_SQL[style], params).scalar()
                    return int(value or 0)
            except sa.exc.DBAPIError as error:
                # A dropped connection (database restart, idle timeout) is invalidated by the pool;
                # without pre-ping, try once more on a fresh one, else let the caller serve uncached.
                if attempt == 2 or not error.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

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

    def generation_and_get(self, name: str, key: str) -> tuple[int, bytes | None]:
        return self.generation(name), self.get(key)

    def bump(self, name: str) -> None:
        # Its own short transaction, after the change committed: no lock held across the caller's work.
        table = CacheGeneration.__table__
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert
            else:
                from sqlalchemy.dialects.sqlite import insert
            stmt = insert(table).values(name=name, value=1)
            conn.execute(
                stmt.on_conflict_do_update(index_elements=[table.c.name], set_={"value": table.c.value + 1})
            )


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

    def __init__(self, url: str, prefix: str = "pd:"):
        self.prefix = prefix
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
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

    def generation_and_get(self, name: str, key: str) -> tuple[int, bytes | None]:
        # One round trip for both: a cache hit costs a single MGET.
        generation, value = self._call(self.client.mget, f"{self.prefix}gen:{name}", self.prefix + key)
        return int(generation or 0), value

    def bump(self, name: str) -> None:
        try:
            self._call(self.client.incr, f"{self.prefix}gen:{name}")
        except RedisUnavailable:
            with self._lock:
                self._missed_bumps.add(name)
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
