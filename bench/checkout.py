"""Checkout benchmark (issue 3): orders per second, and the last-units race repeated, through real HTTP.

    .venv/bin/python bench/checkout.py                 # PostgreSQL, 16 buyers, 20 s, 20 races
    .venv/bin/python bench/checkout.py --db sqlite
    .venv/bin/python bench/checkout.py --skip-throughput --races 50

Seeds its own database (`pd_bench_checkout`, recreated each run) with bench/seed.py's catalogue and
the default shipping rates, starts `gunicorn -c gunicorn.conf.py wsgi:app` (same settings as
bench/run.py) and drives it as guests do in a browser: product page → add to cart → checkout page
→ place order (bank transfer, courier), reading every form's hidden fields (CSRF token, checkout
token, cart fingerprint) from the HTML.

1. Throughput: 16 concurrent buyers, each on its own product (no contention on stock rows); prints
   orders/s and p50/p99 of the place-order POST.
2. Race: --race-buyers guests (default 30) fill their carts with the same product that has 3 units,
   then all press "place order" at once; repeated --races times (default 20). Prints orders placed,
   units sold and the oversold count read from the database (must be 0), plus any 5xx.
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
    pass


def fill_cart(browser: Browser, product_path: str) -> None:
    status, html, _ = browser.request("GET", product_path)
    if status != 200:
        raise FlowError(f"GET {product_path} → {status}")
    form = next((f for f in forms_in(html) if "/cart/add" in f["action"]), None)
    if form is None:
        raise FlowError(f"no add-to-cart form on {product_path}")
    status, _, _ = browser.request("POST", form["action"], {**form["fields"], "quantity": "1"})
    if status not in (302, 303):
        raise FlowError(f"POST {form['action']} → {status}")


def checkout_form(browser: Browser) -> dict:
    status, html, location = browser.request("GET", "/checkout")
    if status != 200:
        raise FlowError(f"GET /checkout → {status} {location}")
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
    status, html, _ = browser.request("POST", action, {**fields, "action": "quote"})
    quoted = next((f for f in forms_in(html) if "quote" in f["fields"]), None)
    if status != 200 or quoted is None or not quoted["fields"]["quote"]:
        raise FlowError(f"POST /checkout (calculate shipping) → {status}, no total shown")
    fields["quote"] = quoted["fields"]["quote"]
    fields["action"] = "place"
    return {"action": action, "fields": fields}


def place_order(browser: Browser, form: dict) -> tuple[int, str]:
    status, _, location = browser.request("POST", form["action"], form["fields"])
    return status, location


# ---------------------------------------------------------------- database


def prepare_database(
    backend: str, products: int, race_products: int
) -> tuple[str, list[str], list[tuple[int, str]]]:
    """Fresh schema and catalogue; returns the URL, throughput product paths, race products (id, path)."""
    import seed

    from marketplace import create_app
    from marketplace.catalogue.models import Product, ProductStatus
    from marketplace.extensions import db
    from marketplace.seller.models import Seller, SellerStatus
    from marketplace.shipping.services import ensure_default_shipping_rates

    name = "pd_bench_checkout"
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
        public = (
            sa.select(Product.id, Product.slug)
            .join(Seller, Seller.id == Product.seller_id)
            .where(Product.status == ProductStatus.ACTIVE, Seller.status == SellerStatus.APPROVED)
            .order_by(Product.id)
        )
        rows = db.session.execute(public.limit(200 + race_products)).all()
        throughput = rows[:200]
        race = rows[200:]
        db.session.execute(
            sa.update(Product).where(Product.id.in_([r.id for r in throughput])).values(stock=1_000_000)
        )
        db.session.execute(sa.update(Product).where(Product.id.in_([r.id for r in race])).values(stock=3))
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
            sa.text("SELECT stock FROM products WHERE id = :p"), {"p": product_id}
        ).scalar_one()
    engine.dispose()
    return int(orders), int(units), int(stock)


# ---------------------------------------------------------------- phases


def throughput(port: int, paths: list[str], buyers: int, seconds: float) -> dict:
    latencies: list[float] = []
    outcomes = {"orders": 0, "failed": 0, "5xx": 0}
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def buyer(index: int) -> None:
        browser = Browser(port)
        path = paths[index % len(paths)]
        try:
            while time.perf_counter() < deadline:
                try:
                    fill_cart(browser, path)
                    form = checkout_form(browser)
                    began = time.perf_counter()
                    status, location = place_order(browser, form)
                    elapsed = time.perf_counter() - began
                except FlowError as error:
                    with lock:
                        outcomes["failed"] += 1
                        errors.append(str(error))
                    time.sleep(0.05)
                    continue
                with lock:
                    latencies.append(elapsed)
                    if status >= 500:
                        outcomes["5xx"] += 1
                    if status in (302, 303) and "/orders/" in location:
                        outcomes["orders"] += 1
                    else:
                        outcomes["failed"] += 1
                        errors.append(f"place order → {status} {location}")
        finally:
            browser.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")
        )

    return {
        **outcomes, "seconds": elapsed, "orders_per_second": outcomes["orders"] / elapsed,
        "place_p50_ms": pct(0.5), "place_p99_ms": pct(0.99), "sample_errors": sorted(set(errors))[:5],
    }  # fmt: skip


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

    threads = [threading.Thread(target=prepare, args=(i,)) for i in range(buyers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ready = [i for i in range(buyers) if forms[i] is not None]
    barrier = threading.Barrier(len(ready)) if ready else None
    results: list[tuple[int, str]] = []
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
        "placed_by_http": sum(1 for s, loc in results if s in (302, 303) and "/orders/" in loc),
        "5xx": sum(1 for s, _ in results if s >= 500), "orders_in_db": orders, "units_sold": units,
        "stock_left": stock, "oversold": max(0, units - 3) + max(0, -stock),
    }  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--products", type=int, default=2000, help="catalogue size to seed")
    parser.add_argument("--buyers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--races", type=int, default=20)
    parser.add_argument("--race-buyers", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)

    print(f"== checkout bench on {args.db}: seeding {args.products} products")
    url, paths, race_products = prepare_database(args.db, args.products, args.races)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "FLASK_DEBUG")},
        "DATABASE_URL": url, "MARKETPLACE_ENV": "development", "SECRET_KEY": secrets.token_hex(32),
        "WEB_CONCURRENCY": str(args.workers), "GUNICORN_THREADS": str(args.threads),
        "GUNICORN_ACCESS_LOG": "", "GUNICORN_LOG_LEVEL": "warning", "RATELIMIT_ENABLED": "0",
        "OUTBOX_DIR": str(RESULTS / "outbox"),
    }  # fmt: skip
    server = storefront.Server(f"checkout-{args.db}", "wsgi:app", env)
    report: dict = {"args": vars(args)}
    try:
        server.wait_ready("/healthz")
        if not args.skip_throughput:
            report["throughput"] = result = throughput(server.port, paths, args.buyers, args.seconds)
            print(
                f"throughput: {result['orders']} orders in {result['seconds']:.1f}s = "
                f"{result['orders_per_second']:.1f} orders/s with {args.buyers} buyers on distinct products; "
                f"place-order p50 {result['place_p50_ms']:.0f} ms, p99 {result['place_p99_ms']:.0f} ms; "
                f"failed flows {result['failed']}, 5xx {result['5xx']}"
            )
            for error in result["sample_errors"]:
                print(f"  e.g. {error}")
        races = []
        for n, (product_id, path) in enumerate(race_products, start=1):
            outcome = race(server.port, url, product_id, path, args.race_buyers)
            races.append(outcome)
            print(
                f"race {n:2}: {outcome['buyers_ready']} buyers, {outcome['placed_by_http']} orders placed, "
                f"{outcome['units_sold']} units sold of 3, stock left {outcome['stock_left']}, "
                f"oversold {outcome['oversold']}, 5xx {outcome['5xx']}"
                + (f"  prepare errors: {outcome['prepare_errors']}" if outcome["prepare_errors"] else "")
            )
        report["races"] = races
        oversold = sum(r["oversold"] for r in races)
        server_errors = sum(r["5xx"] for r in races)
        print(
            f"races: {len(races)} × {args.race_buyers} buyers for 3 units → "
            f"oversold total {oversold} (must be 0), 5xx total {server_errors}"
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
