"""Mixed run (issue 16): anonymous visitors browse while guests place orders at 5/s; page cache hit rate.

    .venv/bin/python bench/mixed.py                          # both stores, this checkout's code
    .venv/bin/python bench/mixed.py --app-root /work/main     # the same against another checkout
    .venv/bin/python bench/mixed.py --stores redis --seconds 10 --orders-per-second 10

Seeds (once; reused while the count matches) `pd_invalidation_bench` with bench/seed.py's catalogue
(2,000 products by default), the default shipping rates and plenty of stock on the products orders
take. For each store (`default`: entries in each worker, counters in the database; `redis`: Redis
database 8, flushed first) it starts `gunicorn -c gunicorn.conf.py wsgi:app` from `--app-root` with
the page cache on, visits every page once (stored), then for `--seconds`:

- visitors (`--visitors` keep-alive connections in two processes) request home, cluster listings
  (pages 1 and 2), product pages and searches (weights 15/20/50/15 %). Half of them send no cookie
  (a hit is answered before Flask), half keep the session cookie a page with a form gives them
  (a hit goes through Flask); neither keeps `recently_viewed`, which makes product pages personal;
- an order driver places `--orders-per-second` orders through the real checkout flow, each as a new
  guest (product page → add to cart → checkout → calculate shipping → place order, hidden fields read
  from the HTML; bench/checkout.py's browser), on products the visitors browse.

Prints, per store: visitor requests/s, p50/p99, the hit rate (X-Cache: HIT among all page answers;
MISS is a render, none a page the cache bypassed) per page kind and overall, and the orders placed.
Results in bench/results/mixed-*.json. Run it once against main's checkout for the "before".
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import secrets
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import checkout as flow  # noqa: E402
import run as storefront  # noqa: E402
import seed  # noqa: E402
import sqlalchemy as sa  # noqa: E402

RESULTS = REPO / "bench" / "results"
DATABASE = "pd_invalidation_bench"
REDIS_URL = "redis://127.0.0.1:6379/8"
WEIGHTS = {"home": 15, "cluster": 20, "product": 50, "search": 15}
#: Products the visitors browse and the orders take: a random sample plus each cluster's first page.
POOL = 200
ORDER_STOCK = 1_000_000
#: Orders start this many seconds before the visitors are measured, so that orders flow from the start.
ORDER_LEAD = 6.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--stores", default="default,redis", help="comma list of default, redis")
    parser.add_argument("--app-root", default=str(REPO), help="checkout whose code the server runs")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--orders-per-second", type=float, default=5.0)
    parser.add_argument("--visitors", type=int, default=8, help="visitor connections")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--label", default="", help="name for this run in the output (e.g. before/after)")
    return parser.parse_args(argv)


# ---------------------------------------------------------------- catalogue


def prepare(products: int, reseed: bool) -> tuple[str, dict[str, list[str]], list[str]]:
    """The database URL, the visitors' paths per page kind, and the product paths orders take."""
    url = storefront.database_url("postgresql", products).rsplit("/", 1)[0] + f"/{DATABASE}"
    admin = sa.create_engine(storefront.POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DATABASE}
        ).scalar():
            conn.exec_driver_sql(f'CREATE DATABASE "{DATABASE}"')
    admin.dispose()
    storefront.ensure_seeded(url, products, reseed)

    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.shipping.services import ensure_default_shipping_rates

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        ensure_default_shipping_rates(db.session)
        db.session.commit()
        public = (
            "SELECT p.id, p.slug, p.cluster_id FROM products p JOIN sellers s ON s.id = p.seller_id "
            "WHERE p.status = 'active' AND s.status = 'approved'"
        )
        rows = db.session.execute(sa.text(public + " ORDER BY p.id")).all()
        newest = db.session.execute(
            sa.text(
                "SELECT id FROM (SELECT p.id, row_number() OVER (PARTITION BY p.cluster_id "
                "ORDER BY p.published_at DESC, p.id DESC) AS n FROM products p JOIN sellers s ON "
                "s.id = p.seller_id WHERE p.status = 'active' AND s.status = 'approved') ranked WHERE n <= 24"
            )
        ).scalars()
        chosen = set(random.Random(16).sample([r.id for r in rows], POOL)) | set(newest)
        pool = [r for r in rows if r.id in chosen]
        ids = [r.id for r in pool]
        db.session.execute(
            sa.text("UPDATE products SET stock = :s WHERE id = ANY(:ids)"), {"s": ORDER_STOCK, "ids": ids}
        )
        db.session.execute(
            sa.text("UPDATE product_variants SET stock = :s WHERE product_id = ANY(:ids)"),
            {"s": ORDER_STOCK, "ids": ids},
        )
        clusters = db.session.execute(sa.text("SELECT slug FROM clusters ORDER BY position")).scalars().all()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    product_paths = [f"/products/{r.id}-{r.slug}" for r in pool]
    paths = {
        "home": ["/"],
        "cluster": [f"/clusters/{slug}" for slug in clusters]
        + [f"/clusters/{slug}?page=2" for slug in clusters],
        "product": product_paths,
        "search": [f"/search?q={word.replace(' ', '+')}" for word in seed.SEARCH_WORDS],
    }
    return url, paths, product_paths


