"""Additive upserts of kept totals (`INSERT … ON CONFLICT (key) DO UPDATE SET n = n + excluded.n`).

The summaries kept beside the orders (monitoring's day and month sums, the payouts' month totals,
the shops' parcel counts) change on every payment with such a statement. Built once per table,
database and columns, and executed with the rows as a list (executemany), its compiled form and
cache key are reused: a statement whose VALUES list varied with the rows was compiled again on
every payment, a few milliseconds each. Bounded by the tables that use it.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

_STATEMENTS: dict[tuple, sa.Insert] = {}


def adding_upsert(
    table: sa.Table,
    key_columns: tuple[str, ...],
    summed: tuple[str, ...],
    dialect: str,
    *,
    also: Mapping[str, object] | None = None,
) -> sa.Insert:
    """The upsert that adds `summed` to the row of `key_columns`, or inserts it; with no `summed`,
    one that leaves an existing row alone. `also` maps more columns to a callable
    `(table, excluded) -> expression` for the update (built once, with the statement)."""
    cache_key = (table.name, key_columns, summed, dialect, tuple(also or ()))
    statement = _STATEMENTS.get(cache_key)
    if statement is None:
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
        keys = [table.c[name] for name in key_columns]
        if summed:
            updates = {name: table.c[name] + insert.excluded[name] for name in summed}
            updates.update({name: build(table, insert.excluded) for name, build in (also or {}).items()})
            statement = insert.on_conflict_do_update(index_elements=keys, set_=updates)
        else:
            statement = insert.on_conflict_do_nothing(index_elements=keys)
        statement = _STATEMENTS.setdefault(cache_key, statement)
    return statement
