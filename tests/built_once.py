"""Fixture data built once per database, then copied back in for each later test.

A module's `world` (shops, products, a paid order…) goes through the factories, the ORM's flushes
and the order services: 0.1-0.25 s a test, about a tenth of the suite. The rows it leaves do not
change from one test to the next, so `built_once` builds them the first time, keeps every row of
every table (and the files under the media and outbox folders), and for later tests inserts the
same rows again, one multi-row INSERT a table, and loads the objects the builder returned by their
primary keys. The tables start out the same each time (emptied by the `app` fixture, or holding
what a fixture built once before left), and the ids are the ones the database handed out the first
time: its sequences have moved past them since.

What the builder returned is rebuilt field by field: ORM objects by identity, dataclasses, tuples,
lists and dicts through their items, anything else (ids, tokens, dates) as it was.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from marketplace.extensions import db

T = TypeVar("T")

#: Folders whose files a builder may leave (photos, queued mail): kept with the rows.
_FOLDER_SETTINGS = ("MEDIA_ROOT", "OUTBOX_DIR")


@dataclasses.dataclass
class _Identity:
    """An ORM object as kept: its class and primary key."""

    cls: type
    key: tuple


@dataclasses.dataclass
class _Dataclass:
    """A dataclass instance as kept: its class and its fields, each kept."""

    cls: type
    fields: dict[str, Any]


@dataclasses.dataclass
class _Kept:
    #: Rows the builder added, by table (parents first), and rows of earlier fixtures it changed.
    added: list[tuple[sa.Table, list[dict]]]
    changed: list[tuple[sa.Table, list[dict]]]
    files: dict[str, dict[str, bytes]]
    result: Any


#: By builder, database URL and what the tables held before it ran (`_fingerprint`): the restore's premise.
_kept: dict[tuple[str, str, tuple], _Kept] = {}
#: Starting points kept per builder and database; past it the builder starts from rows that differ
#: each time (a fixture before it not built once) and is simply run.
_STARTS_PER_BUILDER = 3
#: `BUILT_ONCE=0` runs every builder every time (to rule the copying out, or to time it).
_ENABLED = os.environ.get("BUILT_ONCE", "1") != "0"
_starts: Counter[tuple[str, str]] = Counter()


def built_once(session: Session, build: Callable[..., T], *fixtures: Any) -> T:
    """What `build(session, *fixtures)` returns: built the first time on this database, then copied.

    `fixtures` are what the builder builds on (a module's world): they must come from `built_once`
    too, so that their rows are the same each time. Otherwise the tables it starts from differ (the
    check on every call sees it) and it is simply run. The builder must write the same rows whatever
    the app's settings (it runs under whichever app the first test had).
    """
    builder = (f"{build.__module__}.{build.__qualname__}", str(db.engine.url))
    before = _fingerprint(session)
    kept = _kept.get((*builder, before))
    if kept is not None:
        _restore(session, kept)
        result = _rebuild(session, kept.result)
        # As after the builder's own commit: no transaction left open (a test may LOCK a table).
        session.commit()
        return result
    if _starts[builder] >= _STARTS_PER_BUILDER or not _ENABLED:
        return build(session, *fixtures)
    _starts[builder] += 1
    rows_before = _rows(session) if any(count for count, _ in before) else {}
    result = build(session, *fixtures)
    session.commit()
    rows_after = _rows(session)
    added, changed = [], []
    for table in db.metadata.sorted_tables:
        old, new = rows_before.get(table.name, {}), rows_after.get(table.name, {})
        if set(old) - set(new):  # a builder that deletes earlier rows is simply run each time
            return result
        if rows := [row for pk, row in new.items() if pk not in old]:
            added.append((table, rows))
        if rows := [row for pk, row in new.items() if pk in old and old[pk] != row]:
            changed.append((table, rows))
    _kept[(*builder, before)] = _Kept(added, changed, _files(current_app), _describe(result))
    return result


def _insertable(table: sa.Table) -> list[sa.Column]:
    # Generated columns (the search text on PostgreSQL) are the database's to fill.
    return [column for column in table.columns if column.computed is None]


def _fingerprint(session: Session) -> tuple:
    """Each table's row count and largest first key column, in one query."""
    rows = session.execute(_fingerprint_statement()).all()
    session.commit()
    return tuple(tuple(row) for row in rows)


@functools.cache
def _fingerprint_statement() -> sa.CompoundSelect:
    return sa.union_all(
        *(
            sa.select(
                sa.func.count(), sa.cast(sa.func.max(next(iter(table.primary_key.columns))), sa.String)
            ).select_from(table)
            for table in db.metadata.sorted_tables
        )
    )


def _rows(session: Session) -> dict[str, dict[tuple, dict]]:
    """Every row of every table, by table name and primary key."""
    connection = session.connection()
    kept: dict[str, dict[tuple, dict]] = {}
    for table in db.metadata.sorted_tables:
        primary_key = list(table.primary_key.columns)
        rows = connection.execute(sa.select(*_insertable(table)).order_by(*primary_key)).mappings().all()
        if rows:
            kept[table.name] = {tuple(row[c.name] for c in primary_key): dict(row) for row in rows}
    session.commit()
    return kept


def _files(app) -> dict[str, dict[str, bytes]]:
    kept: dict[str, dict[str, bytes]] = {}
    for setting in _FOLDER_SETTINGS:
        root = Path(app.config[setting])
        if root.is_dir():
            kept[setting] = {
                str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()
            }
    return kept


def _restore(session: Session, kept: _Kept) -> None:
    connection = session.connection()
    for table, rows in kept.added:
        connection.execute(table.insert(), rows)
    for table, rows in kept.changed:
        primary_key = list(table.primary_key.columns)
        for row in rows:
            where = [column == row[column.name] for column in primary_key]
            connection.execute(table.update().where(*where).values(row))
    session.commit()
    for setting, files in kept.files.items():
        root = Path(current_app.config[setting])
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)


def _describe(value: Any) -> Any:
    if isinstance(value, db.Model):
        identity = sa_inspect(value).identity
        if identity is None:
            raise TypeError(f"{value!r} was never stored: a builder returns stored rows")
        return _Identity(type(value), tuple(identity))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # vars(), not fields(): a fixture may have added attributes of its own (`world.draft = …`).
        fields = {name: _describe(field) for name, field in vars(value).items()}
        return _Dataclass(type(value), fields)
    if isinstance(value, tuple | list):
        return type(value)(_describe(item) for item in value)
    if isinstance(value, dict):
        return {k: _describe(v) for k, v in value.items()}
    return value


def _rebuild(session: Session, described: Any) -> Any:
    if isinstance(described, _Identity):
        return session.get(described.cls, described.key)
    if isinstance(described, _Dataclass):
        rebuilt = described.cls.__new__(described.cls)
        for name, value in described.fields.items():
            object.__setattr__(rebuilt, name, _rebuild(session, value))
        return rebuilt
    if isinstance(described, tuple | list):
        return type(described)(_rebuild(session, item) for item in described)
    if isinstance(described, dict):
        return {k: _rebuild(session, v) for k, v in described.items()}
    return described
