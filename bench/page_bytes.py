"""Hashes of storefront pages, to show a speed change keeps them byte-identical (issue 16).

    .venv/bin/python bench/page_bytes.py --out /tmp/before.json                 # pd_bench (PostgreSQL)
    .venv/bin/python bench/page_bytes.py --out /tmp/after.json --compare /tmp/before.json
    .venv/bin/python bench/page_bytes.py --db sqlite --out /tmp/demo.json       # the demo data (SQLite)
    .venv/bin/python bench/page_bytes.py --database pd_bench_render --dump /tmp/pages   # bodies too

Fetches a fixed list of pages through Flask's test client with the page cache off (as
bench_wsgi:uncached), each URL twice (the first request renders, the second is served from what the
process kept: card bodies, listing pages, product frames), as a guest and as a logged-in buyer, in
Indonesian and English, in IDR, USD and EUR (rates added once to the database if it has none):
home, cluster listings (page 1, page 2, sorted), a desa, a shop, product pages (a guest's recently
viewed cards build up along the list), searches with words, filters, page 2 and no match, and a 404.
Each response's status, headers and body are hashed after masking what is new on every request
(CSRF tokens, the session cookie's value, cookie expiry dates); `--compare` prints the pages whose
hash differs, `--dump DIR` writes the masked bodies for a diff.

`--db postgresql` uses the storefront bench's catalogue (bench/run.py seeds it; `--database` picks
another name); `--db sqlite` a file seeded once with the demo data (`flask seed-demo`: variants,
labels, reviews, questions, sold-out products), bench/results/page_bytes_demo.db.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CODE = Path(sys.argv[sys.argv.index("--code") + 1]).resolve() if "--code" in sys.argv else REPO
sys.path.insert(0, str(CODE))
sys.path.insert(1, str(REPO))
sys.path.insert(1, str(REPO / "bench"))
importlib.import_module("marketplace")  # from CODE first

import run  # noqa: E402
import sqlalchemy as sa  # noqa: E402

DEMO_DB = REPO / "bench" / "results" / "page_bytes_demo.db"
RATES = {"USD": "16250.50000000", "EUR": "17310.25000000"}
LANGUAGES = ("id", "en")
CURRENCIES = ("IDR", "USD", "EUR")

#: Per-request values: CSRF tokens (signed with a timestamp), the session cookie, cookie dates.
MASKS = (
    (re.compile(rb'(name="csrf_token"[^>]*?value=")[^"]*(")'), rb"\1CSRF\2"),
    (re.compile(rb'(value=")[^"]*("[^>]*?name="csrf_token")'), rb"\1CSRF\2"),
    (re.compile(rb'(csrf[-_]token" content=")[^"]*(")'), rb"\1CSRF\2"),
)
HEADER_MASKS = (
    (re.compile(r"^(session=)[^;]*"), r"\1SESSION"),
    (re.compile(r"(Expires=)[^;]*"), r"\1DATE"),
)


def masked_body(data: bytes) -> bytes:
    for pattern, replacement in MASKS:
        data = pattern.sub(replacement, data)
    return data


def masked_headers(response) -> list[tuple[str, str]]:
    kept = []
    for name, value in response.headers.items():
        if name.lower() == "date":
            continue
        if name.lower() == "set-cookie":
            for pattern, replacement in HEADER_MASKS:
                value = pattern.sub(replacement, value)
        kept.append((name, value))
    return kept


def ensure_rates(url: str) -> None:
    """USD and EUR rates (a fixed day) when the database has none: the pages show three currencies."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for currency, rate in RATES.items():
            found = sa.text("SELECT 1 FROM exchange_rates WHERE currency = :c")
            if conn.execute(found, {"c": currency}).first():
                continue
            conn.execute(
                sa.text(
                    "INSERT INTO exchange_rates"
                    " (currency, rate, effective_date, source, created_at, updated_at) VALUES"
                    " (:c, :r, '2026-01-05', 'page_bytes', '2026-01-05 00:00:00', '2026-01-05 00:00:00')"
                ),
                {"c": currency, "r": rate},
            )
    engine.dispose()


