"""Each monitoring figure timed in-process on the scale bench's database, from the summaries
(the app) and straight from the order lines (tests/monitoring/raw_sales.py, the code before
migration 0020 and the tests' oracle), with the same filters, and whether both give the same rows.

    BENCH_SCALE_DB=pd_scale_bench .venv/bin/python bench/monitoring_figures.py [--raw] [--repeat 3]

Needs the database bench/scale.py seeds. Wall-clock ms (the work is in PostgreSQL): say the load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from marketplace import create_app  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.monitoring import services  # noqa: E402
from marketplace.monitoring.filters import Filters, preset_range  # noqa: E402
from marketplace.timezones import jakarta_date  # noqa: E402
from marketplace.types import utcnow  # noqa: E402
from tests.monitoring import raw_sales  # noqa: E402

RAW = {
    "months": raw_sales.sales_by_month,
    "villages": raw_sales.sales_by_village,
    "clusters": raw_sales.sales_by_cluster,
    "buyers": raw_sales.buyers,
    "top-products": raw_sales.top_products,
    "no-sales": raw_sales.sellers_without_sales,
}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--raw", action="store_true", help="also time the figures from the order lines")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the median is shown)")
    args = parser.parse_args()
    name = os.environ.get("BENCH_SCALE_DB", "pd_scale_bench")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"})
    with app.app_context():
        now = utcnow()
        today = jakarta_date(now)
        start, _end = preset_range("12m", today)
        village_id, cluster_id = db.session.execute(
            db.text(
                "SELECT (SELECT id FROM regions WHERE slug = 'desa-pakistaji'), "
                "(SELECT min(id) FROM clusters)"
            )
        ).one()
        ranges = {
            "12 months": Filters(start, today),
            "3 years": Filters(today - timedelta(days=3 * 365 - 2), today),
            "12 months ?village=": Filters(start, today, village_id, "desa-pakistaji"),
            "12 months ?cluster=": Filters(start, today, None, "", cluster_id, "c"),
        }
        load = os.getloadavg()[0]
        print(f"{name}, load {load:.1f} (1 min) on {os.cpu_count()} CPUs, ms (median of {args.repeat})")
        for label, filters in ranges.items():
            print(f"== {label} ({filters.start} .. {filters.end})")
            for key in services.FIGURES:
                summary_ms, rows = timed(
                    lambda key=key, filters=filters: services.compute_figure(
                        db.session, key, filters, now=now
                    ),
                    args.repeat,
                )
                line = f"  {key:18} {summary_ms:9.1f}"
                if args.raw and key in RAW:
                    raw_ms, raw_rows = timed(
                        lambda key=key, filters=filters: RAW[key](db.session, filters, today=today, now=now),
                        1,
                    )
                    line += f"   lines: {raw_ms:9.1f}   same rows: {'yes' if raw_rows == rows else 'NO'}"
                print(line, flush=True)
    return 0


def timed(call, repeat: int):
    samples, result = [], None
    for _ in range(max(repeat, 1)):
        started = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    return statistics.median(samples), result


if __name__ == "__main__":
    sys.exit(main())
