"""Seller dashboard and curator console at scale: every page's p50/p95 with the page cache off.

    .venv/bin/python bench/scale.py                 # seed once (reused), start gunicorn, time every page
    .venv/bin/python bench/scale.py --reseed        # drop pd_scale_bench and seed it again
    .venv/bin/python bench/scale.py --pages monitoring,audit --runs 10
    .venv/bin/python bench/scale.py --explain       # also EXPLAIN ANALYZE each page's slowest statements

Seeds (once; reused while the shape stored in the database's comment matches) the PostgreSQL
database `pd_scale_bench` through the app's migrations (`flask db upgrade`), then with set-based SQL
(bench/scale_seed.py): Kabat's villages and clusters, one shop with 2,000 products, ~200 other shops
with 8,000, a million order lines over three years (1–4 lines an order; paid, shipped, delivered,
cancelled, refunded; some abroad), payments, refunds, the payout ledger and monthly payouts, and
200,000 audit entries. Starts `gunicorn -c gunicorn.conf.py wsgi:app` (2 workers, PAGE_CACHE_ENABLED=0)
on a free port, logs in through the login form as the big shop's owner and as a curator, and
requests each page `--runs` times (at most `--seconds` per page), one request at a time. Prints
p50/p95/max per page, the response size and the SQL statements the page ran (counted once per
page in this process, through Flask's test client on the same database). Target (issue 16):
every page under 300 ms p95. Results in bench/results/scale-<stamp>.json and .txt.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import run  # noqa: E402  (Server, free_port: the storefront bench's gunicorn handling)
import scale_seed  # noqa: E402
import sqlalchemy as sa  # noqa: E402

RESULTS = REPO / "bench" / "results"
#: BENCH_SCALE_DB names another database (one per worktree, so branches with different migrations
#: do not upgrade each other's copy).
DATABASE = os.environ.get("BENCH_SCALE_DB", "pd_scale_bench")
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
TARGET_MS = 300.0
#: A request still unanswered after this long is counted as this long (monitoring took minutes).
REQUEST_TIMEOUT = 150.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reseed", action="store_true", help="drop the database and seed it again")
    parser.add_argument("--runs", type=int, default=30, help="requests per page (default 30)")
    parser.add_argument("--seconds", type=float, default=15.0, help="at most this long per page (≥ 5 runs)")
    parser.add_argument("--pages", default="", help="comma list of page names or groups (seller, curator, "
                        "monitoring, payouts, audit, orders); default: all")  # fmt: skip
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE each page's slowest statements"
    )
    parser.add_argument("--explain-top", type=int, default=2, help="statements per page to explain")
    parser.add_argument("--no-server", action="store_true", help="only count statements (test client)")
    return parser.parse_args(argv)


# ---------------------------------------------------------------- database


def database_url() -> str:
    return f"{POSTGRES}/{DATABASE}"


def ensure_database(reseed: bool) -> None:
    admin = sa.create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DATABASE}
        ).scalar()
        comment = (
            conn.execute(
                sa.text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"),
                {"n": DATABASE},
            ).scalar()
            if exists
            else None
        )
        fresh = reseed or comment != scale_seed.shape_text()
        if exists and fresh:
            why = "--reseed" if reseed else f"shape differs (found {comment!r})"
            print(f"  dropping {DATABASE}: {why}")
            conn.exec_driver_sql(f'DROP DATABASE "{DATABASE}" WITH (FORCE)')
        if fresh:
            conn.exec_driver_sql(f'CREATE DATABASE "{DATABASE}"')
    admin.dispose()
    # The schema comes from the migrations, as in production; a reused database gets new ones.
    env = {**os.environ, "DATABASE_URL": database_url(), "MARKETPLACE_ENV": "development"}
    subprocess.run(
        [str(REPO / ".venv" / "bin" / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=REPO, env=env, check=True, capture_output=True,
    )  # fmt: skip
    if fresh:
        print(f"  seeding {DATABASE} ({scale_seed.shape_text()})")
        from marketplace import create_app
        from marketplace.extensions import db

        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url()})
        with app.app_context():
            scale_seed.seed_scale(db)
            db.engine.dispose()
        admin = sa.create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"COMMENT ON DATABASE \"{DATABASE}\" IS '{scale_seed.shape_text()}'")
        admin.dispose()
    else:
        print(f"  reusing {DATABASE} ({comment})")


# ---------------------------------------------------------------- pages


@dataclass
class Page:
    name: str
    who: str  # "seller" or "curator"
    path: str
    groups: tuple[str, ...]
    samples: list[float] = field(default_factory=list)
    status: int = 0
    size: int = 0
    statements: int | None = None
    slowest: list[tuple[float, str, object]] = field(default_factory=list)


def build_pages() -> list[Page]:
    engine = sa.create_engine(database_url())
    with engine.connect() as conn:
        last_year = conn.execute(sa.text("SELECT max(paid_at) - interval '1 year' FROM orders")).scalar()
        first_paid = conn.execute(sa.text("SELECT min(paid_at) FROM orders")).scalar()
        actor = conn.execute(
            sa.text("SELECT email FROM users WHERE email = :e"), {"e": scale_seed.SELLER_EMAIL}
        ).scalar()
        before = conn.execute(sa.text("SELECT max(id) - 50000 FROM audit_entries")).scalar()
    engine.dispose()
    today = datetime.now(UTC).date()
    three_years = f"from={(today - timedelta(days=3 * 365 - 2)).isoformat()}&to={today.isoformat()}"
    month = f"{last_year:%Y-%m}"
    spring_from, spring_to = today - timedelta(days=400), today - timedelta(days=370)
    spring = f"date_from={spring_from.isoformat()}&date_to={spring_to.isoformat()}"
    del first_paid
    s, c = "seller", "curator"
    return [
        Page("seller home", s, "/seller/", ("seller",)),
        Page("products p1", s, "/seller/products", ("seller", "products")),
        Page("products p20", s, "/seller/products?page=20", ("seller", "products")),
        Page("products status", s, "/seller/products?status=draft", ("seller", "products")),
        Page("products search", s, "/seller/products?q=selendang", ("seller", "products")),
        Page("products cluster", s, "/seller/products?cluster=suvenir", ("seller", "products")),
        Page("products.csv", s, "/seller/products/export.csv", ("seller", "products")),
        Page("low stock", s, "/seller/stock/low", ("seller", "products")),
        Page("seller orders", s, "/seller/orders", ("seller", "orders")),
        Page("seller sales", s, "/seller/sales", ("seller", "payouts")),
        Page("seller sales.csv", s, "/seller/sales.csv", ("seller", "payouts")),
        Page("seller history", s, "/seller/history", ("seller", "audit")),
        Page("console", c, "/curator/", ("curator",)),
        Page("monitoring 12m", c, "/curator/monitoring", ("curator", "monitoring")),
        Page("monitoring 3y", c, f"/curator/monitoring?{three_years}", ("curator", "monitoring")),
        Page(
            "monitoring village", c, "/curator/monitoring?village=desa-pakistaji", ("curator", "monitoring")
        ),
        Page("monitoring cluster", c, "/curator/monitoring?cluster=batik", ("curator", "monitoring")),
        Page("months.csv 3y", c, f"/curator/monitoring/months.csv?{three_years}", ("curator", "monitoring")),
        Page("villages.csv", c, "/curator/monitoring/villages.csv", ("curator", "monitoring")),
        Page(
            "clusters.csv",
            c,
            "/curator/monitoring/clusters.csv?village=desa-kabat",
            ("curator", "monitoring"),
        ),
        Page("payouts now", c, "/curator/payouts", ("curator", "payouts")),
        Page("payouts -1y", c, f"/curator/payouts?month={month}", ("curator", "payouts")),
        Page("transfers.csv", c, "/curator/payouts/transfers.csv", ("curator", "payouts")),
        Page("commission", c, "/curator/payouts/commission", ("curator", "payouts")),
        Page("audit", c, "/curator/audit", ("curator", "audit")),
        Page("audit actor", c, f"/curator/audit?actor={urllib.parse.quote(actor)}", ("curator", "audit")),
        Page("audit action", c, "/curator/audit?action=refund.", ("curator", "audit")),
        Page("audit dates", c, f"/curator/audit?{spring}", ("curator", "audit")),
        Page("audit all 3", c, f"/curator/audit?action=product.&actor=seller&{spring}", ("curator", "audit")),
        Page("audit older", c, f"/curator/audit?before={before}", ("curator", "audit")),
        Page("audit.csv", c, "/curator/audit.csv?action=payout.", ("curator", "audit")),
        Page("transfers", c, "/curator/transfers", ("curator", "orders")),
        Page("refunds", c, "/curator/refunds", ("curator", "orders")),
        Page("late parcels", c, "/curator/late", ("curator", "orders")),
        Page("cases", c, "/curator/cases", ("curator", "orders")),
        Page("naik kelas", c, "/curator/naik-kelas", ("curator",)),
    ]


def select_pages(pages: list[Page], wanted: str) -> list[Page]:
    names = {w.strip() for w in wanted.split(",") if w.strip()}
    if not names:
        return pages
    return [p for p in pages if p.name in names or names & set(p.groups)]


# ---------------------------------------------------------------- HTTP with a session


class Browser:
    """One keep-alive connection with its cookies, like a logged-in tab."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port = port
        self.cookies: dict[str, str] = dict(cookies or {})
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, dict]:
        headers = {"Accept-Language": "en", "Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
                if attempt:
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, data, dict(response.getheaders())

    def login(self, email: str, password: str) -> None:
        status, page, _ = self.request("GET", "/account/login")
        token = re.search(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
        if not token:
            raise SystemExit(f"no CSRF token on the login form (status {status})")
        form = urllib.parse.urlencode(
            {"csrf_token": token.group(1).decode(), "email": email, "password": password}
        )
        status, _, headers = self.request("POST", "/account/login", form.encode())
        location = headers.get("Location", "")
        if status not in (302, 303) or "/account/login" in location:
            raise SystemExit(f"login as {email} failed: {status} {location}")


def time_pages(port: int, pages: list[Page], runs: int, seconds: float) -> None:
    browsers = {}
    for who, email in (("seller", scale_seed.SELLER_EMAIL), ("curator", scale_seed.CURATOR_EMAIL)):
        browser = Browser(port)
        browser.login(email, scale_seed.PASSWORD)
        browsers[who] = browser
    for page in pages:
        browser = browsers[page.who]
        began = time.perf_counter()
        try:
            status, body, _ = browser.request("GET", page.path)  # warm-up, unmeasured
        except TimeoutError:
            page.samples.append(REQUEST_TIMEOUT * 1000)  # counted as its timeout; the worker is still busy
            print(f"  {page.name:20} timed out after {REQUEST_TIMEOUT:.0f} s", flush=True)
            browsers[page.who] = browser = Browser(port, browser.cookies)
            continue
        page.status, page.size = status, len(body)
        if time.perf_counter() - began > seconds:
            # Slower than the whole budget: its warm-up is its only sample (runs would take minutes).
            page.samples.append((time.perf_counter() - began) * 1000)
            print(f"  {page.name:20} {_summary(page)} (one request: slower than {seconds:.0f} s)", flush=True)
            continue
        deadline = time.perf_counter() + seconds
        for n in range(runs):
            began = time.perf_counter()
            status, body, _ = browser.request("GET", page.path)
            page.samples.append((time.perf_counter() - began) * 1000)
            page.status = status if status != 200 else page.status
            if n >= 4 and time.perf_counter() > deadline:
                break
        print(f"  {page.name:20} {_summary(page)}", flush=True)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _summary(page: Page) -> str:
    if not page.samples:
        return "not timed"
    return (
        f"n={len(page.samples):>2} p50 {statistics.median(page.samples):7.1f} ms  p95 "
        f"{percentile(page.samples, 95):7.1f} ms  max {max(page.samples):7.1f} ms  status {page.status}"
    )


# ---------------------------------------------------------------- statements (test client)


def count_statements(pages: list[Page], explain: bool, top: int) -> None:
    """Each page once through Flask's test client on the same database: its statements and the slowest."""
    from flask import template_rendered  # noqa: F401  (flask's signals need blinker: present)

    from marketplace import create_app
    from marketplace.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(), "PAGE_CACHE_ENABLED": False,
                      "RATELIMIT_ENABLED": False})  # fmt: skip
    log: list[tuple[float, str, object]] = []
    started: dict[int, float] = {}

    with app.app_context():
        engine = db.engine

        @sa.event.listens_for(engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany):
            started[id(cursor)] = time.perf_counter()

        @sa.event.listens_for(engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany):
            began = started.pop(id(cursor), time.perf_counter())
            log.append(((time.perf_counter() - began) * 1000, statement, parameters))

    clients = {}
    for who, email in (("seller", scale_seed.SELLER_EMAIL), ("curator", scale_seed.CURATOR_EMAIL)):
        client = app.test_client()
        page = client.get("/account/login").get_data()
        token = re.search(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1).decode()
        response = client.post(
            "/account/login", data={"csrf_token": token, "email": email, "password": scale_seed.PASSWORD}
        )
        if response.status_code not in (302, 303):
            raise SystemExit(f"test client login as {email} failed: {response.status_code}")
        clients[who] = client
    for page in pages:
        clients[page.who].get(page.path)  # warm caches of statements and templates
        log.clear()
        clients[page.who].get(page.path)
        page.statements = len(log)
        page.slowest = sorted(log, key=lambda item: -item[0])[:top]
    if explain:
        with app.app_context():
            with db.engine.connect() as conn:
                for page in pages:
                    print(f"\n=== {page.name}  {page.path}  ({page.statements} statements)")
                    for ms, statement, parameters in page.slowest:
                        print(f"--- {ms:.1f} ms: {' '.join(statement.split())[:600]}")
                        plan = conn.exec_driver_sql(
                            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters
                        ).scalars()
                        print("\n".join(plan))
                        conn.rollback()
            db.engine.dispose()