def seed_demo_file(media_root: str) -> str:
    url = f"sqlite:///{DEMO_DB}"
    if DEMO_DB.exists():
        return url
    from marketplace import create_app
    from marketplace.demo.seed import seed_demo
    from marketplace.extensions import db
    from marketplace.media.storage import get_storage

    DEMO_DB.parent.mkdir(parents=True, exist_ok=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MEDIA_ROOT": media_root})
    with app.app_context():
        db.create_all()
        seed_demo(db.session, get_storage(app))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url


def page_urls(url: str) -> list[str]:
    """The fixed list of pages on this database (chosen by id and position, so it is stable)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        q = conn.execute
        clusters = q(sa.text("SELECT slug FROM clusters ORDER BY position, id")).scalars().all()
        villages = (
            q(
                sa.text(
                    "SELECT r.slug FROM regions r JOIN sellers s ON s.village_id = r.id"
                    " WHERE s.status = 'approved'"
                    " GROUP BY r.slug ORDER BY count(*) DESC, r.slug LIMIT 2"
                )
            )
            .scalars()
            .all()
        )
        sellers = (
            q(sa.text("SELECT slug FROM sellers WHERE status = 'approved' ORDER BY id LIMIT 2"))
            .scalars()
            .all()
        )
        public = (
            "FROM products p JOIN sellers s ON s.id = p.seller_id"
            " WHERE p.status = 'active' AND s.status = 'approved'"
        )
        products = q(sa.text(f"SELECT p.id, p.slug {public} ORDER BY p.id LIMIT 6")).all()
        # Pages with more to show, where there are any: variants, labels, answered questions, sold out.
        for extra in (
            f"SELECT p.id, p.slug {public} AND EXISTS"
            " (SELECT 1 FROM product_options o WHERE o.product_id = p.id)",
            f"SELECT p.id, p.slug {public} AND EXISTS"
            " (SELECT 1 FROM product_labels l WHERE l.product_id = p.id)",
            f"SELECT p.id, p.slug {public} AND p.stock = 0",
            f"SELECT p.id, p.slug {public} AND p.rating_count > 0",
        ):
            try:
                products += q(sa.text(extra + " ORDER BY p.id LIMIT 2")).all()
            except sa.exc.DatabaseError:
                conn.rollback()
        labels = q(sa.text("SELECT code FROM label_types ORDER BY id LIMIT 1")).scalars().all()
    engine.dispose()
    seen, urls = set(), ["/"]
    for slug in clusters[:3]:
        urls += [f"/clusters/{slug}", f"/clusters/{slug}?page=2", f"/clusters/{slug}?sort=price_asc"]
    urls += [f"/villages/{slug}" for slug in villages]
    urls += [f"/villages/{villages[0]}?sort=best_selling"] if villages else []
    urls += [f"/sellers/{slug}" for slug in sellers]
    for pid, slug in products:
        if pid not in seen:
            seen.add(pid)
            urls.append(f"/products/{pid}-{slug}")
    cluster = clusters[0] if clusters else ""
    village = villages[0] if villages else ""
    urls += [
        "/search",
        "/search?q=batik",
        "/search?q=batik&page=2",
        "/search?q=kopi+bubuk",
        f"/search?q=batik&cluster={cluster}&sort=price_asc",
        f"/search?cluster={cluster}&in_stock=1&min_price=10.000&max_price=500.000",
        f"/search?village={village}&sort=rating",
        "/search?q=zzqqxxnothing",
        "/search?q=batik&page=abc&sort=nonsense",
        "/search?sort=newest&page=3",
    ]
    if labels:
        urls.append(f"/search?label={labels[0]}")
    # The address chooses the language or currency (and the response remembers it).
    urls += ["/?lang=en", f"/clusters/{cluster}?page=2&lang=id", "/search?q=batik&lang=en&currency=EUR"]
    urls.append("/no-such-page")
    return urls


def fetch_all(app, urls: list[str], buyer_email: str | None, dump: Path | None) -> dict[str, str]:
    from marketplace.extensions import db

    hashes: dict[str, str] = {}
    for visitor in ("guest", "buyer") if buyer_email else ("guest",):
        for lang in LANGUAGES:
            for currency in CURRENCIES:
                client = app.test_client()
                client.set_cookie("lang", lang)
                client.set_cookie("currency", currency)
                if visitor == "buyer":
                    from tests.login import logged_in_as, user_with_email

                    with app.app_context():
                        logged_in_as(client, user_with_email(buyer_email))
                        db.session.remove()
                for url in urls:
                    for attempt in ("first", "again"):
                        response = client.get(url)
                        body = masked_body(response.get_data())
                        head = json.dumps([response.status_code, masked_headers(response)])
                        key = f"{visitor} {lang} {currency} {attempt} {url}"
                        hashes[key] = hashlib.sha256(head.encode() + b"\n" + body).hexdigest()
                        if dump is not None:
                            name = hashlib.sha256(key.encode()).hexdigest()[:16]
                            text = key.encode() + b"\n" + head.encode() + b"\n" + body
                            (dump / f"{name}.html").write_bytes(text)
    return hashes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--database", help="bench database name (PostgreSQL; default pd_bench)")
    parser.add_argument("--out", required=True, help="write the hashes here (JSON)")
    parser.add_argument("--compare", help="the hashes of an earlier run: print what differs")
    parser.add_argument("--dump", help="write each masked response to this directory")
    parser.add_argument("--code", help="import the app from this copy of the tree")
    args = parser.parse_args(argv)

    media = tempfile.mkdtemp(prefix="page_bytes_media_")
    if args.db == "sqlite":
        from marketplace.demo.data import BUYER_EMAIL as buyer_email

        url = seed_demo_file(str(REPO / "bench" / "results" / "page_bytes_media"))
        media = str(REPO / "bench" / "results" / "page_bytes_media")
    else:
        url = run.database_url("postgresql", 10_000, args.database)
        run.ensure_seeded(url, 10_000, reseed=False)
        run.ensure_buyer(url)
        buyer_email = run.BUYER_EMAIL
    ensure_rates(url)
    urls = page_urls(url)

    from marketplace import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "PAGE_CACHE_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": None,
            "MEDIA_ROOT": media,
        }
    )
    dump = Path(args.dump) if args.dump else None
    if dump is not None:
        dump.mkdir(parents=True, exist_ok=True)
    hashes = fetch_all(app, urls, buyer_email, dump)
    Path(args.out).write_text(json.dumps(hashes, indent=0, sort_keys=True))
    print(f"{len(hashes)} responses ({len(urls)} URLs) hashed into {args.out} (code: {CODE})")
    if args.compare:
        before = json.loads(Path(args.compare).read_text())
        differ = sorted(k for k in hashes.keys() & before.keys() if hashes[k] != before[k])
        missing = sorted(before.keys() ^ hashes.keys())
        for key in differ[:40]:
            print(f"  differs: {key}")
        print(f"{len(differ)} differ, {len(missing)} only on one side, {len(hashes) - len(differ)} identical")
        return 1 if differ or missing else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
