"""Checkout benchmark (issues 3 and 16): place-order requests/s, whole flows, and the last-units race.

    .venv/bin/python bench/checkout.py                          # PostgreSQL, 16 buyers, 20 races
    .venv/bin/python bench/checkout.py --db sqlite
    .venv/bin/python bench/checkout.py --database pd_checkout_bench --orders-per-buyer 30
    .venv/bin/python bench/checkout.py --skip-throughput --races 50

Seeds its own database (`--database`, default `pd_bench_checkout` or BENCH_CHECKOUT_DB; recreated
each run) with bench/seed.py's catalogue and the default shipping rates; the 200 throughput
products get 1,000,000 units on the variant they sell through (so no flow meets a sold-out one),
the race products 3. Starts `gunicorn -c gunicorn.conf.py wsgi:app` with the file's own defaults
(one worker per CPU, at least 2, 4 threads; `--workers`, `--threads` override) and drives it as guests do in
a browser: product page → add to cart → checkout page → "Calculate shipping" → place order (bank
transfer, courier), reading every form's hidden fields (CSRF token, checkout token, fingerprint,
quote) from the HTML.

1. Place order only: each of --buyers guests (16) first has --orders-per-buyer checkouts shown
   and priced (its own product, a new cart each), then all press "Place order" on them one after
   another at once: the place-order POST's requests/s, p50/p99, refusals by reason, and the CPU
   it cost the gunicorn workers and the database's backends (from /proc), per request.
2. Whole flows for --seconds: every step's requests/s and p50/p99 apart, flows/s, failures by reason.
3. Race: --race-buyers guests (30) fill their carts with the same product that has 3 units, then
   all press "place order" at once; repeated --races times (20). Prints orders placed, units sold
   and the oversold count read from the database (must be 0), plus any 5xx.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import sys
import threading
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import run as storefront  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from cpu_meter import CpuMeter  # noqa: E402

RESULTS = REPO / "bench" / "results"
ADDRESS = {
    "name": "Pembeli Bench",
    "phone": "081234567890",
    "street": "Jl. Raya Kabat 280",
    "district": "Kabat",
    "city": "Kabupaten Banyuwangi",
    "province": "Jawa Timur",
    "postal_code": "68461",
}


# ---------------------------------------------------------------- a tiny browser


class _Forms(HTMLParser):
    """Every <form>: action, method and the values a browser would submit by default (a <template>'s
    fields are inert: not submitted)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._in_template = 0

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "template":
            self._in_template += 1
        if self._in_template:
            return
        if tag == "form":
            self.forms.append(
                {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": {}}
            )
        elif not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    fields[a["name"]] = a.get("value", "on")
            elif kind not in ("submit", "button", "image", "file"):
                fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select, self._select_first = a.get("name"), None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
                fields.setdefault(self._select, value)
            if "selected" in a:
                fields[self._select] = value
        elif tag == "textarea" and a.get("name"):
            fields[a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "template":
            self._in_template -= 1
        if tag == "select":
            self._select = None


def forms_in(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class Browser:
    """Keep-alive connection plus a cookie jar; no redirects followed (we want to see them)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        headers = {"Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            pair = header.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if "max-age=0" in header.lower() or "expires=thu, 01 jan 1970" in header.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()
        location = response.getheader("Location") or ""
        if location.startswith("http"):
            parts = urlsplit(location)
            location = parts.path + (f"?{parts.query}" if parts.query else "")
        return response.status, text, location

    def close(self) -> None:
        self.conn.close()


class FlowError(RuntimeError):
    """A step of the flow did not answer as a browser expects; `reason` groups them in the report."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class _Alert(HTMLParser):
    """The text of the page's first error message (`role="alert"` or a flash), to name a failure."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if self.depth:
            self.depth += 1
        elif not self.text and (a.get("role") == "alert" or "flash-error" in a.get("class", "")):
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def alert_text(html: str) -> str:
    parser = _Alert()
    parser.feed(html)
    return " ".join(" ".join(parser.text).split())[:120]


class Steps:
    """Latencies of each step of the flow, kept apart (the place-order POST is not browsing)."""

    NAMES = ("product page", "add to cart", "checkout page", "calculate shipping", "place order")

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {name: [] for name in self.NAMES}

    def timed(self, name: str, browser: Browser, method: str, path: str, data: dict | None = None):
        began = time.perf_counter()
        outcome = browser.request(method, path, data)
        elapsed = time.perf_counter() - began
        with self.lock:
            self.latencies[name].append(elapsed)
        return outcome

    def summary(self, seconds: float) -> dict:
        return {name: _stats(values, seconds) for name, values in self.latencies.items()}


def _stats(values: list[float], seconds: float) -> dict:
    ordered = sorted(values)

    def pct(q: float) -> float:
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {
        "count": len(ordered),
        "per_second": len(ordered) / seconds if seconds else float("nan"),
        "p50_ms": pct(0.5),
        "p99_ms": pct(0.99),
        "max_ms": ordered[-1] * 1000 if ordered else float("nan"),
    }


def fill_cart(browser: Browser, product_path: str, steps: Steps | None = None) -> None:
    steps = steps or Steps()
    status, html, _ = steps.timed("product page", browser, "GET", product_path)
    if status != 200:
        raise FlowError(f"product page {status}", product_path)
    form = next((f for f in forms_in(html) if "/cart/add" in f["action"]), None)
    if form is None:
        raise FlowError("no add-to-cart form (sold out?)", product_path)
    status, _, location = steps.timed(
        "add to cart", browser, "POST", form["action"], {**form["fields"], "quantity": "1"}
    )
    if status not in (302, 303):
        raise FlowError(f"add to cart {status}", location)


def checkout_form(browser: Browser, steps: Steps | None = None) -> dict:
    steps = steps or Steps()
    status, html, location = steps.timed("checkout page", browser, "GET", "/checkout")
    if status != 200:
        raise FlowError(f"checkout page {status}", location)
    form = next((f for f in forms_in(html) if "checkout_token" in f["fields"]), None)
    if form is None:
        raise FlowError("no checkout form (with a checkout_token field) on /checkout")
    fields = dict(form["fields"])
    fields.update(ADDRESS)
    fields.setdefault("email", "")
    fields["email"] = f"buyer-{secrets.token_hex(6)}@bench.test"
    fields["shipping_method"] = "courier"
    fields["payment_method"] = "bank_transfer"
    fields.pop("use_address", None)
    action = form["action"] or "/checkout"
    # "Calculate shipping", as a buyer without JavaScript does: the page comes back with the total,
    # and placing the order refuses a total the page did not show (the form's `quote`).
    status, html, _ = steps.timed(
        "calculate shipping", browser, "POST", action, {**fields, "action": "quote"}
    )
    quoted = next((f for f in forms_in(html) if "quote" in f["fields"]), None)
    if status != 200 or quoted is None or not quoted["fields"]["quote"]:
        raise FlowError(f"calculate shipping {status}, no total shown", alert_text(html))
    fields["quote"] = quoted["fields"]["quote"]
    fields["action"] = "place"
    return {"action": action, "fields": fields}


def place_order(browser: Browser, form: dict, steps: Steps | None = None) -> tuple[int, str, str]:
    """(status, location, why): `why` names a refusal ("" when the order was placed)."""
    steps = steps or Steps()
    status, html, location = steps.timed("place order", browser, "POST", form["action"], form["fields"])
    if status in (302, 303) and "/orders/" in location:
        return status, location, ""
    if status in (302, 303):
        return status, location, f"place order {status} → {location.split('?')[0]}"
    return status, location, f"place order {status}: {alert_text(html) or 'no message'}"


# ---------------------------------------------------------------- database

#: The bench's own database (recreated each run); `--database` or BENCH_CHECKOUT_DB name another.
DEFAULT_DATABASE = os.environ.get("BENCH_CHECKOUT_DB", "pd_bench_checkout")
#: Units each throughput product starts with: far more than any run sells, so no flow meets a sold-out one.
THROUGHPUT_STOCK = 1_000_000


def prepare_database(
    backend: str, products: int, race_products: int, *, name: str = DEFAULT_DATABASE
) -> tuple[str, list[str], list[tuple[int, str]]]:
    """Fresh schema and catalogue; returns the URL, throughput product paths, race products (id, path).

    Products sell through their variants: the stock is set on the (only) variant and on the
    product's total alike, as `stock.services` keeps them.
    """
    import seed

    from marketplace import create_app
    from marketplace.catalogue.models import Product, ProductStatus, ProductVariant
    from marketplace.extensions import db
    from marketplace.seller.models import Seller, SellerStatus
    from marketplace.shipping.services import ensure_default_shipping_rates

    if backend == "sqlite":
        url = f"sqlite:///{RESULTS / (name + '.db')}"
    else:
        admin = sa.create_engine(storefront.POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar():
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        seed.reset_schema(db)
        seed.seed(db, products, log=lambda *_: None)
        ensure_default_shipping_rates(db.session)
        # Public products with exactly one variant (the flows add "1" without choosing a size).
        single = (
            sa.select(ProductVariant.product_id)
            .group_by(ProductVariant.product_id)
            .having(sa.func.count() == 1)
        )
        public = (
            sa.select(Product.id, Product.slug)
            .join(Seller, Seller.id == Product.seller_id)
            .where(
                Product.status == ProductStatus.ACTIVE,
                Seller.status == SellerStatus.APPROVED,
                Product.id.in_(single),
            )
            .order_by(Product.id)
        )
        rows = db.session.execute(public.limit(200 + race_products)).all()
        throughput = rows[:200]
        race = rows[200:]
        for ids, stock in (([r.id for r in throughput], THROUGHPUT_STOCK), ([r.id for r in race], 3)):
            if not ids:
                continue
            db.session.execute(sa.update(Product).where(Product.id.in_(ids)).values(stock=stock))
            db.session.execute(
                sa.update(ProductVariant).where(ProductVariant.product_id.in_(ids)).values(stock=stock)
            )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return (
        url,
        [f"/products/{r.id}-{r.slug}" for r in throughput],
        [(r.id, f"/products/{r.id}-{r.slug}") for r in race],
    )


def sold_units(url: str, product_id: int) -> tuple[int, int, int]:
    """(orders holding the product, units in them, stock left) as the database sees it."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        orders, units = conn.execute(
            sa.text(
                "SELECT count(DISTINCT l.order_id), coalesce(sum(l.quantity), 0) FROM order_lines l "
                "JOIN orders o ON o.id = l.order_id WHERE l.product_id = :p AND o.status <> 'cancelled'"
            ),
            {"p": product_id},
        ).one()
        stock = conn.execute(
            sa.text("SELECT min(stock) FROM product_variants WHERE product_id = :p"), {"p": product_id}
        ).scalar_one()
    engine.dispose()
    return int(orders), int(units), int(stock)


# ---------------------------------------------------------------- phases


def _count(counter: dict, key: str, lock: threading.Lock) -> None:
    with lock:
        counter[key] = counter.get(key, 0) + 1


def throughput(port: int, paths: list[str], buyers: int, seconds: float) -> dict:
    """Whole flows: `buyers` guests, each on its own product, browse → cart → checkout → place, again
    and again for `seconds`. Every step's rate and latency apart; failures by reason."""
    steps = Steps()
    outcomes = {"orders": 0, "flows_failed": 0, "5xx": 0}
    reasons: dict[str, int] = {}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def buyer(index: int) -> None:
        browser = Browser(port)
        path = paths[index % len(paths)]
        try:
            while time.perf_counter() < deadline:
                try:
                    fill_cart(browser, path, steps)
                    form = checkout_form(browser, steps)
                    status, _location, why = place_order(browser, form, steps)
                except FlowError as error:
                    _count(reasons, error.reason, lock)
                    _count(outcomes, "flows_failed", lock)
                    time.sleep(0.05)
                    continue
                with lock:
                    outcomes["5xx"] += status >= 500
                if why:
                    _count(reasons, why, lock)
                    _count(outcomes, "flows_failed", lock)
                else:
                    _count(outcomes, "orders", lock)
        finally:
            browser.close()

    started = time.perf_counter()
    _run_threads(buyer, buyers)
    elapsed = time.perf_counter() - started
    per_step = steps.summary(elapsed)
    place = per_step["place order"]
    return {
        **outcomes, "seconds": elapsed, "flows_per_second": outcomes["orders"] / elapsed,
        "steps": per_step, "failures": reasons,
        # The names bench/topology.py reads.
        "orders_per_second": outcomes["orders"] / elapsed, "failed": outcomes["flows_failed"],
        "place_p50_ms": place["p50_ms"], "place_p99_ms": place["p99_ms"],
        "sample_errors": sorted(reasons)[:5],
    }  # fmt: skip


def prepare_checkouts(port: int, paths: list[str], buyers: int, per_buyer: int) -> tuple[list[list], dict]:
    """`per_buyer` checkout forms for each buyer, all shown and priced, none placed yet.

    Each buyer keeps one browser session (its CSRF token) and opens a new guest cart for every
    form (a fresh `cart_token` cookie): product page once, then add to cart → checkout page →
    calculate shipping per form, exactly as a browser's tab would.
    """
    prepared: list[list] = [[] for _ in range(buyers)]
    reasons: dict[str, int] = {}
    lock = threading.Lock()

    def buyer(index: int) -> None:
        browser = Browser(port)
        path = paths[index % len(paths)]
        try:
            status, html, _ = browser.request("GET", path)
            add = next((f for f in forms_in(html) if "/cart/add" in f["action"]), None)
            if status != 200 or add is None:
                _count(reasons, f"product page {status}, no add-to-cart form", lock)
                return
            for _ in range(per_buyer * 2):
                if len(prepared[index]) >= per_buyer:
                    break
                browser.cookies.pop("cart_token", None)
                try:
                    status, _, _ = browser.request("POST", add["action"], {**add["fields"], "quantity": "1"})
                    if status not in (302, 303):
                        raise FlowError(f"add to cart {status}")
                    form = checkout_form(browser)
                except FlowError as error:
                    _count(reasons, error.reason, lock)
                    continue
                prepared[index].append((dict(browser.cookies), form))
        finally:
            browser.close()

    _run_threads(buyer, buyers)
    return prepared, reasons


def place_only(port: int, prepared: list[list], on_clock_start=lambda: None) -> dict:
    """Every buyer presses "Place order" on its prepared forms, one after the other, all buyers at
    once: the place-order POST alone, its rate and latency. `on_clock_start` runs once, after the
    warm-up orders and before the timed ones (the CPU meter's first reading)."""
    steps = Steps()
    outcomes = {"orders": 0, "refused": 0, "5xx": 0}
    reasons: dict[str, int] = {}
    lock = threading.Lock()
    warmup: list[float] = []
    clock: list[float] = []

    def start_clock() -> None:
        on_clock_start()
        clock.append(time.perf_counter())

    barrier = threading.Barrier(len(prepared), action=start_clock)

    def buyer(index: int) -> None:
        browser = Browser(port)
        try:
            forms = prepared[index]
            if forms:
                # The first order is placed before the clock starts, on the connection the timed
                # ones use (gunicorn keeps a connection on the worker that accepted it): a worker's
                # first place-order compiles its statements (~140 ms of CPU instead of ~17), a cost
                # paid once per worker start, not per order.
                cookies, form = forms[0]
                browser.cookies = {**browser.cookies, **cookies}
                began = time.perf_counter()
                status, _location, why = place_order(browser, form)
                with lock:
                    warmup.append(time.perf_counter() - began)
                    outcomes["5xx"] += status >= 500
                if why:
                    _count(reasons, f"warm-up: {why}", lock)
            barrier.wait()
            for cookies, form in forms[1:]:
                # The session of the browser that showed the form (its CSRF token) and its cart.
                browser.cookies = {**browser.cookies, **cookies}
                status, _location, why = place_order(browser, form, steps)
                with lock:
                    outcomes["5xx"] += status >= 500
                if why:
                    _count(reasons, why, lock)
                    _count(outcomes, "refused", lock)
                else:
                    _count(outcomes, "orders", lock)
        finally:
            browser.close()

    _run_threads(buyer, len(prepared))
    elapsed = time.perf_counter() - clock[0]
    place = steps.summary(elapsed)["place order"]
    return {
        **outcomes, "seconds": elapsed, "place": place, "failures": reasons,
        "warmup": _stats(warmup, 0.0),
    }  # fmt: skip


def _run_threads(target, count: int) -> None:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def race(port: int, url: str, product_id: int, path: str, buyers: int) -> dict:
    browsers = [Browser(port) for _ in range(buyers)]
    forms: list[dict | None] = [None] * buyers
    prep_errors: list[str] = []

    def prepare(i: int) -> None:
        try:
            fill_cart(browsers[i], path)
            forms[i] = checkout_form(browsers[i])
        except FlowError as error:
            prep_errors.append(str(error))

    _run_threads(prepare, buyers)
    ready = [i for i in range(buyers) if forms[i] is not None]
    barrier = threading.Barrier(len(ready)) if ready else None
    results: list[tuple[int, str, str]] = []
    lock = threading.Lock()

    def press(i: int) -> None:
        barrier.wait()
        outcome = place_order(browsers[i], forms[i])
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=press, args=(i,)) for i in ready]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for browser in browsers:
        browser.close()
    orders, units, stock = sold_units(url, product_id)
    return {
        "buyers_ready": len(ready), "prepare_errors": sorted(set(prep_errors))[:3],
        "placed_by_http": sum(1 for _s, _loc, why in results if not why),
        "5xx": sum(1 for s, _, _ in results if s >= 500), "orders_in_db": orders, "units_sold": units,
        "stock_left": stock, "oversold": max(0, units - 3) + max(0, -stock),
    }  # fmt: skip


