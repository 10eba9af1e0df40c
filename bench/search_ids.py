"""The pages a search stream gives, written out so two versions of the code can be compared.

    .venv/bin/python bench/search_ids.py --out /tmp/new.jsonl                  # this tree's code
    .venv/bin/python bench/search_ids.py --code /tmp/before --out /tmp/old.jsonl
    .venv/bin/python bench/search_ids.py --diff /tmp/old.jsonl /tmp/new.jsonl

Runs each query of `search_latency.stream_queries` (the same seed and count as `--stream`) once
through `search_products` of the code in `--code` (default: this tree) on the bench databases
that `search_latency.py` seeded (`pd_search_bench` on PostgreSQL, `bench/results/pd_search_bench.db`
on SQLite; `--pg-db` and `--sqlite-path` point at other copies), and writes one JSON line per query and
database: its ids, page, total and whether the total is "more than". It neither seeds nor rebuilds
the index: run `search_latency.py` with the same code first. `--diff` prints the queries whose ids
or page differ (and how many totals differ), 0 differing pages being the goal of a speed change.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--code", default=str(REPO), help="the tree whose marketplace package is run")
    parser.add_argument("--db", default="postgresql,sqlite")
    parser.add_argument("--stream", type=int, default=3000)
    parser.add_argument("--stream-seed", type=int, default=16)
    parser.add_argument("--pg-db", default="pd_search_bench")
    parser.add_argument("--sqlite-path", default=str(REPO / "bench" / "results" / "pd_search_bench.db"))
    parser.add_argument("--out")
    parser.add_argument("--diff", nargs=2, metavar=("OLD", "NEW"))
    return parser.parse_args(argv)


def dump(options: argparse.Namespace) -> int:
    code = Path(options.code).resolve()
    sys.path.insert(0, str(code))
    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.storefront import search as storefront_search
    from marketplace.storefront import search_params

    # After the code under test is imported: search_latency puts this tree first on sys.path.
    sys.path.insert(1, str(REPO / "bench"))
    import search_latency  # this tree's stream: the same queries whatever the code under test

    queries = search_latency.stream_queries(options.stream, options.stream_seed)
    urls = {
        "postgresql": f"postgresql+psycopg://postgres@127.0.0.1:5432/{options.pg_db}",
        "sqlite": f"sqlite:///{options.sqlite_path}",
    }
    with open(options.out, "w") as out:
        for backend in options.db.split(","):
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": urls[backend],
                    "RATELIMIT_ENABLED": False,
                    "PAGE_CACHE_ENABLED": False,
                }
            )
            with app.app_context():
                for label, args in queries:
                    params = search_params.parse_search_params(args)
                    result = storefront_search.search_products(db.session, params)
                    row = {
                        "db": backend, "query": label, "ids": [p.id for p in result.items],
                        "page": result.page, "total": result.total, "capped": result.total_capped,
                    }  # fmt: skip
                    out.write(json.dumps(row) + "\n")
                    db.session.remove()
                db.engine.dispose()
            print(f"{backend}: {len(queries)} queries written to {options.out} (code {code})", flush=True)
    return 0


def diff(old_path: str, new_path: str) -> int:
    def load(path: str) -> dict:
        with open(path) as f:
            return {(row["db"], row["query"]): row for row in map(json.loads, f)}

    old, new = load(old_path), load(new_path)
    differ = totals = 0
    for key in sorted(old.keys() & new.keys()):
        a, b = old[key], new[key]
        if (a["ids"], a["page"]) != (b["ids"], b["page"]):
            differ += 1
            print(f"DIFFERS {key[0]} {key[1]}")
            print(f"  old page {a['page']} {a['ids']}\n  new page {b['page']} {b['ids']}")
        elif (a["total"], a["capped"]) != (b["total"], b["capped"]):
            totals += 1
    compared = len(old.keys() & new.keys())
    print(f"{compared} queries compared: {differ} pages differ; {totals} totals differ with the same page")
    return 1 if differ else 0


def main(argv=None) -> int:
    options = parse_args(argv)
    if options.diff:
        return diff(*options.diff)
    return dump(options)


if __name__ == "__main__":
    raise SystemExit(main())
