"""Lighthouse audit of the public pages and the seller's: mobile performance and accessibility scores.

A manual tool, not part of `make test`. It builds a throwaway SQLite database with the demo data and
serves it under gunicorn on 127.0.0.1:$LIGHTHOUSE_PORT (default 5791) (bench/demo_server.py), finds a
cluster, a product and a village page by following links from the home page, and runs Lighthouse
(mobile, simulated throttling) with Debian's Chromium on those, the home page, a search, the login
form, the cart and the checkout (a guest's, with one product in the cart, shopping in Indonesia), and,
logged in as the demo seller (the session cookie passed with --extra-headers), the seller's dashboard
and product form. It prints a table of scores and the failed audits that cost the most. JSON reports
land in bench/results/lighthouse/.

    npm ci                          # once: installs Lighthouse 12 (package.json; node_modules is ignored)
    .venv/bin/python bench/lighthouse.py [--url http://127.0.0.1:5000]   # --url audits a running server

Lighthouse 13 needs Node >= 22.19; 12.8 runs on the Node 20 that Debian bookworm ships.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_server import REPO, demo_server, log_in  # noqa: E402

RESULTS = REPO / "bench" / "results" / "lighthouse"
CHROME_PATH = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --no-first-run"
CATEGORIES = ("performance", "accessibility")
#: Audits that pass or fail (informative and not-applicable ones have no verdict to report).
SCORED_MODES = ("binary", "numeric", "metricSavings")


def fetch(url: str, opener: urllib.request.OpenerDirector | None = None) -> str:
    opener = opener or urllib.request.build_opener()
    with opener.open(url, timeout=10) as response:
        return response.read().decode("utf-8", "replace")


def _cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}


def guest_with_a_cart(base: str, product_url: str) -> dict[str, str]:
    """A guest shopping in Indonesia who put one of the product (its first size left) in the cart:
    the cookies that carry the cart."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    fetch(base + "/?country=ID&currency=IDR", opener)
    page = fetch(product_url, opener)
    form = re.search(r'<form method="post" action="/cart/add".*?</form>', page, re.S)
    if not form:
        raise SystemExit(f"no add-to-cart form on {product_url}")
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))
    fields = {name: html.unescape(value) for name, value in fields.items()}
    variant = re.search(r'name="variant_id" id="[^"]+" value="(\d+)"(?! disabled)', form.group(0))
    if variant:
        fields["variant_id"] = variant.group(1)
    fields["quantity"] = "1"
    with opener.open(base + "/cart/add", data=urllib.parse.urlencode(fields).encode(), timeout=10):
        pass
    return {cookie.name: cookie.value for cookie in jar}


def pages_to_audit(base: str) -> dict[str, tuple[str, dict[str, str]]]:
    """name → (url, extra headers): home, the first cluster, product and village linked from it, a
    search, the login form, a guest's cart and checkout, the demo seller's dashboard and product form."""
    pages = {"home": (base + "/", {})}
    try:
        home = fetch(base + "/")
    except urllib.error.HTTPError as error:
        print(f"home page answered {error.code}; auditing it anyway")
        home = ""
    for name, pattern in (
        ("cluster", r'href="(/clusters/[^"?#]+)"'),
        ("product", r'href="(/products/[^"?#]+)"'),
        ("village", r'href="(/villages/[^"?#]+)"'),
    ):
        match = re.search(pattern, home)
        if match:
            pages[name] = (base + match.group(1), {})
        else:
            print(f"no link to a {name} page on the home page: skipping it")
    if "product" in pages:
        shop = re.search(r'href="(/sellers/[^"?#]+)"', fetch(pages["product"][0]))
        if shop:
            pages["shop"] = (base + shop.group(1), {})
    pages["search"] = (base + "/search?q=batik", {})
    pages["open-data"] = (base + "/open-data", {})
    pages["login"] = (base + "/account/login", {})
    if "product" in pages:
        guest = _cookie_header(guest_with_a_cart(base, pages["product"][0]))
        pages["cart"] = (base + "/cart", guest)
        pages["checkout"] = (base + "/checkout", guest)
    seller = _cookie_header(log_in(base, "seller@demo.test"))
    pages["seller-dashboard"] = (base + "/seller/", seller)
    as_seller = urllib.request.build_opener()
    as_seller.addheaders = list(seller.items())
    match = re.search(r'href="(/seller/products/\d+)"', fetch(base + "/seller/products", as_seller))
    if match:
        pages["seller-product-form"] = (base + match.group(1), seller)
    else:
        print("no product on /seller/products: skipping the product form")
    return pages


