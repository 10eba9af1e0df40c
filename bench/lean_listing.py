"""Issue 16's 25 % of the ceiling, beside its yardstick: the marketplace's cluster page (page cache off),
a lean Flask + SQLAlchemy + Jinja listing of the same 24 products (bench/lean_app.py) and the ceiling
(bench/ceiling_app.py), under the same gunicorn settings, driven by wrk in alternating rounds.

    .venv/bin/python bench/lean_listing.py                    # 8 s per side, 2 rounds
    .venv/bin/python bench/lean_listing.py --seconds 20 --rounds 4

PostgreSQL's `pd_bench` (10,000 products, seeded by bench/run.py). Prints requests/s, p99, CPU per
request (workers and PostgreSQL backends) and each side's share of the ceiling, by requests/s and by
CPU; the ceiling serves a constant page of the marketplace page's size.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen  # noqa: E402
import run  # noqa: E402
from cpu_meter import CpuMeter  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per side")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)

    url = run.database_url("postgresql", 10_000)
    run.ensure_seeded(url, 10_000, reseed=False)
    paths = run.page_paths(url)["cluster"]
    env = run.server_env(url, WEB_CONCURRENCY=str(args.workers), GUNICORN_THREADS="1")
    bench_dir = ("--pythonpath", str(run.REPO / "bench"))
    servers = {
        "marketplace": run.Server("app-lean-compare", "bench_wsgi:uncached", env, bench_dir),
        "lean": run.Server("lean", "lean_app:app", env, bench_dir),
        "ceiling": run.Server("ceiling-lean-compare", "ceiling_app:app", env, bench_dir),
    }
    try:
        servers["marketplace"].wait_ready("/healthz")
        servers["lean"].wait_ready(paths[0])
        servers["ceiling"].wait_ready("/100")
        sizes = {}
        for name in ("marketplace", "lean"):
            _resolved, sizes[name], statuses = run.resolve(servers[name].port, paths)
            if set(statuses) != {200}:
                raise SystemExit(f"{name} answered {statuses}")
        sides = {
            "marketplace": (servers["marketplace"].port, paths),
            "lean": (servers["lean"].port, paths),
            "ceiling": (servers["ceiling"].port, [f"/{sizes['marketplace']}"]),
        }
        meters = {
            "marketplace": CpuMeter(servers["marketplace"].proc.pid, url),
            "lean": CpuMeter(servers["lean"].proc.pid, url),
            "ceiling": CpuMeter(servers["ceiling"].proc.pid, ""),
        }
        summaries = loadgen.drive_interleaved(
            sides, connections=args.connections, seconds=args.seconds, rounds=args.rounds,
            warmup=args.warmup, driver=loadgen.available_driver(), meters=meters,
        )  # fmt: skip
    finally:
        for server in servers.values():
            server.stop()
    ceiling = summaries["ceiling"]
    print(
        f"\ncluster listing, PostgreSQL 10,000 products, gunicorn {args.workers} workers × 1 thread, "
        f"{args.connections} connections, {args.seconds:g} s per side in {args.rounds} rounds"
    )
    print(f"{'side':12} {'bytes':>7} {'req/s':>7} {'p99 ms':>7} {'CPU ms':>7} {'share':>6} {'by CPU':>7}")
    for name, summary in summaries.items():
        size = sizes.get(name, sizes["marketplace"])
        share = summary.rps / ceiling.rps if ceiling.rps else 0.0
        by_cpu = ceiling.cpu_ms / summary.cpu_ms if summary.cpu_ms else 0.0
        print(
            f"{name:12} {size:>7} {summary.rps:>7.0f} {summary.p99_ms:>7.1f} {summary.cpu_ms:>7.2f} "
            f"{share:>6.0%} {by_cpu:>7.0%}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