# ---------------------------------------------------------------- report


def _gunicorn_settings(env: dict[str, str]) -> tuple[int, int]:
    """(workers, threads) gunicorn.conf.py gives for `env` (its defaults when unset)."""
    workers = env.get("WEB_CONCURRENCY", "").strip()
    threads = env.get("GUNICORN_THREADS", "").strip()
    return (int(workers) if workers else max(2, os.cpu_count() or 1), int(threads) if threads else 4)


def _print_failures(reasons: dict[str, int]) -> None:
    for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
        print(f"    {count:5} × {reason}")


def _print_steps(steps: dict) -> None:
    print(f"    {'step':20} {'count':>6} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for name, s in steps.items():
        print(
            f"    {name:20} {s['count']:>6} {s['per_second']:>7.1f} {s['p50_ms']:>7.0f} "
            f"{s['p99_ms']:>7.0f} {s['max_ms']:>7.0f}"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument(
        "--database", default=DEFAULT_DATABASE, help="database (PostgreSQL) or file stem (SQLite), recreated"
    )
    parser.add_argument("--products", type=int, default=2000, help="catalogue size to seed")
    parser.add_argument("--buyers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="whole-flow phase length (0 skips it)")
    parser.add_argument(
        "--orders-per-buyer", type=int, default=60, help="place-only phase: forms each buyer places (0 skips)"
    )
    parser.add_argument("--races", type=int, default=20)
    parser.add_argument("--race-buyers", type=int, default=30)
    parser.add_argument("--workers", type=int, help="WEB_CONCURRENCY (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, help="GUNICORN_THREADS (default: gunicorn.conf.py's)")
    parser.add_argument("--skip-throughput", action="store_true", help="races only")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)

    print(f"== checkout bench on {args.db} ({args.database}): seeding {args.products} products")
    url, paths, race_products = prepare_database(args.db, args.products, args.races, name=args.database)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "FLASK_DEBUG")},
        "DATABASE_URL": url, "MARKETPLACE_ENV": "development", "SECRET_KEY": secrets.token_hex(32),
        "GUNICORN_ACCESS_LOG": "", "GUNICORN_LOG_LEVEL": "warning", "RATELIMIT_ENABLED": "0",
        "OUTBOX_DIR": str(RESULTS / "outbox"),
    }  # fmt: skip
    for name, value in (("WEB_CONCURRENCY", args.workers), ("GUNICORN_THREADS", args.threads)):
        if value is not None:
            env[name] = str(value)
    workers, threads = _gunicorn_settings(env)
    print(
        f"gunicorn.conf.py: {workers} workers × {threads} threads (gthread); {os.cpu_count()} CPUs; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    server = storefront.Server(f"checkout-{args.db}", "wsgi:app", env)
    report: dict = {"args": vars(args), "workers": workers, "threads": threads}
    try:
        server.wait_ready("/healthz")
        if not args.skip_throughput and args.orders_per_buyer > 0:
            began = time.perf_counter()
            prepared, prep_failures = prepare_checkouts(
                server.port, paths, args.buyers, args.orders_per_buyer
            )
            ready = sum(len(forms) for forms in prepared)
            print(
                f"place order only: {ready} checkouts shown and priced for {args.buyers} buyers on "
                f"distinct products in {time.perf_counter() - began:.1f}s"
                + (f", {sum(prep_failures.values())} could not be prepared:" if prep_failures else "")
            )
            _print_failures(prep_failures)
            meter = CpuMeter(server.proc.pid, url)
            cpu_before: list = []
            report["place_only"] = result = place_only(
                server.port, prepared, on_clock_start=lambda: cpu_before.append(meter.snapshot())
            )
            result["cpu_seconds"] = cpu = meter.spent(cpu_before[0])
            place = result["place"]
            print(
                f"  place-order POST: {place['per_second']:.1f} requests/s ({place['count']} in "
                f"{result['seconds']:.1f}s), p50 {place['p50_ms']:.0f} ms, p99 {place['p99_ms']:.0f} ms, "
                f"max {place['max_ms']:.0f} ms; {result['orders']} orders placed, {result['refused']} "
                f"refused, 5xx {result['5xx']}; load average {os.getloadavg()[0]:.2f}"
            )
            if place["count"]:
                print(
                    f"  CPU per place-order POST: app (gunicorn workers) "
                    f"{cpu['app'] * 1000 / place['count']:.1f} ms, "
                    f"database {cpu['database'] * 1000 / place['count']:.1f} ms"
                )
            warm = result["warmup"]
            print(
                f"  warm-up (each buyer's first order, before the clock): {warm['count']} orders, "
                f"p50 {warm['p50_ms']:.0f} ms, max {warm['max_ms']:.0f} ms"
            )
            _print_failures(result["failures"])
        if not args.skip_throughput and args.seconds > 0:
            report["flows"] = result = throughput(server.port, paths, args.buyers, args.seconds)
            print(
                f"whole flows (product page → add to cart → checkout page → calculate shipping → place "
                f"order), {args.buyers} buyers on distinct products, {result['seconds']:.1f}s: "
                f"{result['flows_per_second']:.1f} flows/s ({result['orders']} orders), "
                f"{result['flows_failed']} failed, 5xx {result['5xx']}; load average {os.getloadavg()[0]:.2f}"
            )
            _print_steps(result["steps"])
            _print_failures(result["failures"])
        races = []
        for n, (product_id, path) in enumerate(race_products, start=1):
            outcome = race(server.port, url, product_id, path, args.race_buyers)
            races.append(outcome)
            if outcome["oversold"] or outcome["5xx"] or outcome["prepare_errors"]:
                print(
                    f"race {n:2}: {outcome['buyers_ready']} buyers, {outcome['placed_by_http']} orders "
                    f"placed, {outcome['units_sold']} units sold of 3, stock left {outcome['stock_left']}, "
                    f"oversold {outcome['oversold']}, 5xx {outcome['5xx']}"
                    + (f"  prepare errors: {outcome['prepare_errors']}" if outcome["prepare_errors"] else "")
                )
        report["races"] = races
        if races:
            print(
                f"races: {len(races)} × {args.race_buyers} buyers for the last 3 units → "
                f"{sum(r['placed_by_http'] for r in races)} orders, "
                f"{sum(r['units_sold'] for r in races)} units sold of {3 * len(races)}, "
                f"oversold total {sum(r['oversold'] for r in races)} (must be 0), "
                f"5xx total {sum(r['5xx'] for r in races)}"
            )
    finally:
        server.stop()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"checkout-{stamp}-{args.db}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
