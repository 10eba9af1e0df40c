"""Phone upload benchmark (issue 15): camera photos added to a product over a slow mobile link.

    .venv/bin/python bench/phone_upload.py                       # 3 photos, 400 kbit/s up, 400 ms
    .venv/bin/python bench/phone_upload.py --photos 5 --up-kbit 250 --detail 6
    .venv/bin/python bench/phone_upload.py --url http://127.0.0.1:5000 \\
        --email seller@demo.test --password demo12345 --product 12   # a server already running

Without --url it makes an SQLite file in bench/results/ with one shop and one product waiting for
review, and starts `gunicorn -c gunicorn.conf.py wsgi:app` on a free port (media in
bench/results/phone_upload_media/). Chromium (Debian's, through Playwright) opens the product form
on a 360-px phone screen, logs in through the login form, holds its network to --up-kbit / --down-kbit
with --latency-ms per request (CDP Network.emulateNetworkConditions), and adds --photos camera
photos (4000 × 3000 JPEGs of ~4 MB, tests/media/samples.camera_jpeg; --detail 10 makes ~300 KB at
1600 px) in one go through the uploader script (static/js/photo-upload.js).

Prints, per photo: the bytes chosen and sent, the seconds spent making it smaller, sending it and
waiting for the server's check, and when it was stored; then the total, the bytes sent against the
originals, and how long the originals alone would have needed on the same link. JSON in
bench/results/phone_upload.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import run as storefront  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.chromium import BROWSER_PATH, CHROMIUM_ARGS  # noqa: E402
from tests.media import samples  # noqa: E402

RESULTS = REPO / "bench" / "results"
EMAIL = "penjual.bench@example.test"
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "id-ID",
}
# Each row's data-state as it changes, with the page's clock (the uploader script's own states).
WATCH_STATES = """() => {
    window.benchStates = [];
    const list = document.getElementById("uploads");
    new MutationObserver(changes => {
        const now = performance.now();
        changes.forEach((change, i) => {
            const row = change.target;
            if (!row.matches("li.upload")) return;
            // Changes made in one go arrive together: a row's new state is what its next change left.
            const later = changes.slice(i + 1).find(other => other.target === row);
            const state = later ? later.oldValue : row.dataset.state;
            const index = Array.prototype.indexOf.call(list.children, row);
            window.benchStates.push([index, state, now, row.dataset.bytes || null]);
        });
    }).observe(list, {subtree: true, attributeOldValue: true, attributeFilter: ["data-state"]});
    return performance.now();
}"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--photos", type=int, default=3)
    parser.add_argument(
        "--detail", type=float, default=10.0, help="texture that survives resizing (10: ~300 KB)"
    )
    parser.add_argument("--up-kbit", type=int, default=400, help="upload kbit/s (400 = 50,000 bytes/s)")
    parser.add_argument("--down-kbit", type=int, default=800)
    parser.add_argument("--latency-ms", type=int, default=400)
    parser.add_argument("--url", help="a running server instead of starting one")
    parser.add_argument("--email", default=EMAIL)
    parser.add_argument("--password", help="with --url: the seller's password")
    parser.add_argument("--product", type=int, help="with --url: the product's id")
    parser.add_argument("--headed", action="store_true", help="show the browser window")
    return parser.parse_args(argv)


def seed_shop(url: str) -> tuple[int, str]:
    """A fresh database with one approved shop and one product waiting for review: (product id, password)."""
    from marketplace import create_app
    from marketplace.catalogue.models import ProductStatus
    from marketplace.extensions import db
    from tests.factories import (
        TEST_PASSWORD,
        make_cluster,
        make_product,
        make_seller,
        make_user,
        make_village,
    )

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        user = make_user(db.session, email=EMAIL, name="Penjual Bench", locale="id")
        village = make_village(db.session, name="Tambong", slug="tambong")
        cluster = make_cluster(db.session, slug="kerajinan", name_id="Kerajinan tangan", name_en="Handicraft")
        seller = make_seller(db.session, user_id=user.id, village=village, name="Anyaman Tambong")
        product = make_product(
            db.session,
            seller=seller,
            cluster=cluster,
            title_id="Tampah bambu",
            status=ProductStatus.PENDING_REVIEW,
            published_at=None,
        )
        db.session.commit()
        product_id = product.id
        db.session.remove()
        db.engine.dispose()
    return product_id, TEST_PASSWORD


def start_server() -> tuple[storefront.Server, str, int, str]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    database = RESULTS / "phone_upload.db"
    url = f"sqlite:///{database}"
    product_id, password = seed_shop(url)
    env = storefront.server_env(url, MEDIA_ROOT=str(RESULTS / "phone_upload_media"), WEB_CONCURRENCY="2")
    server = storefront.Server("phone-upload", "wsgi:app", env)
    server.wait_ready("/healthz")
    return server, f"http://127.0.0.1:{server.port}", product_id, password


def make_photos(directory: Path, count: int, detail: float) -> list[Path]:
    paths = []
    for n in range(count):
        path = directory / f"IMG_20261206_0{n + 1}.jpg"
        path.write_bytes(samples.camera_jpeg(seed=n, detail=detail))
        paths.append(path)
    return paths


