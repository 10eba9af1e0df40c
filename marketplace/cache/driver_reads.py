"""Reads on the page cache's reader engine, on the driver's own cursor: the counters every uncached
page reads, and a logged-in visitor's account row with them (`store.MemoryBackend`). Through a
SQLAlchemy Connection the same one-statement reads cost two to three times the CPU (issue 16,
bench/README.md); here a statement is compiled once and its rows come out as a Result's would."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

import sqlalchemy as sa

T = TypeVar("T")


def in_sql(style: str, count: int) -> str:
    if style == "qmark":
        marks = ", ".join("?" * count)
    elif style == "numeric":
        marks = ", ".join(f":{i + 1}" for i in range(count))
    elif style == "named":
        marks = ", ".join(f":n{i}" for i in range(count))
    else:  # format, pyformat: psycopg takes %s with a sequence of parameters in both
        marks = ", ".join(["%s"] * count)
    return f"SELECT name, value FROM cache_generations WHERE name IN ({marks})"  # noqa: S608 - only marks


def fetch_pairs(engine: sa.Engine, sql: str, params) -> dict:
    """`sql`'s (name, value) rows, read on a pooled DBAPI connection returned at once (`fetch_raw`)."""
    return dict(fetch_raw(engine, sql, params))


def fetch_raw(engine: sa.Engine, sql: str, params) -> list[tuple]:
    """`sql`'s rows as the driver returns them, read on a pooled DBAPI connection returned at once.
    A DBAPI error comes out as SQLAlchemy's (`connection_invalidated` when the connection was lost,
    which then leaves the pool), as through a Connection.

    When something listens to the engine's statements (the tests' and benches' counters, a
    tracer), through a SQLAlchemy Connection instead, so they see this read as any other.
    """
    if engine.dispatch.before_cursor_execute or engine.dispatch.after_cursor_execute:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.exec_driver_sql(sql, params).all()]
    dialect = engine.dialect
    dbapi_error = dialect.loaded_dbapi.Error
    connection = cursor = None
    try:
        connection = engine.raw_connection()
        cursor = connection.cursor()
        cursor.execute(sql, params)
        return cursor.fetchall()
    except dbapi_error as error:
        lost = dialect.is_disconnect(error, connection and connection.dbapi_connection, cursor)
        if lost and connection is not None:
            connection.invalidate(error)
        raise sa.exc.DBAPIError.instance(
            sql, params, error, dbapi_error, connection_invalidated=lost, dialect=dialect
        ) from error
    finally:
        if cursor is not None:
            cursor.close()
        if connection is not None:
            connection.close()  # back to the pool (invalidated: a fresh one next time)


@lru_cache(maxsize=64)  # per statement (each built once, kept by identity) and dialect
def compiled_read(
    statement: sa.Select, dialect: sa.Dialect
) -> tuple[sa.Compiled, tuple[Callable | None, ...]]:
    """`statement` compiled for `dialect`, and what SQLAlchemy's Result does to each column of a row
    (None: nothing), so that a row read on the driver's cursor comes out as through a Connection."""
    processors = tuple(
        column.type._cached_result_processor(dialect, None) for column in statement.selected_columns
    )
    return statement.compile(dialect=dialect), processors


def driver_statement(compiled: sa.Compiled, params: dict) -> tuple[str, dict | tuple]:
    """The SQL and the driver's parameters of `compiled` with `params`: lists (expanding IN) rendered
    one parameter per item and values put through their types' bind processors, as at execution.

    The expansion depends only on how many items each list has, so it is worked out once per shape
    (`_expansion`): SQLAlchemy's own took 4% of a logged-in visitor's page."""
    binds = compiled.binds
    shape = tuple(
        (name, len(value) if binds[name].expanding else None)
        for name, value in params.items()
        if name in binds
    )
    sql, recipe = _expansion(compiled, shape)
    values = []
    for _name, source, index, constant, process in recipe:
        value = constant if source is None else params[source] if index is None else params[source][index]
        values.append(value if process is None else process(value))
    if compiled.positional:
        return sql, tuple(values)
    return sql, {name: value for (name, *_rest), value in zip(recipe, values, strict=True)}


class _Slot:
    """Where a caller's value goes in an expanded statement: `params[name]` or its `index`th item."""

    __slots__ = ("index", "name")

    def __init__(self, name: str, index: int | None):
        self.name, self.index = name, index


@lru_cache(maxsize=256)  # per compiled statement (kept by compiled_read) and list lengths
def _expansion(compiled: sa.Compiled, shape: tuple) -> tuple[str, tuple]:
    """(SQL, recipe) of `compiled` for lists of these lengths: per driver parameter, in the driver's
    order, (name, the caller's parameter or None, its item index or None, the statement's own value
    when None, the bind processor or None). Expanded by SQLAlchemy itself, on placeholders.
    A bind computed at execution (`bindparam(callable_=...)`) would be kept as its first value, so
    such a statement is refused."""
    if any(bind.callable is not None for bind in compiled.binds.values()):
        raise ValueError("driver_statement keeps a statement's own values: no callable binds")
    placeholders = {
        name: _Slot(name, None) if length is None else [_Slot(name, i) for i in range(length)]
        for name, length in shape
    }
    state = compiled.construct_expanded_state(placeholders)
    names = state.positiontup if compiled.positional else list(state.parameters)
    recipe = []
    for name in names:
        value = state.parameters[name]
        process = state.processors.get(name)
        if isinstance(value, _Slot):
            recipe.append((name, value.name, value.index, None, process))
        else:
            recipe.append((name, None, None, value, process))
    return state.statement, tuple(recipe)


def read_retrying_once(read: Callable[[], T]) -> T:
    """`read()`, once more on a fresh connection when the first was found dropped (a database
    restart, an idle timeout: the pool invalidated it; the reader has no pre-ping); any other
    error, or a second drop, goes to the caller, which serves the page uncached."""
    try:
        return read()
    except sa.exc.DBAPIError as error:
        if not error.connection_invalidated:
            raise
    return read()
