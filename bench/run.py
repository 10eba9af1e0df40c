"""Storefront benchmark: the marketplace under gunicorn against a seeded catalogue, beside a ceiling.

    .venv/bin/python bench/run.py                       # PostgreSQL, 10,000 products, all pages
    .venv/bin/python bench/run.py --db sqlite           # the same on an SQLite file
    .venv/bin/python bench/run.py --products 100000 --pages search   # the search variant
    .venv/bin/python bench/run.py --cache off           # page cache off (default: as wsgi.py has it)
    .venv/bin/python bench/run.py --env REDIS_URL=redis://127.0.0.1:6379/13   # cache shared in Redis

Seeds (once; reused while the product count matches, `--reseed` forces it) a database `pd_bench`
(or `pd_bench_<N>` for other sizes) on 127.0.0.1:5432 or bench/results/<name>.db, starts
`gunicorn -c gunicorn.conf.py wsgi:app` and the ceiling app (bench/ceiling_app.py: a constant page
of the same size as each measured page) with the same workers/threads on free local ports, drives
each page with 16 keep-alive connections and prints requests/s, p50 and p99 with the ratio to the
ceiling. Each page is also driven as a logged-in buyer (bench-buyer@bench.test, two saved products
and a cart of two lines, logged in through the login form; `--no-buyer` skips it), printed beside the
anonymous figure with their ratio. Results go to bench/results/ (gitignored) as JSON and text.
Targets (issue 2): listing and product pages >= 50% of the ceiling; search p99 < 50 ms at 100k.
Target (issue 16): a buyer's pages >= 80% of the anonymous figure with the page cache off (--cache off).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import loadgen  # noqa: E402
import seed  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from cpu_meter import CpuMeter  # noqa: E402

RESULTS = REPO / "bench" / "results"
PAGES = ("home", "cluster", "product", "search")
POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("postgresql", "sqlite", "both"), default="postgresql")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--reseed", action="store_true", help="drop and seed again even if already seeded")
    parser.add_argument(
        "--database", help="bench database name (default pd_bench, pd_bench_<N>): one per worktree"
    )
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma list of {', '.join(PAGES)}")
    parser.add_argument("--seconds", type=float, default=12.0, help="measured seconds per page and side")
    parser.add_argument("--rounds", type=int, default=3, help="alternate app and ceiling this many times")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (WEB_CONCURRENCY)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--driver", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--cache",
        choices=("default", "on", "off"),
        default="default",
        help="page cache: as wsgi.py configures it (default), forced on every public page, or off",
    )
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the app's environment")
    parser.add_argument(
        "--buyer",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also drive each page as a logged-in buyer (default on)",
    )
    return parser.parse_args(argv)


# ---------------------------------------------------------------- database


def database_url(backend: str, products: int, name: str | None = None) -> str:
    """The bench database's URL (created empty if missing); `name` overrides the default one."""
    name = name or ("pd_bench" if products == 10_000 else f"pd_bench_{products}")
    if backend == "sqlite":
        RESULTS.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{RESULTS / (name + '.db')}"
    engine = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def ensure_seeded(url: str, products: int, reseed: bool) -> None:
    from marketplace import create_app
    from marketplace.catalogue.models import Product
    from marketplace.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        count = None
        if not reseed:
            try:
                count = db.session.scalar(sa.select(sa.func.count()).select_from(Product))
            except sa.exc.DatabaseError:
                db.session.rollback()
        db.session.remove()
        if count == products and not _missing_columns(db):
            print(f"  reusing {url} ({count} products)")
            db.create_all()  # tables added since the seeding (create_all skips existing ones)
            # The search index objects live outside the models (IF NOT EXISTS: added only if missing).
            from marketplace.storefront.search_index import create_search_index_sql

            with db.engine.begin() as conn:
                for statement in create_search_index_sql(conn.dialect.name):
                    conn.exec_driver_sql(statement)
        else:
            missing = _missing_columns(db) if count == products else []
            why = f" (schema changed: {', '.join(missing[:5])} missing)" if missing else ""
            print(f"  seeding {url} with {products} products{why}")
            seed.reset_schema(db)
            seed.seed(db, products)
        db.engine.dispose()


def _missing_columns(db) -> list[str]:
    """Model columns absent from the seeded database (a column added since): it must be reseeded."""
    inspector = sa.inspect(db.engine)
    missing = []
    for table in db.metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue  # a new table: create_all adds it
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing += [f"{table.name}.{column.name}" for column in table.columns if column.name not in present]
    return missing


