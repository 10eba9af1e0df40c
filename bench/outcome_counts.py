"""The shops' parcel counts (orders/outcomes.py, migration 0022) timed in-process on the scale bench's
database against the live computation they replace (`lateness.on_time_counts`,
`cancellation.shop_cancellation_counts`, a grouped count of shipped parcels), for every shop and for
the big shop alone, and whether both give the same numbers.

    BENCH_SCALE_DB=pd_scale_bench .venv/bin/python bench/outcome_counts.py [--repeat 3]

Needs the database bench/scale.py seeds (at migration 0022 or later). Wall-clock ms (the work is in
PostgreSQL) and this process's CPU ms: say the load.
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
from marketplace.orders import outcomes  # noqa: E402
from marketplace.orders.cancellation import shop_cancellation_counts  # noqa: E402
from marketplace.orders.lateness import grace_days_setting, on_time_counts  # noqa: E402
from marketplace.orders.models import Fulfilment, FulfilmentStatus  # noqa: E402
from marketplace.seller.models import Seller  # noqa: E402
from marketplace.types import utcnow  # noqa: E402


def live(session, seller_ids, *, now, grace_days):
    shipped = sa.select(Fulfilment.seller_id, sa.func.count(Fulfilment.id)).where(
        Fulfilment.status.in_([FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED])
    )
    if seller_ids is not None:
        shipped = shipped.where(Fulfilment.seller_id.in_(seller_ids))
    return (
        on_time_counts(session, seller_ids, now=now, grace_days=grace_days),
        shop_cancellation_counts(session, seller_ids),
        dict(session.execute(shipped.group_by(Fulfilment.seller_id)).all()),
    )


def timed(call, repeat: int):
    walls, cpus, result = [], [], None
    for _ in range(max(repeat, 1)):
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        db.session.rollback()
    return statistics.median(walls), statistics.median(cpus), result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (the median is shown)")
    args = parser.parse_args()
    name = os.environ.get("BENCH_SCALE_DB", "pd_scale_bench")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"})
    with app.app_context():
        now, grace = utcnow(), grace_days_setting()
        big = db.session.scalar(sa.select(Seller.id).where(Seller.slug == "sanggar-besar"))
        print(f"{name}, load {os.getloadavg()[0]:.1f} (1 min), ms wall / CPU (median of {args.repeat})")
        same = True
        for label, seller_ids in (("every shop", None), ("the big shop", [big])):
            kept_ms, kept_cpu, kept = timed(
                lambda ids=seller_ids: outcomes.shop_counts(db.session, ids, now=now, grace_days=grace),
                args.repeat,
            )
            live_ms, live_cpu, counted = timed(
                lambda ids=seller_ids: live(db.session, ids, now=now, grace_days=grace), args.repeat
            )
            equal = kept == counted
            same = same and equal
            print(
                f"  {label:13} kept {kept_ms:8.1f} / {kept_cpu:6.1f}   live {live_ms:8.1f} / {live_cpu:6.1f}"
                f"   same numbers: {'yes' if equal else 'NO'}",
                flush=True,
            )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
