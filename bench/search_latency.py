"""Search latency at 100,000 products: `search_products` timed directly, p50/p99 per query and database.

    .venv/bin/python bench/search_latency.py                      # PostgreSQL and SQLite, 100k, 200 runs
    .venv/bin/python bench/search_latency.py --db postgresql --runs 50
    .venv/bin/python bench/search_latency.py --page               # also the whole /search page (test client)
    .venv/bin/python bench/search_latency.py --reseed             # seed again from scratch
    .venv/bin/python bench/search_latency.py --explain            # print PostgreSQL plans of the id query
    .venv/bin/python bench/search_latency.py --stream 3000        # 3,000 distinct queries, each run once
    .venv/bin/python bench/search_latency.py --stream 3000 --explain-slowest 5   # and plans of the slowest
    .venv/bin/python bench/search_latency.py --stream 3000 --rerun-slowest 5 --out /tmp/stream.tsv
    .venv/bin/python bench/search_latency.py --stream 3000 --warm-stream 3000   # shapes compiled first

Seeds (once; reused while the product count matches) PostgreSQL database `pd_search_bench` on
127.0.0.1:5432 and `bench/results/pd_search_bench.db` with `bench/seed.py`. When the search index
DDL (`create_search_index_sql`) has changed since the seeding, it is dropped and created again on the
same rows, so a before/after comparison runs on identical data. Each run is one request's worth of
work: a fresh session, `search_products`, the cards' relations touched, the session removed.
This is a measurement script, not a test; the issue's target is search p99 < 50 ms at 100k.

`--stream N` replaces the fixed queries by N distinct ones (`stream_queries`: seeded, so the same N
every time) drawn from the seeded catalogue's own words in Indonesian and English - single words,
pairs, prefixes, misspellings, words matching nothing - each with a random mix of filters (cluster,
village, seller, label, prices, in stock), sorts and pages 1-3, parsed by `parse_search_params` as a
browser request would be. Each runs once, so no query profits from having just run; prints
p50/p95/p99/max per database, the share over 50 ms, CPU per query (this process's; on PostgreSQL
also the server process's, from /proc/PID/schedstat) and the slowest ten by CPU (`--slowest-by
wall` for wall time); `--out` writes each query's wall, CPU, server CPU and total.
The process is frozen from the garbage collector once warmed, as a gunicorn worker is
(`post_worker_init`); `--warm-stream N` first runs N queries of another seed untimed, so each
statement shape is compiled as in a server that has been up a while.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import random
import re
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


def _vocabulary() -> tuple[list[str], list[str]]:
    """(Indonesian words, English words) the seeded catalogue's titles and descriptions use."""
    texts_id: list[str] = [name for _slug, name, _en in seed.CLUSTERS] + list(seed.VILLAGES)
    texts_en: list[str] = [name for _slug, _id, name in seed.CLUSTERS]
    pairs = [pair for nouns in seed.NOUNS.values() for pair in nouns]
    pairs += seed.MOTIFS + seed.COLOURS + seed.QUALITIES + seed.SIZES + seed.SENTENCES
    for text_id, text_en in pairs:
        texts_id.append(text_id)
        texts_en.append(text_en)

    def words(texts: list[str]) -> list[str]:
        found = {w for text in texts for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 3}
        return sorted(found - {"dan", "the", "and", "for", "around"})

    return words(texts_id), words(texts_en)


