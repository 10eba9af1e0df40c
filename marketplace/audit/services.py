"""Writing and reading the audit log. Call `record_action` inside the transaction that makes the change."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.audit.models import ActorRole, AuditEntry
from marketplace.timezones import jakarta_day_start
from marketplace.types import utcnow


def _jsonable(value: Any) -> Any:
    """Values as JSON can hold them: Decimal and dates as strings (never floats), enums by value."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def changed_values(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, as (before, after) — what an audit row should show."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after.get(key) for key in keys}


def default_role(actor: Optional[Any]) -> ActorRole:
    """The role an actor acts in when the caller names none."""
    if actor is None:
        return ActorRole.SYSTEM
    if getattr(actor, "is_curator", False):
        return ActorRole.CURATOR
    return ActorRole.SELLER


def record_action(
    session: Session,
    *,
    actor: Optional[Any],
    action: str,
    target_type: str,
    target_id: Optional[int] = None,
    target_label: str = "",
    seller_id: Optional[int] = None,
    before: Optional[dict[str, Any]] = None,
    after: Optional[dict[str, Any]] = None,
    note: str = "",
    actor_role: ActorRole | str = "",
    actor_label: str = "",
) -> AuditEntry:
    """Append one audit row (flushed, not committed: it lands or rolls back with the change).

    `actor` is a User or None for the system; `actor_role` defaults to CURATOR for curators,
    SYSTEM for None, otherwise SELLER — pass FACILITATOR when acting for someone else.
    A plain string must be an ActorRole value (ValueError otherwise).
    """
    role = ActorRole(actor_role) if actor_role else default_role(actor)
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_label=(actor_label or getattr(actor, "email", "") or "system")[:120],
        actor_role=role.value,
        action=action[:60],
        target_type=target_type[:40],
        target_id=target_id,
        target_label=(target_label or "")[:200],
        seller_id=seller_id,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        note=note or "",
        created_at=utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry


# ---------------------------------------------------------------------------------------------
# Reading the log
# ---------------------------------------------------------------------------------------------

#: The most rows one page or one CSV download holds (the filters narrow it further).
PAGE_SIZE = 50
CSV_LIMIT = 10_000


@dataclass(frozen=True)
class AuditFilter:
    """What a reader narrows the log to; empty values mean "any"."""

    action: str = ""  # a prefix: "product" matches product.update, product.reject…
    actor: str = ""  # part of the actor's email
    role: ActorRole | str = ""
    seller_id: Optional[int] = None
    target_type: str = ""
    target_id: Optional[int] = None
    date_from: Optional[date] = None  # Asia/Jakarta calendar days, both ends included
    date_to: Optional[date] = None


def _filtered(stmt, filters: AuditFilter):
    if filters.action:
        stmt = stmt.where(AuditEntry.action.startswith(filters.action.strip(), autoescape=True))
    if filters.actor:
        stmt = stmt.where(AuditEntry.actor_label.icontains(filters.actor.strip(), autoescape=True))
    if filters.role:
        stmt = stmt.where(AuditEntry.actor_role == ActorRole(filters.role).value)
    if filters.seller_id is not None:
        stmt = stmt.where(AuditEntry.seller_id == filters.seller_id)
    if filters.target_type:
        stmt = stmt.where(AuditEntry.target_type == filters.target_type.strip())
    if filters.target_id is not None:
        stmt = stmt.where(AuditEntry.target_id == filters.target_id)
    if filters.date_from is not None:
        stmt = stmt.where(AuditEntry.created_at >= jakarta_day_start(filters.date_from))
    if filters.date_to is not None:
        stmt = stmt.where(AuditEntry.created_at < jakarta_day_start(filters.date_to + timedelta(days=1)))
    return stmt


#: What the CSV file shows of an entry (`presenters.csv_row`), read as plain rows.
CSV_COLUMNS = (
    AuditEntry.id, AuditEntry.created_at, AuditEntry.actor_label, AuditEntry.actor_role,
    AuditEntry.action, AuditEntry.target_type, AuditEntry.target_id, AuditEntry.target_label,
    AuditEntry.seller_id, AuditEntry.before, AuditEntry.after, AuditEntry.note,
)  # fmt: skip


def _entries_statement(
    filters: AuditFilter, seller_ids: Optional[Sequence[int]], before_id, limit: int, columns=(AuditEntry,)
):
    # cycle: seller imports audit (record_action); the log only names the shop of an entry.
    from marketplace.seller.models import Seller

    stmt = sa.select(*columns, Seller.name.label("shop")).outerjoin(Seller, Seller.id == AuditEntry.seller_id)
    if seller_ids is not None:
        stmt = stmt.where(AuditEntry.seller_id.in_(list(seller_ids)))
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    return _filtered(stmt, filters).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, CSV_LIMIT)))


def list_entries(
    session: Session,
    *,
    filters: AuditFilter = AuditFilter(),
    seller_ids: Optional[Sequence[int]] = None,
    before_id: Optional[int] = None,
    limit: int = PAGE_SIZE,
) -> list[tuple[AuditEntry, str]]:
    """Entries newest first with their shop's name, one query; `before_id` pages on (keyset).

    `seller_ids` limits the log to those shops (a seller's history); None means every entry.
    """
    if seller_ids is not None and not seller_ids:
        return []
    stmt = _entries_statement(filters, seller_ids, before_id, limit)
    return [(entry, name or "") for entry, name in session.execute(stmt)]


#: Entries fetched at a time by `iter_entries`.
STREAM_BATCH = 2000


def iter_entries(
    session: Session, *, filters: AuditFilter = AuditFilter(), limit: int = CSV_LIMIT
) -> Iterator[sa.Row]:
    """`list_entries` of the whole log for the CSV download as rows of CSV_COLUMNS and `shop`,
    fetched STREAM_BATCH at a time (a server-side cursor on PostgreSQL; issue 16: 1.5 MB of rows).
    Rows, not AuditEntry objects: the objects were half the file's CPU."""
    stmt = _entries_statement(filters, None, None, limit, CSV_COLUMNS).execution_options(
        yield_per=STREAM_BATCH
    )
    # Through the connection: plain rows without the ORM's result layer (a tenth of the CPU).
    yield from session.connection().execute(stmt)


def list_sellers_in_log(session: Session) -> list[tuple[int, str]]:
    """Shops for the log's seller filter: (id, name), by name."""
    # cycle: seller imports audit (record_action); the log only names the shop of an entry.
    from marketplace.seller.models import Seller

    return [
        tuple(row)
        for row in session.execute(sa.select(Seller.id, Seller.name).order_by(Seller.name, Seller.id))
    ]