# ---------------------------------------------------------------- drivers


def _visitor_process(port: int, paths: dict[str, list[str]], threads: int, keep_session: bool, seed_: int,
                     start_at: float, deadline: float, queue) -> None:  # fmt: skip
    kinds = list(WEIGHTS)
    weights = [WEIGHTS[k] for k in kinds]
    records: list[tuple[str, str, float, int]] = []
    lock = threading.Lock()

    def visitor(n: int) -> None:
        rng = random.Random(seed_ * 100 + n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        session_cookie = ""
        local = []
        while time.time() < start_at:
            time.sleep(0.01)
        while time.time() < deadline:
            kind = rng.choices(kinds, weights)[0]
            path = rng.choice(paths[kind])
            headers = {"Accept-Encoding": "gzip"}
            if keep_session and session_cookie:
                headers["Cookie"] = session_cookie
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                local.append((kind, "error", 0.0, 0))
                continue
            elapsed = time.perf_counter() - began
            for header in response.headers.get_all("Set-Cookie") or []:
                if header.startswith("session="):
                    session_cookie = header.split(";", 1)[0]
            local.append((kind, response.getheader("X-Cache") or "none", elapsed, response.status))
        conn.close()
        with lock:
            records.extend(local)

    pool = [threading.Thread(target=visitor, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put(("visits", records))


def _order_process(
    port: int,
    product_paths: list[str],
    rate: float,
    orders_from: float,
    start_at: float,
    deadline: float,
    queue,
) -> None:
    """One order every 1/rate seconds, each a new guest's whole checkout, on a few threads; counted
    when placed inside the visitors' window [start_at, deadline)."""
    tickets: list[float] = []
    t = orders_from
    while t < deadline:
        tickets.append(t)
        t += 1 / rate
    lock = threading.Lock()
    outcome = {"placed": 0, "failed": 0, "late": 0, "errors": [], "place_ms": []}

    def buyer(n: int) -> None:
        rng = random.Random(1000 + n)
        while True:
            with lock:
                if not tickets:
                    return
                due = tickets.pop(0)
            wait = due - time.time()
            if wait > 0:
                time.sleep(wait)
            elif wait < -0.5:
                with lock:
                    outcome["late"] += 1
            if time.time() >= deadline:
                return
            browser = flow.Browser(port)
            try:
                flow.fill_cart(browser, rng.choice(product_paths))
                form = flow.checkout_form(browser)
                began = time.perf_counter()
                status, location, why = flow.place_order(browser, form)
                elapsed = (time.perf_counter() - began) * 1000
                ok = not why
                if not start_at <= time.time() < deadline:
                    continue  # before the window: only there so that orders flow when it opens
                with lock:
                    outcome["placed" if ok else "failed"] += 1
                    outcome["place_ms"].append(elapsed)
                    if not ok:
                        outcome["errors"].append(why)
            except (flow.FlowError, OSError, http.client.HTTPException) as error:
                with lock:
                    outcome["failed"] += 1
                    outcome["errors"].append(str(error))
            finally:
                browser.close()

    # A checkout is five requests: enough buyers that the pace holds while each waits for its pages.
    pool = [threading.Thread(target=buyer, args=(n,)) for n in range(max(4, int(rate * 4)))]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put(("orders", outcome))


def measure(port: int, paths: dict[str, list[str]], product_paths: list[str], args) -> dict:
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    orders_from = time.time() + 1.0
    start_at = orders_from + (ORDER_LEAD if args.orders_per_second > 0 else 0)  # orders already flowing
    deadline = start_at + args.seconds
    half = max(1, args.visitors // 2)
    procs = [
        ctx.Process(target=_visitor_process, args=(port, paths, half, False, 1, start_at, deadline, queue)),
        ctx.Process(
            target=_visitor_process,
            args=(port, paths, args.visitors - half, True, 2, start_at, deadline, queue),
        ),
    ]
    if args.orders_per_second > 0:
        procs.append(
            ctx.Process(
                target=_order_process,
                args=(port, product_paths, args.orders_per_second, orders_from, start_at, deadline, queue),
            )
        )
    for proc in procs:
        proc.start()
    visits: list[tuple[str, str, float, int]] = []
    orders = {"placed": 0, "failed": 0, "late": 0, "errors": [], "place_ms": []}
    for _ in procs:
        kind, payload = queue.get()
        if kind == "visits":
            visits.extend(payload)
        else:
            orders = payload
    for proc in procs:
        proc.join()
    return summarize(visits, orders, args.seconds)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def _rates(rows) -> dict:
    answered = [r for r in rows if r[1] != "error"]
    counts = {state: sum(1 for r in answered if r[1] == state) for state in ("HIT", "MISS", "none")}
    total = max(1, len(answered))
    return {
        "requests": len(answered), **counts, "hit_rate": counts["HIT"] / total,
        "p50_ms": _pct([r[2] for r in answered], 0.5), "p99_ms": _pct([r[2] for r in answered], 0.99),
        "errors": len(rows) - len(answered), "non_2xx": sum(1 for r in answered if r[3] >= 400),
    }  # fmt: skip


def summarize(visits, orders, seconds: float) -> dict:
    overall = _rates(visits)
    overall["requests_per_second"] = overall["requests"] / seconds
    place = orders.pop("place_ms")
    orders["orders_per_second"] = orders["placed"] / seconds
    orders["place_p50_ms"] = _pct([v / 1000 for v in place], 0.5)
    orders["place_p99_ms"] = _pct([v / 1000 for v in place], 0.99)
    orders["errors"] = sorted(set(orders["errors"]))[:5]
    return {
        "overall": overall,
        "by_page": {kind: _rates([v for v in visits if v[0] == kind]) for kind in WEIGHTS},
        "orders": orders,
    }


# ---------------------------------------------------------------- main


def run_store(store: str, url: str, paths, product_paths, args) -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "FLASK_DEBUG")},
        "DATABASE_URL": url, "MARKETPLACE_ENV": "development", "SECRET_KEY": secrets.token_hex(32),
        "WEB_CONCURRENCY": str(args.workers), "GUNICORN_THREADS": str(args.threads),
        "GUNICORN_ACCESS_LOG": "", "GUNICORN_LOG_LEVEL": "warning", "RATELIMIT_ENABLED": "0",
        "PAGE_CACHE_ENABLED": "1", "OUTBOX_DIR": str(RESULTS / "outbox"),
        # Warming every page in every worker can take minutes on a busy machine: no entry may
        # expire before it is measured (expiry is not what this compares).
        "CACHE_TTL_SECONDS": "3600",
    }  # fmt: skip
    if store == "redis":
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        env["REDIS_URL"] = REDIS_URL
    server = storefront.Server(f"mixed-{store}", "wsgi:app", env, root=Path(args.app_root))
    try:
        server.wait_ready("/healthz")
        began = time.monotonic()
        stored = warm(server.port, [p for kind in WEIGHTS for p in paths[kind]])
        print(
            f"   {store}: {stored:.0%} of pages stored before measuring ({time.monotonic() - began:.0f} s)",
            flush=True,
        )
        return measure(server.port, paths, product_paths, args)
    finally:
        server.stop()


def _warm_pass(port: int, paths: list[str], connections: int) -> float:
    """Every path once, each on a new connection (a kept-alive one stays with one worker, and with
    the default store each worker has its own entries); the share answered from the cache."""
    queue = list(paths)
    hits: list[bool] = []
    lock = threading.Lock()

    def fetch_all() -> None:
        while True:
            with lock:
                if not queue:
                    break
                path = queue.pop()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            conn.close()
            with lock:
                hits.append(response.getheader("X-Cache") == "HIT")

    threads = [threading.Thread(target=fetch_all) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(hits) / max(1, len(hits))


def warm(port: int, paths: list[str], connections: int = 8, passes: int = 8) -> float:
    """Visit every page until a pass finds 95 % stored (the default store keeps entries per worker,
    so each page must reach each worker): a server that has been up a while. Returns that share."""
    share = 0.0
    for _ in range(passes):
        share = _warm_pass(port, paths, connections)
        if share >= 0.95:
            break
    return share


def report_lines(label: str, store: str, result: dict) -> list[str]:
    o, orders = result["overall"], result["orders"]
    lines = [
        f"{label or 'run'} / {store}: {o['requests_per_second']:.0f} page req/s, p50 {o['p50_ms']:.1f} ms, "
        f"p99 {o['p99_ms']:.1f} ms, hit rate {o['hit_rate']:.1%} ({o['HIT']} HIT, {o['MISS']} MISS, "
        f"{o['none']} uncached), errors {o['errors']}, non-2xx {o['non_2xx']}",
        f"    orders: {orders['placed']} placed ({orders['orders_per_second']:.1f}/s), "
        f"failed {orders['failed']}, place-order p50 {orders['place_p50_ms']:.0f} ms "
        f"p99 {orders['place_p99_ms']:.0f} ms",
    ]
    for kind, r in result["by_page"].items():
        lines.append(
            f"    {kind:8} {r['requests']:6} req  hit {r['hit_rate']:6.1%}  "
            f"p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:7.1f} ms"
        )
    lines.extend(f"    e.g. {error}" for error in orders["errors"])
    return lines


def main(argv=None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(f"== mixed run: {args.products} products in {DATABASE}, code from {args.app_root}")
    url, paths, product_paths = prepare(args.products, args.reseed)
    print(
        f"   {len(paths['product'])} product pages, {len(paths['cluster'])} listings, {len(paths['search'])} "
        f"searches, home; {args.visitors} visitors, orders at {args.orders_per_second}/s "
        f"for {args.seconds:.0f} s"
    )
    report: dict = {"args": vars(args), "stores": {}}
    for store in [s.strip() for s in args.stores.split(",") if s.strip()]:
        result = run_store(store, url, paths, product_paths, args)
        report["stores"][store] = result
        print("\n".join(report_lines(args.label, store, result)), flush=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"mixed-{stamp}{'-' + args.label if args.label else ''}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