def generation_read_cost(url: str, rounds: int = 2000) -> float:
    """Microseconds for the one query the page cache adds per request when there is no Redis."""
    from marketplace import create_app
    from marketplace.cache import CATALOGUE, MemoryBackend
    from marketplace.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    backend = MemoryBackend()
    with app.app_context():
        backend.generation(CATALOGUE)
        began = time.perf_counter()
        for _ in range(rounds):
            backend.generation(CATALOGUE)
            db.session.commit()  # a request ends its transaction, so measure the round trip it really pays
        elapsed = time.perf_counter() - began
        db.session.remove()
        db.engine.dispose()
    return elapsed / rounds * 1e6


BUYER_EMAIL = "bench-buyer@bench.test"
BUYER_PASSWORD = "bench12345-buyer"  # noqa: S105 - a bench account


def ensure_buyer(url: str) -> None:
    """The bench buyer, with two saved products and two cart lines (made once in the bench database)."""
    from marketplace import create_app
    from marketplace.accounts.models import User
    from marketplace.accounts.services import register_user
    from marketplace.cart.models import Cart, CartLine
    from marketplace.catalogue.models import Product
    from marketplace.extensions import db
    from marketplace.favourites.models import Favourite

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        session = db.session
        if session.scalar(sa.select(User.id).filter_by(email=BUYER_EMAIL)) is None:
            user = register_user(session, email=BUYER_EMAIL, password=BUYER_PASSWORD, name="Bench Buyer")
            products = session.scalars(
                sa.select(Product).where(Product.status == "active").order_by(Product.id).limit(2)
            ).all()
            for product in products:
                session.add(Favourite(user_id=user.id, product_id=product.id))
            cart = Cart(user_id=user.id)
            session.add(cart)
            session.flush()
            for product in products:
                session.add(CartLine(cart_id=cart.id, product_id=product.id, quantity=1, variant_id=None))
            session.commit()
        db.session.remove()
        db.engine.dispose()


def buyer_cookie(port: int) -> str:
    """The bench buyer's session cookie on the server at `port`, through the login form."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/account/login")
        response = conn.getresponse()
        html = response.read().decode()
        cookie = _session_cookie(response)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        if token is None or cookie is None:
            raise SystemExit("the login page gave no CSRF token or session cookie")
        form = f"email={BUYER_EMAIL}&password={BUYER_PASSWORD}&csrf_token={token.group(1)}"
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        conn.request("POST", "/account/login", body=form.encode(), headers=headers)
        response = conn.getresponse()
        response.read()
        logged_in = _session_cookie(response)
        if response.status != 302 or logged_in is None:
            raise SystemExit(f"the bench buyer could not log in (status {response.status})")
        # The session must hold for a client sending no User-Agent (wrk): the header shows a logout.
        conn.request("GET", "/", headers={"Cookie": logged_in})
        response = conn.getresponse()
        if 'action="/account/logout"' not in response.read().decode():
            raise SystemExit("the bench buyer's session cookie is not accepted")
        # The first page after the login adds the session's CSRF token (the login starts a new
        # session without one). A browser keeps the cookie that page sets; wrk repeats the one it
        # was given, so with the login's cookie every request would mint a token and sign a new
        # cookie again, as no browser's requests do.
        return _session_cookie(response) or logged_in
    finally:
        conn.close()


def _session_cookie(response) -> str | None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    return None


def page_paths(url: str) -> dict[str, list[str]]:
    """Concrete URLs per page: the busiest cluster, 50 public products, several search words."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        clusters = conn.execute(sa.text("SELECT slug FROM clusters ORDER BY position")).scalars().all()
        products = conn.execute(
            sa.text(
                "SELECT p.id, p.slug FROM products p JOIN sellers s ON s.id = p.seller_id "
                "WHERE p.status = 'active' AND s.status = 'approved' ORDER BY p.id LIMIT 50"
            )
        ).all()
    engine.dispose()
    return {
        "home": ["/"],
        "cluster": [f"/clusters/{slug}" for slug in clusters],
        "product": [f"/products/{pid}-{slug}" for pid, slug in products],
        "search": [f"/search?q={word.replace(' ', '+')}" for word in seed.SEARCH_WORDS],
    }


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(url: str, **settings: str) -> dict[str, str]:
    """The environment of a benchmarked production server on `url` (this shell's Redis, database and
    debug settings left out, rate limits and access logs off), with `settings` on top."""
    return {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "FLASK_DEBUG")},
        "DATABASE_URL": url,
        "MARKETPLACE_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "PUBLIC_BASE_URL": "https://bench.pasardesa.test",
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_LOG_LEVEL": "warning",
        "RATELIMIT_ENABLED": "0",
        **settings,
    }


