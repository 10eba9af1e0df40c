"""Memory of one gunicorn worker over 10,000 requests: does it stay under 150 MB? (issue 16)

    .venv/bin/python bench/memory.py                      # PostgreSQL, 10,000 products, page cache off
    .venv/bin/python bench/memory.py --db sqlite --requests 2000

Starts `gunicorn -c gunicorn.conf.py wsgi:app` with one worker (threads as gunicorn.conf.py) on the
storefront bench's catalogue (bench/run.py seeds it), with the page cache off so every request
renders, and sends `--requests` GETs round-robin over home, cluster, village, product, search pages
(distinct queries) and the JSON API, 4 at a time. Prints the worker's resident memory (VmRSS) and
its peak (VmHWM) before the first request and after every 10% of them, and the growth over the
second half (a leak grows steadily; caches fill early and stop).
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import run  # noqa: E402  (the storefront bench: seeding, servers, page lists)

LIMIT_MB = 150
WORDS = ("batik", "kopi", "tas", "sarung", "gerabah", "keripik", "coffee", "bag", "bamboo", "anyaman", "madu")


def worker_pids(master_pid: int) -> list[int]:
    path = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def request_paths(url: str, count: int) -> list[str]:
    pages = run.page_paths(url)
    fixed = [p for name in ("home", "cluster", "product") for p in pages.get(name, [])]
    paths = []
    for i in range(count):
        kind = i % 5
        if kind == 3:  # a query nobody typed before: new search plans, new strings
            a, b = WORDS[i % len(WORDS)], WORDS[(i // len(WORDS)) % len(WORDS)]
            paths.append(
                f"/search?q={a}+{b}&page={1 + i % 3}&sort={('relevance', 'price_asc', 'newest')[i % 3]}"
            )
        elif kind == 4:
            paths.append(f"/api/v1/products?page={1 + i % 20}&per_page=24")
        else:
            paths.append(fixed[i % len(fixed)])
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--database", help="bench database name (default as bench/run.py)")
    args = parser.parse_args(argv)
    run.RESULTS.mkdir(parents=True, exist_ok=True)
    url = run.database_url(args.db, args.products, args.database)
    run.ensure_seeded(url, args.products, reseed=False)
    env = run.server_env(url, WEB_CONCURRENCY="1", PAGE_CACHE_ENABLED="0")
    server = run.Server(f"memory-{args.db}", "wsgi:app", env)
    try:
        server.wait_ready("/healthz")
        (worker,) = worker_pids(server.proc.pid)
        paths = request_paths(url, args.requests)
        rss, peak = memory_mb(worker)
        print(f"worker {worker}: {rss:.0f} MB before the first request (peak {peak:.0f} MB)")
        readings = [(0, rss)]
        step = max(1, args.requests // 10)
        bad = 0
        started = time.monotonic()
        with ThreadPoolExecutor(args.clients) as pool:
            for start in range(0, args.requests, step):
                statuses = list(pool.map(lambda p: run.fetch(server.port, p)[0], paths[start : start + step]))
                bad += sum(1 for s in statuses if s != 200)
                rss, peak = memory_mb(worker)
                done = min(start + step, args.requests)
                readings.append((done, rss))
                print(f"  after {done:>6} requests: {rss:6.1f} MB (peak {peak:6.1f} MB)")
        half = readings[len(readings) // 2][1]
        print(
            f"{args.requests} requests in {time.monotonic() - started:.0f} s, {bad} not 200; "
            f"peak {peak:.0f} MB (limit {LIMIT_MB} MB: {'ok' if peak < LIMIT_MB else 'OVER'}); "
            f"growth over the second half {readings[-1][1] - half:+.1f} MB"
        )
        return 0 if peak < LIMIT_MB and bad == 0 else 1
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
