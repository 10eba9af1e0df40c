"""A logged-in visitor's page reads the page cache's counters with their account (issue 16).

A guest's page pays one statement for the counters (the request's stamp, and the product page's
own): `MemoryBackend.generations` on the reader, one autocommit round trip. A logged-in visitor's
page also reads their account (web.load_user): in the request's session that cost four round trips
(pre-ping, BEGIN, the SELECT, ROLLBACK). So with the counters in the database the account row is read
on the reader, and the same statement reads the counters: the stamp, and those a page names from its
URL before its view runs (`read_counters_with_login`). Every request still reads the account, so a
disabled account or a rotated session nonce takes effect on the next request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from marketplace.cache.store import (
    CATALOGUE,
    GENERATION_MEMO,
    PRODUCTS,
    CacheGeneration,
    MemoryBackend,
    Stamp,
)


def account_row_reads() -> tuple[Callable[[sa.Select, dict], tuple | None] | None, tuple]:
    """How a logged-in visitor's page may read their account row: (a read on the page cache's
    reader, the (column, receiver) pairs that fold this request's stamp into that statement, with the
    counters its page reads: `read_counters_with_login`), so the account and the counters cost one
    round trip, as the counters alone do for a guest. (None, ()) when the counters live in Redis
    (the account is then read in the request's session, the counters from Redis)."""
    cache = current_app.extensions.get("page_cache") if has_request_context() else None
    backend = cache.backend if cache is not None else None
    if not isinstance(backend, MemoryBackend):
        return None, ()
    names = [CATALOGUE, PRODUCTS]
    page_names = _LOGIN_COUNTERS.get(request.endpoint)
    if page_names is not None:
        names += page_names()
    names = list(dict.fromkeys(names))
    request.environ[_ASKED] = names

    def read(statement: sa.Select, params: dict) -> tuple | None:
        return backend.read_row(statement, {**params, "generation_names": names})

    return read, _GENERATION_READS


#: Endpoint → the counters its page reads at once, besides the stamp (named from the request alone).
_LOGIN_COUNTERS: dict[str, Callable[[], list[str]]] = {}
#: request.environ keys: the counter names asked with the account; their values as read.
_ASKED = "marketplace.page_cache.asked_with_login"
READ_WITH_LOGIN = "marketplace.page_cache.read_with_login"


def read_counters_with_login(endpoint: str, names: Callable[[], list[str]]) -> None:
    """Read `names()` (the counters a page of `endpoint` reads first thing) with a logged-in
    visitor's account: the page finds them with `counters_read_with_login`."""
    _LOGIN_COUNTERS[endpoint] = names


def counters_read_with_login(names: Iterable[str]) -> dict[str, int] | None:
    """The values of `names` read with this request's login (same snapshot as its stamp), or None
    when not all of them were."""
    read = request.environ.get(READ_WITH_LOGIN)
    if read is None:
        return None
    try:
        return {name: read[name] for name in names}
    except KeyError:
        return None


def _generations_column() -> sa.ScalarSelect:
    table = CacheGeneration.__table__
    pair = table.c.name + "=" + sa.cast(table.c.value, sa.String)
    return (
        sa.select(sa.func.aggregate_strings(pair, ","))
        .where(table.c.name.in_(sa.bindparam("generation_names", expanding=True)))
        .scalar_subquery()
    )


def _receive_generations(text: str | None) -> None:
    memo = request.environ
    names = memo.pop(_ASKED, None)
    if names is None:
        return
    found = dict(item.rsplit("=", 1) for item in text.split(",")) if text else {}
    current = {name: int(found.get(name) or 0) for name in names}  # a name without a row is 0
    memo[READ_WITH_LOGIN] = current
    # A stamp read earlier in the request stays: rows read since were tagged by it.
    memo.setdefault(GENERATION_MEMO, Stamp(current[CATALOGUE], current[PRODUCTS]))


_GENERATION_READS = ((_generations_column(), _receive_generations),)


def forget_reads(memo: dict) -> None:
    """After a write in this request: its stamp and the counters read with the login are older."""
    memo.pop(GENERATION_MEMO, None)
    memo.pop(READ_WITH_LOGIN, None)