class Server:
    """One gunicorn master we start and stop ourselves (by its pid, never by name)."""

    def __init__(
        self, name: str, target: str, env: dict[str, str], extra_args: tuple[str, ...] = (), root: Path = REPO
    ):
        # `root`: another checkout (its own venv, gunicorn.conf.py and wsgi.py), e.g. main to compare.
        self.name = name
        self.port = free_port()
        self.log_path = RESULTS / f"{name}.log"
        self.log = self.log_path.open("w")
        full_env = {**env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        gunicorn = str(root / ".venv" / "bin" / "gunicorn")
        self.proc = subprocess.Popen(
            [gunicorn, "-c", str(root / "gunicorn.conf.py"), *extra_args, target],
            cwd=root, env=full_env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(
                    f"{self.name} exited; see {self.log_path}:\n{self.log_path.read_text()[-3000:]}"
                )
            try:
                status, _, _ = fetch(self.port, path)
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"{self.name} did not answer {path} within {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def fetch(port: int, path: str) -> tuple[int, bytes, str | None]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("Location")
    finally:
        conn.close()


def cache_note(server: Server, targets: list[str]) -> str:
    """Whether a repeated request is served from the cache (X-Cache: HIT)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        for _ in range(2):
            conn.request("GET", targets[0])
            response = conn.getresponse()
            response.read()
        state = response.getheader("X-Cache")
    finally:
        conn.close()
    return f", X-Cache on repeat: {state}" if state else ""


def resolve(port: int, paths: list[str]) -> tuple[list[str], int, dict[int, int]]:
    """Follow one redirect per path (/products/1 → /products/1-slug); return paths, mean size, statuses."""
    resolved, sizes, statuses = [], [], {}
    for path in paths:
        status, body, location = fetch(port, path)
        if status in (301, 302, 303, 307, 308) and location:
            target = location.split("://", 1)[-1]
            path = target[target.index("/") :] if "://" in location else location
            status, body, _ = fetch(port, path)
        statuses[status] = statuses.get(status, 0) + 1
        resolved.append(path)
        sizes.append(len(body))
    return resolved, int(sum(sizes) / max(1, len(sizes))), statuses


# ---------------------------------------------------------------- run


def bench_backend(backend: str, args: argparse.Namespace, driver: str) -> list[dict]:
    print(f"\n== {backend}: {args.products} products")
    url = database_url(backend, args.products, args.database)
    ensure_seeded(url, args.products, args.reseed)
    if args.buyer:
        ensure_buyer(url)
    paths = page_paths(url)
    generation_us = generation_read_cost(url)
    print(
        f"  page cache without Redis: reading the catalogue generation costs {generation_us:.0f} µs/request"
    )
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]

    env = server_env(url, WEB_CONCURRENCY=str(args.workers), GUNICORN_THREADS=str(args.threads))
    for item in args.env:
        key, _, value = item.partition("=")
        env[key] = value

    if args.cache == "default":
        app_server = Server(f"app-{backend}", "wsgi:app", env)
    else:
        variant = "cached" if args.cache == "on" else "uncached"
        app_server = Server(
            f"app-{backend}", f"bench_wsgi:{variant}", env, ("--pythonpath", str(REPO / "bench"))
        )
    ceiling = Server(f"ceiling-{backend}", "ceiling_app:app", env, ("--pythonpath", str(REPO / "bench")))
    rows = []
    try:
        app_server.wait_ready("/healthz")
        ceiling.wait_ready("/100")
        buyer = {"Cookie": buyer_cookie(app_server.port)} if args.buyer else None
        for page in pages:
            targets, size, statuses = resolve(app_server.port, paths[page])
            not_ok = sum(n for s, n in statuses.items() if s != 200)
            note = cache_note(app_server, targets)
            print(f"  {page:8} {len(targets)} url(s), ~{size} bytes, statuses {statuses}{note}")
            size = max(size, 1)
            # App and ceiling alternate in short rounds so a busy machine slows both alike.
            sides = {"app": (app_server.port, targets), "ceiling": (ceiling.port, [f"/{size}"])}
            if buyer:
                sides["buyer"] = (app_server.port, targets, buyer)
            app_meter = CpuMeter(app_server.proc.pid, url)
            meters = {"app": app_meter, "buyer": app_meter, "ceiling": CpuMeter(ceiling.proc.pid, "")}
            summaries = loadgen.drive_interleaved(
                sides,
                connections=args.connections, seconds=args.seconds, rounds=args.rounds,
                warmup=args.warmup, driver=driver, meters=meters,
            )  # fmt: skip
            app_sum, ceil_sum = summaries["app"], summaries["ceiling"]
            rows.append(
                {
                    "backend": backend, "products": args.products, "page": page, "example": targets[0],
                    "bytes": size, "probe_non_200": not_ok, "app": app_sum.as_dict(),
                    "ceiling": ceil_sum.as_dict(), "generation_read_us": generation_us,
                    "ratio": app_sum.rps / ceil_sum.rps if ceil_sum.rps else 0.0,
                }
            )  # fmt: skip
            if buyer:
                buyer_sum = summaries["buyer"]
                rows[-1]["buyer"] = buyer_sum.as_dict()
                rows[-1]["buyer_ratio"] = buyer_sum.rps / app_sum.rps if app_sum.rps else 0.0
    finally:
        app_server.stop()
        ceiling.stop()
    return rows


def cache_mode(args: argparse.Namespace) -> str:
    if args.cache == "off":
        return "page cache OFF"
    redis = any(item.startswith("REDIS_URL=") and item != "REDIS_URL=" for item in args.env)
    where = "Redis" if redis else "per-process memory + DB generation"
    scope = "as wsgi.py configures it" if args.cache == "default" else "forced on all public pages"
    return f"page cache {scope} ({where})"


def _cpu_ratio(numerator: float | None, denominator: float | None) -> str:
    """What the CPU per request gives as a ratio of requests/s (a CPU-bound server's): b/a of ms."""
    if not numerator or not denominator:
        return "-"
    return f"{numerator / denominator:.0%}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table(rows: list[dict], args: argparse.Namespace, driver: str) -> str:
    head = (
        f"{'db':10} {'page':8} {'bytes':>7} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>7} "
        f"{'CPU ms':>6} {'ceil req/s':>10} {'ceil p99':>8} {'ceil CPU':>8} {'ratio':>6} {'CPU ratio':>9}"
        + (
            f" {'buyer req/s':>11} {'buyer p99':>9} {'buyer CPU':>9} {'buyer/anon':>10} {'by CPU':>6}"
            if args.buyer
            else ""
        )
    )
    lines = [
        f"Pasar Desa storefront bench — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.products} products, "
        f"gunicorn {args.workers} workers × {args.threads} thread(s), {args.connections} connections, "
        f"{args.seconds:.0f}s per page, driver {driver}, {os.cpu_count()} CPU(s), {cache_mode(args)}",
        head,
        "-" * len(head),
    ]
    for r in rows:
        app, ceil = r["app"], r["ceiling"]
        lines.append(
            f"{r['backend']:10} {r['page']:8} {r['bytes']:>7} {app['rps']:>7.0f} {app['p50_ms']:>7.1f} "
            f"{app['p99_ms']:>7.1f} {app['bad_status'] + app['errors']:>7} {_ms(app.get('cpu_ms')):>6} "
            f"{ceil['rps']:>10.0f} {ceil['p99_ms']:>8.1f} {_ms(ceil.get('cpu_ms')):>8} {r['ratio']:>5.0%} "
            f"{_cpu_ratio(ceil.get('cpu_ms'), app.get('cpu_ms')):>9}"
            + (
                f" {r['buyer']['rps']:>11.0f} {r['buyer']['p99_ms']:>9.1f} "
                f"{_ms(r['buyer'].get('cpu_ms')):>9} {r['buyer_ratio']:>9.0%} "
                f"{_cpu_ratio(app.get('cpu_ms'), r['buyer'].get('cpu_ms')):>6}"
                if "buyer" in r
                else ""
            )
        )
    lines.append("Targets: cluster/product ratio >= 50%; search p99 < 50 ms at 100,000 products.")
    if args.buyer:
        lines.append("Target (issue 16): buyer/anon >= 80% with the page cache off (--cache off).")
    lines.append(
        "CPU ms: per request, the server's gunicorn workers and its PostgreSQL backends (from /proc; the "
        "load driver's own CPU is not in it). CPU ratio and by CPU: the same ratios from CPU per request, "
        "what a CPU-bound server would give; they move less than requests/s on a busy machine."
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    driver = loadgen.available_driver(args.driver)
    backends = ("postgresql", "sqlite") if args.db == "both" else (args.db,)
    rows: list[dict] = []
    for backend in backends:
        rows.extend(bench_backend(backend, args, driver))
    text = table(rows, args, driver)
    print("\n" + text)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = RESULTS / f"storefront-{stamp}-{args.db}-{args.products}-cache-{args.cache}"
    base.with_suffix(".json").write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2) + "\n")
    base.with_suffix(".txt").write_text(text + "\n")
    print(f"\nwritten {base}.json and .txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