def _misspell(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    kind = rng.choice(("drop", "swap", "double", "replace"))
    if kind == "drop" and len(word) > 3:
        return word[:i] + word[i + 1 :]
    if kind == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "double":
        return word[: i + 1] + word[i:]
    return word[:i] + rng.choice("aeiounrstk") + word[i + 1 :]


def _nonsense(rng: random.Random) -> str:
    return "".join(
        rng.choice("bcdfghjklmnpqrstvwxyz" if n % 2 else "aeiou") for n in range(rng.randrange(4, 9))
    )


def stream_queries(count: int, rng_seed: int = 16) -> list[tuple[str, dict[str, str]]]:
    """`count` distinct (label, browser arguments) pairs, the same for the same seed.

    Words come from the seeded catalogue in both languages: single words (55 %), pairs within one
    language (25 %), a prefix (6 %), a misspelling (6 %), a word matching nothing (5 %), filters
    without words (3 %). Filters, sorts and pages are mixed in independently; the query text goes
    through the casing and spacing a person types.
    """
    rng = random.Random(rng_seed)
    words_id, words_en = _vocabulary()
    villages = [f"desa-{seed._slug(name)}" for name in seed.VILLAGES]
    clusters = [slug for slug, _id, _en in seed.CLUSTERS]
    labels = ("halal", "pirt", "batikmark", "kurasi")
    sorts = ("newest", "price_asc", "price_desc", "rating", "best_selling")
    seen: set[tuple] = set()
    queries: list[tuple[str, dict[str, str]]] = []
    while len(queries) < count:
        language = words_id if rng.random() < 0.6 else words_en
        kind = rng.random()
        if kind < 0.55:
            q = rng.choice(language)
        elif kind < 0.80:
            q = " ".join(rng.sample(language, 2))
        elif kind < 0.86:
            word = rng.choice([w for w in language if len(w) >= 5])
            q = word[: rng.randrange(3, len(word))]
        elif kind < 0.92:
            q = _misspell(rng.choice(language), rng)
        elif kind < 0.97:
            q = _nonsense(rng) if rng.random() < 0.7 else f"{rng.choice(language)} {_nonsense(rng)}"
        else:
            q = ""
        if q and rng.random() < 0.15:
            q = q.capitalize() if rng.random() < 0.5 else f"  {q.upper()} "
        args: dict[str, str] = {"q": q} if q else {}
        if rng.random() < 0.30:
            args["cluster"] = rng.choice(clusters)
        if rng.random() < 0.15:
            args["village"] = rng.choice(villages)
        if rng.random() < 0.05:
            args["seller"] = f"umkm-{rng.randrange(1, seed.SELLERS + 1)}"
        if rng.random() < 0.12:
            args["label"] = rng.choice(labels)
        if rng.random() < 0.20:
            args["min_price"] = f"{rng.randrange(1, 100) * 10_000:,}".replace(",", ".")
        if rng.random() < 0.20:
            args["max_price"] = str(rng.randrange(5, 150) * 10_000)
        if rng.random() < 0.25:
            args["in_stock"] = "1"
        if rng.random() < (0.5 if q else 0.7):
            args["sort"] = rng.choice(sorts)
        page = rng.choices((1, 2, 3), weights=(70, 20, 10))[0]
        if page > 1:
            args["page"] = str(page)
        key = tuple(sorted(args.items()))
        if key in seen:
            continue
        seen.add(key)
        queries.append((" ".join(f"{k}={v!r}" for k, v in args.items()) or "(no arguments)", args))
    return queries


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
    parser.add_argument(
        "--name",
        default=DB_NAME,
        help="the bench database: PostgreSQL database and bench/results/NAME.db (one per worktree)",
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the statements (PostgreSQL)")
    parser.add_argument(
        "--stream", type=int, nargs="?", const=3000, default=0,
        help="time N distinct generated queries once each instead of the fixed ones (default N 3000)",
    )  # fmt: skip
    parser.add_argument("--stream-seed", type=int, default=16, help="random seed of the query stream")
    parser.add_argument(
        "--warm-stream", type=int, default=0,
        help="with --stream: first run N queries of another stream (seed + 1), untimed: the statement "
        "shapes a worker that has served a while has compiled",
    )  # fmt: skip
    parser.add_argument(
        "--rerun-slowest", type=int, default=0, help="with --stream: time the N slowest again, alone"
    )
    parser.add_argument(
        "--explain-slowest",
        type=int,
        default=0,
        help="with --stream: explain the N slowest",
    )
    parser.add_argument(
        "--slowest-by", choices=("cpu", "wall"), default="cpu", help="with --stream: which slowest"
    )
    parser.add_argument("--out", help="with --stream: write wall, cpu, server cpu, total, query per line")
    return parser.parse_args(argv)


def database_url(backend: str, reseed: bool, name: str = DB_NAME) -> str:
    if backend == "sqlite":
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{name}.db"
        if reseed and path.exists():
            path.unlink()
        return f"sqlite:///{path}"
    engine = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if reseed:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


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
    upgrade_seeded(db)
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
                if "products_title_fts" in "".join(create_search_index_sql(dialect)):
                    conn.exec_driver_sql(
                        "INSERT INTO products_title_fts(products_title_fts) VALUES ('rebuild')"
                    )
            conn.exec_driver_sql("DELETE FROM bench_search_meta")
            conn.exec_driver_sql(f"INSERT INTO bench_search_meta (ddl) VALUES ('{wanted}')")
            print(f"  rebuilt in {time.perf_counter() - started:.1f}s", flush=True)
    # Settle the table as a long-running site would have it (visibility map, statistics).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE products" if dialect == "postgresql" else "ANALYZE")


#: Migrations that changed `products` after a bench database may have been seeded (seeding builds
#: the models' schema): each runs once on a database whose products lack its column.
_LATER_MIGRATIONS = (
    ("rating_average", "0021_sort_columns.py"),
    ("village_id", "0023_search_titles.py"),
    ("label_codes", "0033_label_codes.py"),
)
#: The same for migrations that added an index to `products`: each runs once where it is missing.
_LATER_INDEXES = (("ix_products_cluster_status_rating", "0032_search.py"),)


def upgrade_seeded(db) -> None:
    """Run the migrations the seeded schema predates (their own upgrade(): the backfill included),
    so the same rows serve a before/after comparison."""
    import importlib.util

    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    with db.engine.begin() as conn:
        present = {column["name"] for column in sa.inspect(conn).get_columns("products")}
        present |= {index["name"] for index in sa.inspect(conn).get_indexes("products")}
        for name, filename in _LATER_MIGRATIONS + _LATER_INDEXES:
            if name in present:
                continue
            print(f"  running migration {filename} on the seeded database", flush=True)
            path = REPO / "migrations" / "versions" / filename
            spec = importlib.util.spec_from_file_location(filename, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            started = time.perf_counter()
            with Operations.context(MigrationContext.configure(conn)):
                module.upgrade()
            print(f"  migrated in {time.perf_counter() - started:.1f}s", flush=True)


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


def explain(db, args: dict[str, str], statements_shown: int = 1) -> None:
    """Print EXPLAIN ANALYZE of the first SELECTs search_products runs for these arguments
    (EXPLAIN QUERY PLAN on SQLite)."""
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
    sqlite = db.engine.dialect.name == "sqlite"
    with db.engine.connect() as conn:
        for statement, parameters in statements[:statements_shown]:
            if sqlite:
                plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
                print(statement)
                print("\n".join(f"  {row[3]}" for row in plan))
            else:
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars()
                print("\n".join(plan))


def bench_backend(backend: str, options: argparse.Namespace) -> list[dict]:
    from marketplace import create_app
    from marketplace.extensions import db

    if options.window:
        from marketplace.storefront import search as storefront_search

        storefront_search.SEARCH_WINDOW = options.window
    url = database_url(backend, options.reseed, options.name)
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


def bench_stream(backend: str, options: argparse.Namespace) -> dict:
    """Each of the stream's queries once, in order; per-query times and the slowest ones."""
    from marketplace import create_app
    from marketplace.extensions import db

    url = database_url(backend, options.reseed, options.name)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "PAGE_CACHE_ENABLED": False}
    )
    queries = stream_queries(options.stream, options.stream_seed)
    # (wall ms, label, arguments, total, this process's CPU ms, the server process's CPU ms)
    timed: list[tuple[float, str, dict[str, str], int, float, float]] = []
    with app.app_context():
        ensure_ready(db, options.products)
        # Connections and imports, not the stream's queries: a listing nobody would time.
        time_service(app, db, {}, 0, 3)
        if options.warm_stream:
            # Other words, the same kinds of filters and sorts: each statement shape (sort, word
            # count, filters set) is built and compiled once per process (20-100 ms), as in a
            # server that has been up a while; none of the timed queries has run before.
            for _label, args in stream_queries(options.warm_stream, options.stream_seed + 1):
                time_service(app, db, args, 0, 1)
        # As a gunicorn worker does once the app is loaded (gunicorn.conf.py's post_worker_init):
        # what is alive now lives as long as the process, so full collections walk only what the
        # queries make. Without it a full collection walked ~450,000 objects: pauses of 130-380 ms
        # inside random queries.
        gc.freeze()
        backend_pid = _backend_pid(db)
        load = _loadavg()
        server_cpu = _process_cpu(backend_pid)
        started = time.perf_counter()
        for label, args in queries:
            server_started = _run_time_ns(backend_pid)
            cpu_started = time.process_time()
            samples, summary = time_service(app, db, args, 1, 0)
            cpu = (time.process_time() - cpu_started) * 1000
            server = (_run_time_ns(backend_pid) - server_started) / 1e6
            timed.append((samples[0], label, args, summary[0], cpu, server))
        elapsed = time.perf_counter() - started
        server_cpu = _process_cpu(backend_pid) - server_cpu if backend_pid else 0.0
        samples = [t for t, *_ in timed]
        over = sum(1 for t in samples if t >= 50)
        row = {
            "db": backend, "queries": len(samples), "p50": statistics.median(samples),
            "p95": percentile(samples, 95), "p99": percentile(samples, 99), "max": max(samples),
            "over50": over / len(samples), "seconds": elapsed, "load": load, "load_after": _loadavg(),
        }  # fmt: skip
        print(
            f"{backend:<10} {row['queries']:>6} {row['p50']:>7.1f} {row['p95']:>7.1f} {row['p99']:>7.1f}"
            f" {row['max']:>7.1f} {row['over50']:>7.1%} {elapsed:>6.1f}s  load {load} -> {row['load_after']}"
        )
        # CPU time moves far less with the other processes' load than wall time does: this
        # process's per query (on SQLite all of the query's work) and, on PostgreSQL, the server
        # process's (its scheduler run time, in ns: /proc/PID/schedstat) - their sum is a query's.
        cpu = [item[4] for item in timed]
        row["cpu_p50"], row["cpu_p99"] = statistics.median(cpu), percentile(cpu, 99)
        row["cpu_over50"] = sum(1 for t in cpu if t >= 50) / len(cpu)
        print(
            f"{'':<10} cpu of this process per query: p50 {row['cpu_p50']:.1f} p99 {row['cpu_p99']:.1f} ms,"
            f" >= 50 ms {row['cpu_over50']:.1%}, total {sum(cpu) / 1000:.1f}s"
            + (f"; database server's cpu {server_cpu:.1f}s" if backend_pid else "")
        )
        if backend_pid:
            server = [item[5] for item in timed]
            both = [item[4] + item[5] for item in timed]
            row["server_p50"], row["server_p99"] = statistics.median(server), percentile(server, 99)
            row["both_p50"], row["both_p99"] = statistics.median(both), percentile(both, 99)
            print(
                f"{'':<10} server cpu per query: p50 {row['server_p50']:.1f} p99 {row['server_p99']:.1f} ms;"
                f" client + server p50 {row['both_p50']:.1f} p99 {row['both_p99']:.1f} ms,"
                f" >= 50 ms {sum(1 for t in both if t >= 50) / len(both):.1%}"
            )
        if options.out:
            with open(options.out, "w") as out:
                for ms, label, _args, total, client, server_ms in timed:
                    out.write(f"{ms:.2f}\t{client:.2f}\t{server_ms:.2f}\t{total}\t{label}\n")
        # Under load the wall time says more about the neighbours than the query: by CPU.
        by = (lambda item: -item[0]) if options.slowest_by == "wall" else (lambda item: -item[4] - item[5])
        slowest = sorted(timed, key=by)[:10]
        print(f"  the slowest by {options.slowest_by}: wall ms, cpu ms (client + server), total, query")
        for ms, label, _args, total, client, server_ms in slowest:
            print(f"    {ms:7.1f} {client + server_ms:7.1f}  {total:>6,}  {label}")
        if options.rerun_slowest:
            count = options.rerun_slowest
            print(f"  the {count} slowest again, alone, 5 runs after one: wall median, min; cpu median")
            for ms, label, args, _total, client, server_ms in slowest[: options.rerun_slowest]:
                walls, cpus = [], []
                for _run in range(6):
                    server_started, cpu_started = _run_time_ns(backend_pid), time.process_time()
                    walls += time_service(app, db, args, 1, 0)[0]
                    cpus.append(
                        (time.process_time() - cpu_started) * 1000
                        + (_run_time_ns(backend_pid) - server_started) / 1e6
                    )
                walls, cpus = walls[1:], cpus[1:]
                print(
                    f"    {statistics.median(walls):7.1f} {min(walls):7.1f} {statistics.median(cpus):7.1f}"
                    f"   (was {ms:.1f}, cpu {client + server_ms:.1f})  {label}"
                )
        if options.explain_slowest:
            for ms, label, args, *_rest in slowest[: options.explain_slowest]:
                print(f"\n--- {ms:.1f} ms: {label}")
                explain(db, args, statements_shown=3)
        db.session.remove()
        db.engine.dispose()
    return row


def _backend_pid(db) -> int | None:
    """The PostgreSQL server process behind the session's pooled connection (None on SQLite)."""
    if db.engine.dialect.name != "postgresql":
        return None
    pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
    db.session.remove()
    return pid


def _process_cpu(pid: int | None) -> float:
    """Seconds of CPU (user + system) a process has used, from /proc (0 when unreadable)."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run_time_ns(pid: int | None) -> int:
    """Nanoseconds a process has run on a CPU (/proc/PID/schedstat; 0 when unreadable)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (OSError, TypeError, ValueError):
        return 0


def _loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def format_row(row: dict, page: bool) -> str:
    total = f"{row['total']:,}{'+' if row['capped'] else ''}"
    line = f"{row['db']:<10} {row['query']:<38} {row['p50']:>8.1f} {row['p99']:>8.1f} {total:>8}"
    if page:
        line += f" {row['page_p50']:>9.1f} {row['page_p99']:>9.1f}"
    return line + f"  {row['first_ids']}"


def main(argv=None) -> int:
    options = parse_args(argv)
    if options.stream:
        print(
            f"search_products at {options.products:,} products, {options.stream} distinct queries once each"
            f" (stream seed {options.stream_seed}), page cache off"
        )
        print(f"{'db':<10} {'n':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'>=50ms':>7} {'wall':>7}")
        for backend in options.db.split(","):
            bench_stream(backend.strip(), options)
        return 0
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
