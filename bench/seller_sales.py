"""The seller's sales figures (payouts/reports.py) timed in-process on the scale bench's database:
`monthly_sales` and `top_products` from the kept months (payouts/sales_totals.py, migration 0024)
against the order lines they replace (`monthly_sales_from_lines`, `top_products_from_lines`), for
the big shop and a few others, and whether both give the same rows; also the pending sums of
every shop (payouts/availability.py) against the join of the ledger with the parcels not delivered.

    BENCH_SCALE_DB=pd_scale_bench .venv/bin/python bench/seller_sales.py [--repeat 3] [--shops 5]

Needs the database bench/scale.py seeds (at migration 0024 or later). Wall-clock ms (the work is in
PostgreSQL), median of --repeat: say the load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.orders.models import Fulfilment, FulfilmentStatus  # noqa: E402
from marketplace.payouts import availability, reports  # noqa: E402
from marketplace.payouts.models import LedgerEntry  # noqa: E402
from marketplace.seller.models import Seller  # noqa: E402
from marketplace.types import utcnow  # noqa: E402


def timed(repeat: int, call):
    samples, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples), result


def pending_from_entries(session) -> dict[int, int]:
    """Pending per shop as availability.py read it before 0024: entries joined with their parcels."""
    not_delivered = [status for status in FulfilmentStatus if status != FulfilmentStatus.DELIVERED]
    return {
        seller_id: int(amount)
        for seller_id, amount in session.execute(
            sa.select(LedgerEntry.seller_id, sa.func.sum(LedgerEntry.amount_idr))
            .join(Fulfilment, Fulfilment.id == LedgerEntry.fulfilment_id)
            .where(Fulfilment.status.in_(not_delivered))
            .group_by(LedgerEntry.seller_id)
        )
    }


def pending_kept(session) -> dict[int, int]:
    """Pending per shop from the parcels' kept sums, as availability.py reads it."""
    return {
        seller_id: int(amount)
        for seller_id, amount in session.execute(
            sa.select(Fulfilment.seller_id, sa.func.sum(Fulfilment.ledger_idr))
            .where(Fulfilment.status != FulfilmentStatus.DELIVERED)
            .group_by(Fulfilment.seller_id)
        )
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shops", type=int, default=5, help="other shops besides the biggest")
    args = parser.parse_args()
    name = os.environ.get("BENCH_SCALE_DB", "pd_scale_bench")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"})
    with app.app_context():
        session = db.session
        now = utcnow()
        biggest = session.scalar(
            sa.select(Fulfilment.seller_id)
            .group_by(Fulfilment.seller_id)
            .order_by(sa.func.count().desc())
            .limit(1)
        )
        others = list(session.scalars(sa.select(Seller.id).where(Seller.id != biggest).order_by(Seller.id)))
        print(f"{name}, load {os.getloadavg()[0]:.1f}; ms, median of {args.repeat}")
        header = ("shop", "months kept", "lines", "same", "top kept", "lines", "same")
        print(
            " ".join(f"{title:>{width}}" for title, width in zip(header, (6, 12, 8, 5, 9, 8, 5), strict=True))
        )
        for shop in [biggest, *others[: args.shops]]:
            kept_ms, kept = timed(args.repeat, lambda s=shop: reports.monthly_sales(session, [s], now=now))
            raw_ms, raw = timed(
                args.repeat, lambda s=shop: reports.monthly_sales_from_lines(session, [s], now=now)
            )
            top_ms, top = timed(args.repeat, lambda s=shop: reports.top_products(session, [s], now=now))
            top_raw_ms, top_raw = timed(
                args.repeat, lambda s=shop: reports.top_products_from_lines(session, [s], now=now)
            )
            print(
                f"{shop:>6} {kept_ms:>12.1f} {raw_ms:>8.1f} {'yes' if kept == raw else 'NO':>5} "
                f"{top_ms:>9.1f} {top_raw_ms:>8.1f} {'yes' if top == top_raw else 'NO':>5}"
            )
        kept_ms, _balances = timed(args.repeat, lambda: availability.list_balances(session))
        raw_ms, old = timed(args.repeat, lambda: pending_from_entries(session))
        kept = pending_kept(session)
        same = {k: v for k, v in kept.items() if v} == {k: v for k, v in old.items() if v}
        print(f"balances of every shop (kept pending) {kept_ms:.1f} ms;", end="")
        print(f" the old pending join alone {raw_ms:.1f} ms")
        print(f"  pending per shop, kept = old join: {'yes' if same else 'NO'} ({len(kept)} shops)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
