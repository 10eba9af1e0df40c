"""Portable column types shared by every domain's models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import DateTime
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the only kind we store)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always returns them aware.

    SQLite keeps no time zone, PostgreSQL's timestamptz does; this makes both behave the same.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A column type for a StrEnum, stored as its values in VARCHAR + CHECK on every database,
    so adding a value is a small migration (no native PostgreSQL ENUM type)."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class add_days(sa.sql.functions.FunctionElement):
    """`timestamp + days × 24 hours` in SQL, as Python's `timestamp + timedelta(days=days)`.

    PostgreSQL adds an interval of hours (never a calendar day: no DST step can creep in);
    SQLite, which stores UTC times as text, adds whole days with strftime and keeps the stored
    fraction of a second, so the result compares with other stored times exactly as Python would.
    """

    type = UTCDateTime()
    inherit_cache = True
    name = "add_days"


@compiles(add_days, "postgresql")
def _add_days_postgresql(element, compiler, **kw):
    timestamp, days = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"({timestamp} + ({days}) * INTERVAL '24 hours')"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):
    timestamp, days = (compiler.process(arg, **kw) for arg in element.clauses)
    return (
        f"(strftime('%Y-%m-%d %H:%M:%S', {timestamp}, '+' || ({days}) || ' days') || substr({timestamp}, 20))"
    )
