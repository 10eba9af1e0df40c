"""The ledger's sums per seller, Jakarta month and kind (LedgerMonthTotal), kept in step with it.

Every entry written goes through `payouts.services._add_entries` and every entry removed through
`payouts.reversal.withdraw_sales`; both call `add_to_totals` in the same transaction, so the
totals change exactly when the entries do (an upsert adding to the row: two transactions adding
to one month never lose either amount). Reads: `period_sums` for the curators' month summary,
`seller_totals` for balances.

The same call adds each entry's amount to its parcel's `fulfilments.ledger_idr` (one additive
UPDATE per parcel, in id order), which availability.py sums over the parcels not delivered for
the pending money. The parcel's status and its sum are on one row, so a delivery needs no part
in it: whatever the order of a delivery and a ledger write, the read sees both or neither.
`rebuild_parcel_sums` fills the column from the entries (the migration's backfill, the seed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.orders.models import Fulfilment
from marketplace.payouts.models import LedgerEntry, LedgerKind, LedgerMonthTotal
from marketplace.timezones import jakarta_date
from marketplace.upserts import adding_upsert


def month_of(entry: LedgerEntry) -> date:
    """The first day of the Jakarta month the entry counts in."""
    return jakarta_date(entry.occurred_at).replace(day=1)


def add_to_totals(session: Session, entries: Iterable[LedgerEntry], *, sign: int = 1) -> None:
    """Add the entries' amounts (sign=-1: take them away) to their month's totals. Flushes."""
    sums: dict[tuple[int, date, LedgerKind], int] = defaultdict(int)
    counts: dict[tuple[int, date, LedgerKind], int] = defaultdict(int)
    parcels: dict[int, int] = defaultdict(int)
    for entry in entries:
        key = (entry.seller_id, month_of(entry), LedgerKind(entry.kind))
        sums[key] += sign * int(entry.amount_idr)
        counts[key] += sign
        if entry.fulfilment_id is not None:
            parcels[entry.fulfilment_id] += sign * int(entry.amount_idr)
    if not sums:
        return
    _add_to_parcels(session, parcels)
    rows = [
        {"seller_id": key[0], "month": key[1], "kind": key[2], "amount_idr": amount, "entries": counts[key]}
        for key, amount in sorted(sums.items())  # one lock order: no deadlocks
    ]
    upsert = adding_upsert(
        LedgerMonthTotal.__table__,
        ("seller_id", "month", "kind"),
        ("amount_idr", "entries"),
        session.get_bind().dialect.name,
    )
    session.execute(upsert, rows)


def _add_to_parcels(session: Session, parcels: dict[int, int]) -> None:
    """Add the amounts to the parcels' `ledger_idr`: one executemany, in id order (one lock order)."""
    rows = [{"fid": fid, "amount": amount} for fid, amount in sorted(parcels.items()) if amount]
    if not rows:
        return
    table = Fulfilment.__table__
    session.connection().execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("fid"))
        .values(ledger_idr=table.c.ledger_idr + sa.bindparam("amount")),
        rows,
    )


def rebuild_parcel_sums(session: Session) -> None:
    """Set every parcel's `ledger_idr` to the sum of its entries (set-based; as the migration)."""
    table = Fulfilment.__table__
    entries = LedgerEntry.__table__
    session.execute(
        sa.update(table).values(
            ledger_idr=sa.func.coalesce(
                sa.select(sa.func.sum(entries.c.amount_idr))
                .where(entries.c.fulfilment_id == table.c.id)
                .scalar_subquery(),
                0,
            )
        )
    )


def seller_totals(session: Session, seller_ids: Sequence[int] | None = None) -> dict[int, int]:
    """{seller id: the sum of all their entries} for sellers with entries (None: every such seller)."""
    stmt = (
        sa.select(LedgerMonthTotal.seller_id, sa.func.sum(LedgerMonthTotal.amount_idr))
        .group_by(LedgerMonthTotal.seller_id)
        .having(sa.func.sum(LedgerMonthTotal.entries) > 0)
    )
    if seller_ids is not None:
        stmt = stmt.where(LedgerMonthTotal.seller_id.in_(list(seller_ids)))
    return {seller_id: int(total or 0) for seller_id, total in session.execute(stmt)}


def period_sums(session: Session, month: date) -> dict[int, dict[LedgerKind, int]]:
    """{seller id: {kind: sum in the Jakarta month starting on `month`}} for sellers with entries then."""
    result: dict[int, dict[LedgerKind, int]] = defaultdict(dict)
    for seller_id, kind, amount in session.execute(
        sa.select(LedgerMonthTotal.seller_id, LedgerMonthTotal.kind, LedgerMonthTotal.amount_idr).where(
            LedgerMonthTotal.month == month, LedgerMonthTotal.entries > 0
        )
    ):
        result[seller_id][LedgerKind(kind)] = int(amount)
    return result