def run_lighthouse(name: str, url: str, headers: dict[str, str]) -> dict:
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = RESULTS / f"{name}.json"
    command = [
        "npx", "--no-install", "lighthouse", url,
        "--only-categories=" + ",".join(CATEGORIES),
        "--form-factor=mobile",
        f"--chrome-flags={CHROME_FLAGS}",
        "--output=json", f"--output-path={output}", "--quiet",
    ]  # fmt: skip
    if headers:
        # A logged-in session (or a guest's cart) travels as a Cookie header on every request.
        command.append("--extra-headers=" + json.dumps(headers))
    env = {**os.environ, "CHROME_PATH": CHROME_PATH}
    try:
        subprocess.run(command, cwd=REPO, env=env, check=True, timeout=300)
    except subprocess.CalledProcessError:
        # Lighthouse now and then loses the trace of a load (NO_NAVSTART, NO_FCP); a second run is fine.
        print(f"  retrying {name} once", flush=True)
        subprocess.run(command, cwd=REPO, env=env, check=True, timeout=300)
    report = json.loads(output.read_text(encoding="utf-8"))
    final = report.get("finalDisplayedUrl") or report.get("finalUrl") or url
    if urllib.parse.urlsplit(final).path != urllib.parse.urlsplit(url).path:
        print(f"  note: {name} ended on {final}, not {url}")
    return report


def failures(report: dict, category: str) -> list[tuple[float, str, str]]:
    """(weight lost, audit id, title + a few offending items) for each failed audit of a category."""
    found = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        score = audit.get("score")
        if score is None or score >= 0.9 or audit.get("scoreDisplayMode") not in SCORED_MODES:
            continue
        lost = ref.get("weight", 0) * (1 - score)
        detail = audit.get("displayValue", "")
        items = (audit.get("details") or {}).get("items")
        items = items if isinstance(items, list) else []
        snippets = []
        for item in items[:3]:
            node = item.get("node") if isinstance(item, dict) else None
            if node:
                snippets.append(node.get("snippet", "")[:120])
            elif isinstance(item, dict) and item.get("url"):
                snippets.append(str(item["url"])[:120])
        text = audit["title"] + (f" ({detail})" if detail else "")
        if snippets:
            text += "\n        " + "\n        ".join(snippets)
        found.append((lost, ref["id"], text))
    return sorted(found, reverse=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="audit this running server (with the demo accounts) instead")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LIGHTHOUSE_PORT", "5791")))
    parser.add_argument("--only", help="comma-separated page names to audit (e.g. product,seller-dashboard)")
    args = parser.parse_args()
    if shutil.which("npx") is None or not (REPO / "node_modules" / ".bin" / "lighthouse").exists():
        print("Lighthouse is not installed: run `npm ci` in the repository root (needs Node >= 18.16).")
        return 2
    if not os.path.exists(CHROME_PATH):
        print(f"Chromium not found at {CHROME_PATH}: apt-get install chromium, or set CHROME_PATH.")
        return 2

    server = contextlib.nullcontext(args.url.rstrip("/")) if args.url else demo_server(args.port)
    reports = {}
    with server as base:
        pages = pages_to_audit(base)
        if args.only:
            pages = {name: page for name, page in pages.items() if name in args.only.split(",")}
        for name, (url, headers) in pages.items():
            print(f"auditing {name}: {url}", flush=True)
            try:
                reports[name] = (url, run_lighthouse(name, url, headers))
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
                print(f"  lighthouse failed on {url}: {error}")

    print()
    print(f"{'page':<20} {'performance':>12} {'accessibility':>14}  url")
    for name, (url, report) in reports.items():
        scores = [report["categories"][c]["score"] for c in CATEGORIES]
        cells = [f"{round(s * 100):>12}" if s is not None else f"{'n/a':>12}" for s in scores]
        print(f"{name:<20} {cells[0]} {cells[1]:>14}  {url}")
    for name, (_, report) in reports.items():
        for category in CATEGORIES:
            failed = failures(report, category)
            if failed:
                print(f"\n{name} · {category}: failed audits, costliest first")
                for _, audit_id, text in failed[:6]:
                    print(f"  - [{audit_id}] {text}")
    print(f"\nfull reports: {RESULTS}/<page>.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
