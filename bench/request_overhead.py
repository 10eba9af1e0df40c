"""What every request costs in our app before its view's own work (issue 16), in one process.

    .venv/bin/python bench/request_overhead.py                 # pd_bench (PostgreSQL)
    .venv/bin/python bench/request_overhead.py --db sqlite     # the file bench/run.py --db sqlite seeds
    .venv/bin/python bench/request_overhead.py --code /tmp/before   # the app of another copy of the tree

Through Flask's test client, CPU time per request (`time.process_time`, best of several batches, so
other work on the machine moves it less): the ceiling app (bench/ceiling_app.py) answering a
constant 60 KB page, then our app (page cache off) answering pages that do next to nothing —
/robots.txt (no template, no SQL), /healthz (JSON, two statements), a 404 (the error page: header,
footer, context processors, no SQL besides today's rates) — and then, for one cluster listing, the
time spent in each request hook and template context processor (each wrapped in a timer).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CODE = Path(sys.argv[sys.argv.index("--code") + 1]).resolve() if "--code" in sys.argv else REPO
sys.path.insert(0, str(CODE))
sys.path.insert(1, str(REPO))
sys.path.insert(1, str(REPO / "bench"))

marketplace = importlib.import_module("marketplace")

import ceiling_app  # noqa: E402
import run  # noqa: E402


def _best(client, path: str, *, batches: int, size: int) -> float:
    """CPU ms per request, the best batch of `size` requests."""
    for _ in range(5):
        client.get(path)
    best = float("inf")
    for _ in range(batches):
        began = time.process_time()
        for _ in range(size):
            client.get(path)
        best = min(best, (time.process_time() - began) * 1000 / size)
    return best


def _timed_hooks(app) -> dict[str, float]:
    """Wrap every request hook and context processor of `app` in a CPU timer; returns the totals."""
    totals: dict[str, float] = {}

    def wrap(kind: str, func):
        name = f"{kind} {getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', func)}"

        def timed(*args, **kwargs):
            began = time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                totals[name] = totals.get(name, 0.0) + time.process_time() - began

        timed.__name__ = getattr(func, "__name__", "hook")
        return timed

    for kind, registry in (
        ("before", app.before_request_funcs),
        ("after", app.after_request_funcs),
        ("context", app.template_context_processors),
        ("url", app.url_value_preprocessors),
        ("teardown", app.teardown_request_funcs),
    ):
        for key, funcs in registry.items():
            registry[key] = [wrap(kind, f) for f in funcs]
    return totals


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--size", type=int, default=50, help="requests per batch")
    parser.add_argument("--code", help="import the app from this copy of the tree (A/B)")
    args = parser.parse_args(argv)

    url = run.database_url(args.db, args.products)
    run.ensure_seeded(url, args.products, reseed=False)
    cluster = run.page_paths(url)["cluster"][0]

    from marketplace import create_app

    config = {"SQLALCHEMY_DATABASE_URI": url, "PAGE_CACHE_ENABLED": False, "RATELIMIT_ENABLED": False}
    app = create_app({**config, "SERVER_NAME": None})
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"code: {Path(marketplace.__file__).parent.parent}; {args.db}; load {load}")
    print("CPU ms per request (best batch):")
    ceiling = ceiling_app.app.test_client()
    constant = _best(ceiling, "/60000", batches=args.batches, size=args.size)
    print(f"  {'ceiling app, 60 KB constant page':40} {constant:6.3f}")
    client = app.test_client()
    for label, path in (
        ("/robots.txt (no template, no SQL)", "/robots.txt"),
        ("/healthz (JSON, SQL)", "/healthz"),
        ("404 page (header, footer, rates)", "/no-such-page"),
        (f"{cluster} (a listing)", cluster),
    ):
        print(f"  {label:40} {_best(client, path, batches=args.batches, size=args.size):6.3f}")

    totals = _timed_hooks(app)
    for _ in range(5):
        client.get(cluster)
    totals.clear()
    requests = args.batches * args.size
    began = time.process_time()
    for _ in range(requests):
        client.get(cluster)
    page = (time.process_time() - began) * 1000 / requests
    hooks = sum(totals.values()) * 1000 / requests
    print(f"\nhooks and context processors on {cluster}: {hooks:.3f} of {page:.3f} ms a request")
    for name, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        if seconds * 1000 / requests >= 0.005:
            print(f"  {seconds * 1000 / requests:6.3f}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