# ---------------------------------------------------------------- report


def table(pages: list[Page], args: argparse.Namespace, load: tuple[float, float, float]) -> str:
    head = (
        f"{'page':20} {'n':>3} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'bytes':>9} {'SQL':>4} "
        f"{'status':>6}  ok"
    )
    lines = [
        f"Pasar Desa at scale — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {DATABASE} (PostgreSQL; "
        f"{scale_seed.SHAPE['seller_products']} + {scale_seed.SHAPE['other_products']} products, "
        f"{scale_seed.SHAPE['order_lines']:,} order lines, {scale_seed.SHAPE['audit_entries']:,} audit "
        "entries), "
        f"gunicorn {args.workers} workers × {args.threads} threads, page cache off, one request at a time, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs",
        head,
        "-" * len(head),
    ]
    for p in pages:
        p95 = percentile(p.samples, 95)
        ok = "yes" if p.samples and p95 < TARGET_MS and p.status == 200 else "NO" if p.samples else ""
        lines.append(
            f"{p.name:20} {len(p.samples):>3} {statistics.median(p.samples) if p.samples else 0:>8.1f} "
            f"{p95:>8.1f} {max(p.samples) if p.samples else 0:>8.1f} {p.size:>9} "
            f"{p.statements if p.statements is not None else '':>4} {p.status:>6}  {ok}"
        )
    lines.append(f"Target (issue 16): every page p95 < {TARGET_MS:.0f} ms.")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(f"== {DATABASE}")
    ensure_database(args.reseed)
    pages = select_pages(build_pages(), args.pages)
    if not args.no_server:
        env = run.server_env(
            database_url(),
            WEB_CONCURRENCY=str(args.workers),
            GUNICORN_THREADS=str(args.threads),
            PAGE_CACHE_ENABLED="0",
        )
        server = run.Server("scale-app", "wsgi:app", env)
        try:
            server.wait_ready("/healthz")
            print(
                f"== timing {len(pages)} pages, {args.runs} runs each (at most {args.seconds:.0f} s a page)"
            )
            time_pages(server.port, pages, args.runs, args.seconds)
        finally:
            server.stop()
    load = os.getloadavg()
    print("== counting statements (test client)")
    count_statements(pages, args.explain, args.explain_top)
    text = table(pages, args, load)
    print("\n" + text)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = RESULTS / f"scale-{stamp}"
    base.with_suffix(".json").write_text(
        json.dumps(
            {
                "args": vars(args), "load": load,
                "pages": [
                    {"name": p.name, "path": p.path, "samples_ms": p.samples, "status": p.status,
                     "bytes": p.size, "statements": p.statements,
                     "p50_ms": statistics.median(p.samples) if p.samples else None,
                     "p95_ms": percentile(p.samples, 95) if p.samples else None}
                    for p in pages
                ],
            },
            indent=2,
        )
        + "\n"
    )  # fmt: skip
    base.with_suffix(".txt").write_text(text + "\n")
    print(f"\nwritten {base}.json and .txt")
    return 0 if all(percentile(p.samples, 95) < TARGET_MS for p in pages if p.samples) else 1


if __name__ == "__main__":
    raise SystemExit(main())
