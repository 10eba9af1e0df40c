"""Search latency at 100,000 products: `search_products` timed directly, p50/p99 per query and database.

    .venv/bin/python bench/search_latency.py                      # PostgreSQL and SQLite, 100k, 200 runs
    .venv/bin/python bench/search_latency.py --db postgresql --runs 50
    .venv/bin/python bench/search_latency.py --page               # also the whole /search page (test client)
    .venv/bin/python bench/search_latency.py --reseed             # seed again from scratch
    .venv/bin/python bench/search_latency.py --explain            # print PostgreSQL plans of the id query

Seeds (once; reused while the product count matches) PostgreSQL database `pd_search_bench` on
127.0.0.1:5432 and `bench/results/pd_search_bench.db` with `bench/seed.py`. When the search index
DDL (`create_search_index_sql`) has changed since the seeding, it is dropped and created again on the
same rows, so a before/after comparison runs on identical data. Each run is one request's worth of
work: a fresh session, `search_products`, the cards' relations touched, the session removed.
This is a measurement script, not a test; the issue's target is search p99 < 50 ms at 100k.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import seed  # noqa: E402
import sqlalchemy as sa  # noqa: E402

RESULTS = REPO / "bench" / "results"
DB_NAME = "pd_search_bench"
POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

#: (label, query arguments as a browser would send them)
QUERIES: tuple[tuple[str, dict[str, str]], ...] = (
    ("common word: batik", {"q": "batik"}),
    ("common word: kopi", {"q": "kopi"}),
    ("english word: coffee", {"q": "coffee"}),
    ("rare word: kalimba", {"q": "kalimba"}),
    ("no match: zzzzqx", {"q": "zzzzqx"}),
    ("two words: batik merah", {"q": "batik merah"}),
    ("two words: gajah oling", {"q": "gajah oling"}),
    ("prefix: bat", {"q": "bat"}),
    ("filters: batik+cluster+stock+price", {"q": "batik", "cluster": "batik", "in_stock": "1",
                                            "min_price": "100000", "max_price": "900000"}),
    ("filter: kopi+village", {"q": "kopi", "village": "desa-tambong"}),
    ("filter: batik+label halal", {"q": "batik", "label": "halal"}),
    ("page 5: kopi", {"q": "kopi", "page": "5"}),
    ("sort price: batik", {"q": "batik", "sort": "price_asc"}),
    ("sort newest: batik", {"q": "batik", "sort": "newest"}),
    ("no words: listing", {}),
)  # fmt: skip


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="postgresql,sqlite", help="comma-separated: postgresql, sqlite")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--only", default="", help="run only queries whose label contains this text")
    parser.add_argument("--page", action="store_true", help="also time GET /search through the test client")
    parser.add_argument(
        "--window", type=int, default=0, help="override storefront_search.SEARCH_WINDOW (PostgreSQL)"
    )
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the statements (PostgreSQL)")
    return parser.parse_args(argv)


def database_url(backend: str, reseed: bool) -> str:
    if backend == "sqlite":
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{DB_NAME}.db"
        if reseed and path.exists():
            path.unlink()
        return f"sqlite:///{path}"
    engine = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if reseed:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DB_NAME}).scalar():
            conn.exec_driver_sql(f'CREATE DATABASE "{DB_NAME}"')
    engine.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB_NAME}"


def ddl_fingerprint(dialect: str) -> str:
    from marketplace.storefront.search_index import create_search_index_sql

    return hashlib.sha256("\n".join(create_search_index_sql(dialect)).encode()).hexdigest()[:16]


def ensure_ready(db, products: int) -> None:
    """Seed when the product count differs; rebuild the search index when its DDL has changed."""
    from marketplace.catalogue.models import Product
    from marketplace.storefront.search_index import create_search_index_sql, drop_search_index_sql

    dialect = db.engine.dialect.name
    with db.engine.connect() as conn:
        try:
            count = conn.scalar(sa.select(sa.func.count()).select_from(Product))
        except sa.exc.DatabaseError:
            count = None
    if count != products:
        print(f"  seeding {db.engine.url.render_as_string()} with {products} products", flush=True)
        seed.reset_schema(db)
        seed.seed(db, products, log=lambda line: print(line, flush=True))
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS bench_search_meta (ddl VARCHAR(40))")
        stored = conn.exec_driver_sql("SELECT ddl FROM bench_search_meta").scalar()
        wanted = ddl_fingerprint(dialect)
        if stored != wanted:
            print(f"  search DDL changed ({stored} -> {wanted}): rebuilding the index", flush=True)
            started = time.perf_counter()
            for statement in drop_search_index_sql(dialect):
                conn.exec_driver_sql(statement)
            for statement in create_search_index_sql(dialect):
                conn.exec_driver_sql(statement)
            if dialect == "sqlite":
                conn.exec_driver_sql("INSERT INTO products_fts(products_fts) VALUES ('rebuild')")
            conn.exec_driver_sql("DELETE FROM bench_search_meta")
            conn.exec_driver_sql(f"INSERT INTO bench_search_meta (ddl) VALUES ('{wanted}')")
            print(f"  rebuilt in {time.perf_counter() - started:.1f}s", flush=True)
    # Settle the table as a long-running site would have it (visibility map, statistics).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE products" if dialect == "postgresql" else "ANALYZE")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def time_service(app, db, args: dict[str, str], runs: int, warmup: int) -> tuple[list[float], object]:
    from marketplace.storefront import search as storefront_search
    from marketplace.storefront import search_params

    params = search_params.parse_search_params(args)
    samples: list[float] = []
    result = None
    for i in range(warmup + runs):
        started = time.perf_counter()
        result = storefront_search.search_products(db.session, params)
        for product in result.items:
            _ = (product.seller.village.name, product.cluster.slug, product.images)
        summary = (result.total, result.total_capped, result.page, [p.id for p in result.items[:3]])
        db.session.remove()
        if i >= warmup:
            samples.append((time.perf_counter() - started) * 1000)
    return samples, summary


def time_page(client, args: dict[str, str], runs: int, warmup: int) -> list[float]:
    samples: list[float] = []
    for i in range(warmup + runs):
        started = time.perf_counter()
        response = client.get("/search", query_string=args)
        assert response.status_code == 200, response.status_code
        if i >= warmup:
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def explain(db, args: dict[str, str]) -> None:
    """Print EXPLAIN ANALYZE of every SELECT search_products runs for these arguments."""
    from sqlalchemy import event

    from marketplace.storefront import search as storefront_search
    from marketplace.storefront import search_params

    statements: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        storefront_search.search_products(db.session, search_params.parse_search_params(args))
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
        db.session.remove()
    with db.engine.connect() as conn:
        for statement, parameters in statements[:1]:
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars()
            print("\n".join(plan))


def bench_backend(backend: str, options: argparse.Namespace) -> list[dict]:
    from marketplace import create_app
    from marketplace.extensions import db

    if options.window:
        from marketplace.storefront import search as storefront_search

        storefront_search.SEARCH_WINDOW = options.window
    url = database_url(backend, options.reseed)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "PAGE_CACHE_ENABLED": False}
    )
    rows = []
    with app.app_context():
        ensure_ready(db, options.products)
        client = app.test_client() if options.page else None
        for label, args in QUERIES:
            if options.only and options.only not in label:
                continue
            if options.explain and backend == "postgresql":
                print(f"\n--- {label} {args}")
                explain(db, args)
            samples, summary = time_service(app, db, args, options.runs, options.warmup)
            row = {
                "db": backend, "query": label, "p50": statistics.median(samples),
                "p99": percentile(samples, 99), "total": summary[0], "capped": summary[1],
                "first_ids": summary[3],
            }  # fmt: skip
            if client is not None:
                page = time_page(client, args, options.runs, options.warmup)
                row["page_p50"], row["page_p99"] = statistics.median(page), percentile(page, 99)
            rows.append(row)
            print(format_row(row, options.page), flush=True)
        db.session.remove()
        db.engine.dispose()
    return rows


def format_row(row: dict, page: bool) -> str:
    total = f"{row['total']:,}{'+' if row['capped'] else ''}"
    line = f"{row['db']:<10} {row['query']:<38} {row['p50']:>8.1f} {row['p99']:>8.1f} {total:>8}"
    if page:
        line += f" {row['page_p50']:>9.1f} {row['page_p99']:>9.1f}"
    return line + f"  {row['first_ids']}"


def main(argv=None) -> int:
    options = parse_args(argv)
    header = f"{'db':<10} {'query':<38} {'p50 ms':>8} {'p99 ms':>8} {'total':>8}"
    if options.page:
        header += f" {'page p50':>9} {'page p99':>9}"
    print(f"search_products at {options.products:,} products, {options.runs} runs per query")
    print(header + "  first ids")
    for backend in options.db.split(","):
        bench_backend(backend.strip(), options)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
