"""Screenshots of the main pages at 360×740, in Indonesian and English, for a person to look at.

`make screenshots` (or `.venv/bin/python bench/screenshots.py`) seeds the demo into a throwaway SQLite
database, serves it under gunicorn on a free port, logs in as the demo buyer, seller and curator
through the login form, and writes one full-page PNG per page into `screenshots/<lang>/` (gitignored)
with an `index.html` showing them side by side. Each page's header height and any sideways overflow
are printed, so a regression shows in the terminal too. `--url http://127.0.0.1:5000` shoots a running
server with the demo accounts instead; `--scale 2` shoots at a phone's pixel density.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_server import DEMO_PASSWORD, REPO, demo_server, free_port  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 360, 740
LANGUAGES = ("id", "en")
#: The header's budget on a phone (issue 15); taller is reported.
MAX_HEADER_PX = 120


@dataclass(frozen=True)
class Shot:
    name: str
    #: A path, or "first:<regex>" to follow the first link in <main> of the previous page matching it.
    where: str
    #: Also shoot the first screen alone (`<name>-first-screen.png`): a full-page shot draws a bar that
    #: sticks to the screen's bottom where the first screen ends, over what lies there.
    first_screen: bool = False


BUYER = (
    # The demo buyer ships abroad; shopping in Indonesia shows the checkout (abroad needs card payments).
    Shot("home", "/?country=ID&currency=IDR"),
    Shot("cluster", "first:^/clusters/"),
    Shot("search", "/search?q=kemeja"),
    Shot("product-variants", "first:^/products/", first_screen=True),
    Shot("cart", "/cart"),
    Shot("checkout", "/checkout"),
    Shot("orders", "/orders"),
    Shot("order", "first:^/orders/[^/]+$"),
)
SELLER = (
    Shot("seller-dashboard", "/seller/"),
    Shot("seller-products", "/seller/products"),
    Shot("seller-product-form", "first:^/seller/products/\\d+$"),
    Shot("seller-orders", "/seller/orders"),
    Shot("seller-sales", "/seller/sales"),
    Shot("naik-kelas", "/seller/naik-kelas"),
)
CURATOR = (
    Shot("curator-console", "/curator/"),
    Shot("curator-products", "/curator/products"),
    Shot("monitoring", "/curator/monitoring"),
)
ACCOUNTS = (("buyer@demo.test", BUYER), ("seller@demo.test", SELLER), ("curator@demo.test", CURATOR))

MEASURE_JS = """() => ({
    header: Math.round(document.querySelector("header.site-header").getBoundingClientRect().height),
    width: document.scrollingElement.scrollWidth,
})"""


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/account/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    if "/account/login" in page.url:
        raise SystemExit(f"could not log in as {email}")


def first_link(page: Page, pattern: str) -> str:
    hrefs = page.locator("main a[href]").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    for href in hrefs:
        path = href.split("?")[0].split("#")[0]
        if re.search(pattern, path):
            return href
    raise LookupError(f"no link matching {pattern} on {page.url}")


def add_to_cart(page: Page) -> None:
    """On a product page: buy one (the first size left when it has variants)."""
    form = page.locator("main form.add-to-cart")
    if form.count() == 0:
        return
    choice = form.locator("input[name=variant_id]:not([disabled])")
    if choice.count():
        choice.first.check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def shoot(page: Page, base: str, shot: Shot, path: Path) -> str:
    if shot.where.startswith("first:"):
        url = base + first_link(page, shot.where.removeprefix("first:"))
    else:
        url = base + shot.where
    response = page.goto(url)
    page.wait_for_load_state("load")
    status = response.status if response else 0
    fit = page.evaluate(MEASURE_JS)
    page.screenshot(path=str(path), full_page=True)
    if shot.first_screen:
        page.screenshot(path=str(path.with_name(f"{path.stem}-first-screen.png")))
    problems = []
    if status != 200:
        problems.append(f"answered {status}")
    if fit["header"] > MAX_HEADER_PX:
        problems.append(f"header {fit['header']} px > {MAX_HEADER_PX}")
    if fit["width"] > WIDTH:
        problems.append(f"{fit['width']} px wide: scrolls sideways")
    verdict = "; ".join(problems) or "ok"
    shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    print(f"  {shown}  header {fit['header']} px  {verdict}")
    return verdict


def write_index(out: Path, rows: list[tuple[str, str, str]]) -> None:
    """A page showing each screenshot in both languages side by side."""
    names = list(dict.fromkeys(name for name, _, _ in rows))
    notes = {(name, lang): verdict for name, lang, verdict in rows}
    parts = [
        "<!doctype html><meta charset=utf-8><title>Pasar Desa at 360 px</title>",
        "<style>body{font:14px system-ui;margin:1rem}section{display:flex;gap:1.5rem;align-items:flex-start;"
        "margin-bottom:2rem}figure{margin:0}img{width:360px;border:1px solid #ccc}</style>",
        "<h1>Pasar Desa at 360×740</h1>",
    ]
    for name in names:
        figures = "".join(
            f"<figure><figcaption>{html.escape(name)} · {lang} · {html.escape(notes[(name, lang)])}"
            f'</figcaption><a href="{lang}/{name}.png"><img src="{lang}/{name}.png" alt="{name} ({lang})" '
            'loading="lazy"></a></figure>'
            for lang in LANGUAGES
            if (name, lang) in notes
        )
        parts.append(f"<section>{figures}</section>")
    (out / "index.html").write_text("\n".join(parts), encoding="utf-8")


def take_all(base: str, out: Path, scale: float) -> list[tuple[str, str, str]]:
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            for lang in LANGUAGES:
                (out / lang).mkdir(parents=True, exist_ok=True)
                print(f"{lang}:")
                for number, (email, shots) in enumerate(ACCOUNTS):
                    context = browser.new_context(
                        viewport={"width": WIDTH, "height": HEIGHT},
                        device_scale_factor=scale,
                        is_mobile=True,
                        has_touch=True,
                    )
                    context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                    page = context.new_page()
                    log_in(page, base, email)
                    for shot in shots:
                        prefix = f"{number + 1}{shots.index(shot) + 1:02d}"
                        name = f"{prefix}-{shot.name}"
                        try:
                            verdict = shoot(page, base, shot, out / lang / f"{name}.png")
                        except LookupError as error:
                            print(f"  {name}: skipped, {error}")
                            continue
                        rows.append((name, lang, verdict))
                        if shot.first_screen:
                            rows.append((f"{name}-first-screen", lang, verdict))
                        if shot.name == "product-variants":
                            add_to_cart(page)
                    context.close()
        finally:
            browser.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="shoot this running server (with the demo accounts) instead")
    parser.add_argument("--out", type=Path, default=REPO / "screenshots", help="folder (emptied first)")
    parser.add_argument("--scale", type=float, default=1, help="device pixel ratio (2 = a phone's)")
    args = parser.parse_args()
    out = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    if args.url:
        rows = take_all(args.url.rstrip("/"), out, args.scale)
    else:
        with demo_server(free_port()) as base:
            rows = take_all(base, out, args.scale)
    write_index(out, rows)
    print(f"\n{len(rows)} screenshots in {out}/ (open {out / 'index.html'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
