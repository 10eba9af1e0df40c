"""CPU time and SQL statements per uncached storefront page, in one process (issue 16).

    .venv/bin/python bench/storefront_profile.py                # pd_bench (PostgreSQL), 200 renders a page
    .venv/bin/python bench/storefront_profile.py --db sqlite    # the file bench/run.py --db sqlite seeds
    .venv/bin/python bench/storefront_profile.py --profile 25   # each page's top 25 functions (cumulative)
    .venv/bin/python bench/storefront_profile.py --buyer        # also as a logged-in buyer (hearts, cart)
    .venv/bin/python bench/storefront_profile.py --code /tmp/before   # the app of another copy of the tree

Builds the app as bench_wsgi:uncached does (page cache off) on the storefront bench's catalogue
(seed it first with bench/run.py), warms every URL once, then requests home, cluster listings,
product pages and searches through Flask's test client, cycling over the same URLs as bench/run.py,
and prints per page the CPU time per request (time.process_time: the database's own work is not
in it), the wall time and the SQL statements. No HTTP, no gunicorn: an A/B of the code alone.
`--buyer` logs in a buyer (bench-buyer@bench.test, created once, with two saved products and a
cart of two lines) and repeats the pages with that session.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# `--code DIR`: import the app from another copy of the tree (an A/B against the code before a change).
CODE = Path(sys.argv[sys.argv.index("--code") + 1]).resolve() if "--code" in sys.argv else REPO
sys.path.insert(0, str(CODE))
sys.path.insert(1, str(REPO))
sys.path.insert(1, str(REPO / "bench"))

# First, from CODE: importing bench/run.py puts this tree first on the path.
marketplace = importlib.import_module("marketplace")

import run  # noqa: E402
import sqlalchemy as sa  # noqa: E402


class Counter:
    """Statements run; with `log` set, each statement's SQL and wall time are appended to it.

    The counters' reader (`readers`) is counted by its pool's checkouts, one statement each: a
    listener on its statements would send its read through SQLAlchemy instead of the DBAPI cursor
    (`cache.driver_reads.fetch_pairs`), and the bench would measure the slower path.
    """

    def __init__(self, engine, readers=()):
        self.count = 0
        self.log: list[tuple[float, str]] | None = None
        self._began = 0.0
        sa.event.listen(engine, "before_cursor_execute", self._seen)
        sa.event.listen(engine, "after_cursor_execute", self._done)
        for reader in readers:
            sa.event.listen(reader.pool, "checkout", self._read)

    def _read(self, *args):
        self.count += 1
        if self.log is not None:
            self.log.append((0.0, "(the counters' read on the reader's pool)"))

    def _seen(self, conn, cursor, statement, *args):
        self.count += 1
        self._began = time.perf_counter()

    def _done(self, conn, cursor, statement, *args):
        if self.log is not None:
            self.log.append(((time.perf_counter() - self._began) * 1000, " ".join(statement.split())))


def _measure(app, client, counter, paths: list[str], renders: int, profiler) -> tuple[float, float, float]:
    for path in paths:  # warm up: first use of each URL (templates, statements, card bodies)
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    statements = 0
    cpu = wall = 0.0
    for n in range(renders):
        path = paths[n % len(paths)]
        before = counter.count
        if profiler:
            profiler.enable()
        c0, w0 = time.process_time(), time.perf_counter()
        response = client.get(path)
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        if profiler:
            profiler.disable()
        statements += counter.count - before
        assert response.status_code == 200, path
    return cpu * 1000 / renders, wall * 1000 / renders, statements / renders


#: Where a page's CPU goes, by the cumulative time of these entries (they overlap: base.html is in
#: render_template, the cards' ORM loading in "SQL + ORM").
SHARES = (
    ("templating.py", "render_template", "render_template"),
    ("base.html", "root", "base.html"),
    ("session.py", "_execute_internal", "SQL + ORM"),
    ("base.py", "_exec_single_context", "DBAPI execute"),
    ("presenters.py", "heart", "hearts"),
    ("presenters.py", "product_cards", "cards"),
)


def _shares(profiler) -> str:
    stats = pstats.Stats(profiler).stats
    total = max(ct for (_f, _l, _n), (_cc, _nc, _tt, ct, _c) in stats.items())
    found = []
    for end, name, label in SHARES:
        cumulative = max(
            (ct for (f, _l, n), (_c1, _c2, _t, ct, _c) in stats.items() if f.endswith(end) and n == name),
            default=0.0,
        )
        found.append(f"{label} {cumulative / total:.0%}")
    return ", ".join(found)


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--database", help="bench database name (default pd_bench, as bench/run.py)")
    parser.add_argument("--renders", type=int, default=200, help="requests per page")
    parser.add_argument("--pages", nargs="*", default=list(run.PAGES), choices=run.PAGES)
    parser.add_argument("--profile", type=int, default=0, help="print each page's top N functions")
    parser.add_argument("--code", help="import the app from this copy of the tree (A/B)")
    parser.add_argument("--sql", action="store_true", help="print each page's statements and their ms")
    parser.add_argument("--buyer", action="store_true", help="repeat the pages as a logged-in buyer")
    args = parser.parse_args(argv)

    url = run.database_url(args.db, args.products, args.database)
    run.ensure_seeded(url, args.products, reseed=False)
    paths = run.page_paths(url)

    from marketplace import create_app
    from marketplace.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "PAGE_CACHE_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        # The page cache's counter reads run on an engine of their own (cache.store.MemoryBackend):
        # the rates are kept by the catalogue generation (markets.context), read there.
        backend = app.extensions["page_cache"].backend
        reader = [backend.reader()] if hasattr(backend, "reader") else []
        counter = Counter(db.engine, reader)
    visitors = [("anonymous", False)] + ([("buyer", True)] if args.buyer else [])
    print(f"code: {Path(marketplace.__file__).parent.parent}")
    print(f"{args.db}, {args.products} products, {args.renders} renders a page; load {_load()}")
    print(f"{'visitor':10} {'page':8} {'CPU ms':>7} {'wall ms':>8} {'SQL':>5}")
    for visitor, logged_in in visitors:
        client = app.test_client()
        if logged_in:
            from tests.login import logged_in_as, user_with_email  # the tests' session builder

            run.ensure_buyer(url)
            with app.app_context():
                logged_in_as(client, user_with_email(run.BUYER_EMAIL))
                db.session.remove()
        for page in args.pages:
            profiler = cProfile.Profile(time.process_time) if args.profile else None
            cpu, wall, sql = _measure(app, client, counter, paths[page], args.renders, profiler)
            print(f"{visitor:10} {page:8} {cpu:7.2f} {wall:8.2f} {sql:5.1f}", flush=True)
            if args.sql:
                counter.log = []
                client.get(paths[page][0])
                for ms, statement in counter.log:
                    print(f"    {ms:6.2f} ms  {statement[:220]}")
                counter.log = None
            if profiler:
                print("    share of the page's CPU: " + _shares(profiler))
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
                print(out.getvalue())
    print(f"load after: {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
