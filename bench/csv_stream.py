"""The CSV downloads on the scale database (issue 16), in-process: time to the first piece, to the
last, CPU, and the Python heap's peak while the response is made (tracemalloc).

    BENCH_SCALE_DB=pd_scale_console .venv/bin/python bench/csv_stream.py [--repeat 3]

Needs the database bench/scale.py seeds. Run it from another tree's root (with this file copied)
to compare that tree's code on the same data. Median of `--repeat` runs; the peak is the last run's.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import scale  # noqa: E402
import scale_seed  # noqa: E402

DOWNLOADS = [
    ("seller sales.csv", "seller", "/seller/sales.csv"),
    ("audit.csv", "curator", "/curator/audit.csv?action=payout."),
    ("products.csv", "seller", "/seller/products/export.csv"),
]


def main(argv=None) -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from marketplace import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": scale.database_url(), "PAGE_CACHE_ENABLED": False,
                      "RATELIMIT_ENABLED": False})  # fmt: skip
    clients = {}
    for who, email in (("seller", scale_seed.SELLER_EMAIL), ("curator", scale_seed.CURATOR_EMAIL)):
        client = app.test_client()
        page = client.get("/account/login").get_data()
        token = re.search(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1).decode()
        form = {"csrf_token": token, "email": email, "password": scale_seed.PASSWORD}
        client.post("/account/login", data=form)
        clients[who] = client
    print(f"{'download':18} {'first ms':>9} {'last ms':>9} {'CPU ms':>8} {'bytes':>10} {'peak MB':>8}")
    for name, who, path in DOWNLOADS:
        clients[who].get(path).close()  # warm
        firsts, lasts, cpus, peak, size = [], [], [], 0.0, 0
        for run in range(args.repeat):
            if run == args.repeat - 1:
                tracemalloc.start()
            began, cpu = time.perf_counter(), time.process_time()
            response = clients[who].get(path, buffered=False)
            pieces = iter(response.response)
            first = next(pieces, b"")
            firsts.append((time.perf_counter() - began) * 1000)
            size = len(first) + sum(len(piece) for piece in pieces)
            response.close()
            lasts.append((time.perf_counter() - began) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            if run == args.repeat - 1:
                peak = tracemalloc.get_traced_memory()[1] / 1e6
                tracemalloc.stop()
        print(
            f"{name:18} {statistics.median(firsts):9.0f} {statistics.median(lasts):9.0f} "
            f"{statistics.median(cpus):8.0f} {size:10d} {peak:8.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