def upload(args, base_url: str, product_id: int, password: str, photos: list[Path]) -> dict:
    up = args.up_kbit * 1000 // 8
    down = args.down_kbit * 1000 // 8
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=BROWSER_PATH, headless=not args.headed, args=CHROMIUM_ARGS
        )
        context = browser.new_context(**PHONE)
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.goto(f"{base_url}/account/login?next=/seller/products/{product_id}")
        login = page.locator("main form[action*='/account/login']")
        login.locator("input[name=email]").fill(args.email)
        login.locator("input[name=password]").fill(password)
        login.locator("button[type=submit]").click()
        page.wait_for_url(f"**/seller/products/{product_id}")
        form = page.locator("form[data-photo-upload]")
        form.locator("input[type=file]").set_input_files(photos)  # before the clock: not the network

        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        conditions = {
            "offline": False,
            "latency": args.latency_ms,
            "uploadThroughput": up,
            "downloadThroughput": down,
        }
        cdp.send("Network.emulateNetworkConditions", conditions)
        started = page.evaluate(WATCH_STATES)
        wall = time.monotonic()
        form.locator("button[type=submit]").click()
        rows = page.locator("#uploads li.upload")
        expect(rows).to_have_count(len(photos))
        page.wait_for_function(
            "n => document.querySelectorAll('#uploads :is([data-state=stored], [data-state=failed])')"
            ".length === n",
            arg=len(photos),
            timeout=600_000,
        )
        expect(page.locator("#uploads")).to_have_attribute("data-refreshed", "true", timeout=60_000)
        total = time.monotonic() - wall
        states = page.evaluate("window.benchStates")
        failed = page.locator("#uploads [data-state=failed] .upload-status").all_text_contents()
        listed = page.locator("#photo-list ol.photos img").count()
        browser.close()
    return {"started": started, "states": states, "total": total, "failed": failed, "listed": listed}


def per_photo(states: list, started: float, originals: list[int]) -> list[dict]:
    rows = [{"original_bytes": size} for size in originals]
    for index, state, at, size in states:
        row = rows[index]
        seconds = (at - started) / 1000
        if state == "waiting" and "resizing" in row:
            row.setdefault("resized", seconds)  # in the queue again, made smaller
        row.setdefault(state, seconds)  # the first time each state was reached
        if size:
            row["sent_bytes"] = int(size)
    return rows


def report(args, result: dict, originals: list[int]) -> dict:
    rows = per_photo(result["states"], result["started"], originals)
    up = args.up_kbit * 1000 // 8
    print(
        f"\n{len(rows)} camera photos, {args.up_kbit} kbit/s up ({up:,} bytes/s), "
        f"{args.down_kbit} kbit/s down, {args.latency_ms} ms latency\n"
    )
    columns = (("photo", 5), ("chosen", 10), ("sent", 9), ("resize s", 9), ("send s", 7), ("check s", 8))
    print(" ".join(f"{name:>{width}}" for name, width in columns), f"{'stored at s':>12}")
    for n, row in enumerate(rows, start=1):
        resize = row["resized"] - row["resizing"] if "resized" in row else None
        send = row["checking"] - row["sending"] if "checking" in row and "sending" in row else None
        check = row["stored"] - row["checking"] if "stored" in row and "checking" in row else None
        row.update(resize_s=resize, send_s=send, check_s=check, stored_at_s=row.get("stored"))

        def num(value, width):
            return f"{value:>{width}.1f}" if value is not None else f"{'–':>{width}}"

        print(
            f"{n:>5} {row['original_bytes']:>10,} {row.get('sent_bytes', 0):>9,} {num(resize, 9)} "
            f"{num(send, 7)} {num(check, 8)} {num(row.get('stored'), 12)}"
        )
    chosen = sum(originals)
    sent = sum(row.get("sent_bytes", 0) for row in rows)
    stored = sum(1 for row in rows if "stored" in row)
    print(
        f"\ntotal {result['total']:.1f} s for {stored}/{len(rows)} stored "
        f"({result['total'] / max(stored, 1):.1f} s a photo), "
        f"the list shows {result['listed']}; sent {sent:,} bytes of {chosen:,} chosen ({sent / chosen:.1%}); "
        f"the originals alone would need {chosen / up:.0f} s on this link"
    )
    for message in result["failed"]:
        print(f"  failed: {message}")
    return {
        "photos": rows,
        "total_s": result["total"],
        "stored": stored,
        "listed": result["listed"],
        "bytes_chosen": chosen,
        "bytes_sent": sent,
        "originals_alone_s": chosen / up,
        "link": {"up_kbit": args.up_kbit, "down_kbit": args.down_kbit, "latency_ms": args.latency_ms},
        "failed": result["failed"],
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    server = None
    if args.url:
        if not (args.password and args.product):
            raise SystemExit("--url needs --password and --product")
        base_url, product_id, password = args.url.rstrip("/"), args.product, args.password
    else:
        server, base_url, product_id, password = start_server()
    try:
        with tempfile.TemporaryDirectory() as directory:
            photos = make_photos(Path(directory), args.photos, args.detail)
            originals = [path.stat().st_size for path in photos]
            result = upload(args, base_url, product_id, password, photos)
    finally:
        if server:
            server.stop()
    summary = report(args, result, originals)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "phone_upload.json").write_text(json.dumps(summary, indent=2))
    return 0 if summary["stored"] == args.photos else 1


if __name__ == "__main__":
    sys.exit(main())
