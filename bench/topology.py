"""Several servers bench (issue 12): public pages and checkout through nginx and two instances.

    .venv/bin/python bench/topology.py                    # make bench-topology
    .venv/bin/python bench/topology.py --seconds 12 --workers 4 --pages home,product

Starts deploy/topology.py's setup (nginx + gunicorn instances + moto's S3, Redis, PostgreSQL) and,
beside it, one gunicorn instance with the same settings and as many workers in all, and drives the
same URLs at each, alternating in rounds so a busy machine slows all alike:

    1 instance      gunicorn with --workers workers, reached directly (what `make bench` measures)
    nginx + 1       the same behind nginx (what the proxy costs)
    nginx + N       N instances of workers/N workers each behind nginx (the topology)

Pages: home, a cluster listing, product pages and search on bench/run.py's 10,000-product catalogue
(`pd_bench`, seeded once). Checkout: bench/checkout.py's guests (product → cart → checkout → place
order) for --checkout-seconds on each side, on `pd_bench_checkout` (recreated). Prints requests/s and
p99 per page and side, and orders/s with the place-order p99. Results in bench/results/ (gitignored).
On one machine the instances share its cores: the topology shows what the proxy and sharing state
through Redis and PostgreSQL cost, not the gain of a second machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import checkout  # noqa: E402
import loadgen  # noqa: E402
import run as storefront  # noqa: E402

from deploy.topology import Topology  # noqa: E402

RESULTS = REPO / "bench" / "results"
#: The bench's own Redis database (bench/run.py's --env example uses 13; the tests 11, 14, 15).
REDIS_URL = "redis://127.0.0.1:6379/12"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", default=",".join(storefront.PAGES), help='"" skips the pages')
    parser.add_argument("--seconds", type=float, default=6.0, help="measured seconds per page and side")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers in all, on every side")
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--driver", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--checkout-seconds", type=float, default=10.0, help="0 skips the checkout part")
    parser.add_argument("--buyers", type=int, default=16)
    parser.add_argument("--products", type=int, default=2000, help="checkout catalogue size")
    return parser.parse_args(argv)


class Side:
    """One way of serving: a name, the port to drive, and what to stop afterwards."""

    def __init__(self, name: str, port: int, stop):
        self.name, self.port, self.stop = name, port, stop


def start_sides(url: str, args: argparse.Namespace, env: dict[str, str]) -> list[Side]:
    sides: list[Side] = []
    try:
        each = max(1, args.workers // args.instances)
        for instances, workers in ((1, args.workers), (args.instances, each)):
            topology = Topology(
                url, instances=instances, workers=workers, redis_url=REDIS_URL, env=env,
                access_log=False, migrate=False,
            )  # fmt: skip
            topology.__enter__()
            sides.append(Side(f"nginx + {instances}×{workers}w", topology.proxy_port, topology.stop))
        # The single instance shares the last topology's settings (its S3, Redis, database).
        single_env = {**topology.env, "WEB_CONCURRENCY": str(args.workers)}
        single = storefront.Server("topology-single", "wsgi:app", single_env)
        sides.insert(0, Side(f"1 instance {args.workers}w", single.port, single.stop))
        single.wait_ready("/healthz")
    except BaseException:
        for side in sides:
            side.stop()
        raise
    return sides


def stop_sides(sides: list[Side]) -> None:
    for side in sides:
        side.stop()


def bench_pages(args: argparse.Namespace, driver: str, env: dict[str, str]) -> list[dict]:
    url = storefront.database_url("postgresql", 10_000)
    storefront.ensure_seeded(url, 10_000, reseed=False)
    paths = storefront.page_paths(url)
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    sides = start_sides(url, args, env)
    rows = []
    try:
        for page in pages:
            targets, size, statuses = storefront.resolve(sides[0].port, paths[page])
            print(f"  {page:8} {len(targets)} url(s), ~{size} bytes, statuses {statuses}")
            summaries = loadgen.drive_interleaved(
                {side.name: (side.port, targets) for side in sides},
                connections=args.connections, seconds=args.seconds, rounds=args.rounds,
                warmup=args.warmup, driver=driver,
            )  # fmt: skip
            rows += [{"page": page, "side": name, **summary.as_dict()} for name, summary in summaries.items()]
    finally:
        stop_sides(sides)
    return rows


def bench_checkout(args: argparse.Namespace, env: dict[str, str]) -> list[dict]:
    print(f"  checkout: seeding {args.products} products into pd_bench_checkout")
    url, paths, _ = checkout.prepare_database("postgresql", args.products, race_products=0)
    # As bench/checkout.py: production's email check refuses the guests' @bench.test addresses.
    sides = start_sides(url, args, {**env, "MARKETPLACE_ENV": "development"})
    rows = []
    try:
        for side in sides:
            result = checkout.throughput(side.port, paths, args.buyers, args.checkout_seconds)
            rows.append({"side": side.name, **result})
    finally:
        stop_sides(sides)
    return rows


def table(page_rows: list[dict], checkout_rows: list[dict], args: argparse.Namespace, driver: str) -> str:
    lines = [
        f"Pasar Desa several-servers bench — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, PostgreSQL, Redis page "
        f"cache, {args.workers} gunicorn workers in all per side, {args.connections} connections, "
        f"{args.seconds:.0f}s per page and side, driver {driver}, {os.cpu_count()} CPU(s)",
        f"{'page':9} {'side':22} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>8}",
    ]
    lines.append("-" * len(lines[-1]))
    for r in page_rows:
        lines.append(
            f"{r['page']:9} {r['side']:22} {r['rps']:>8.0f} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
            f"{r['bad_status'] + r['errors']:>8}"
        )
    if checkout_rows:
        lines.append(
            f"\ncheckout ({args.buyers} guests, product → cart → checkout → place order, "
            f"{args.checkout_seconds:.0f}s per side)"
        )
        head = f"{'side':22} {'orders/s':>8} {'place p50':>9} {'place p99':>9} {'failed':>7} {'5xx':>4}"
        lines.append(head)
        for r in checkout_rows:
            lines.append(
                f"{r['side']:22} {r['orders_per_second']:>8.1f} {r['place_p50_ms']:>7.0f}ms "
                f"{r['place_p99_ms']:>7.0f}ms {r['failed']:>7} {r['5xx']:>4}"
            )
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    driver = loadgen.available_driver(args.driver)
    env = {"MARKETPLACE_ENV": "production", "RATELIMIT_ENABLED": "0", "GUNICORN_THREADS": "1"}
    page_rows = []
    if args.pages.strip():
        print("== public pages (pd_bench, 10,000 products)")
        page_rows = bench_pages(args, driver, env)
    checkout_rows = []
    if args.checkout_seconds > 0:
        print("== checkout")
        checkout_rows = bench_checkout(args, env)
    text = table(page_rows, checkout_rows, args, driver)
    print("\n" + text)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = RESULTS / f"topology-{stamp}"
    report = {"args": vars(args), "pages": page_rows, "checkout": checkout_rows}
    base.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    base.with_suffix(".txt").write_text(text + "\n")
    print(f"\nwritten {base}.json and .txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
