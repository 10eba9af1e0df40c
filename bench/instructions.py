"""Machine instructions per request, counted by valgrind (callgrind): an A/B that noise cannot move.

    .venv/bin/python bench/instructions.py                          # every storefront page, guest
    .venv/bin/python bench/instructions.py --pages product cluster --buyer
    .venv/bin/python bench/instructions.py --paths /robots.txt /no-such-page   # any path, as a guest
    .venv/bin/python bench/instructions.py --ceiling                # bench/ceiling_app.py's page too
    .venv/bin/python bench/instructions.py --code /tmp/before       # the app of another copy of the tree

This machine's speed drifts 20–40 % between runs of the same code, and CPU time per request moves
with whatever else runs; the count of instructions executed does not (the same run twice agrees to
0.1 %). Each measurement is a process under `valgrind --tool=callgrind` with instrumentation off
while the app starts and every URL is requested twice (templates, statements, kept pages warmed),
then on for `--requests` requests through Flask's test client, as `bench/storefront_profile.py`
makes them (page cache off, PostgreSQL's `pd_bench` seeded by bench/run.py). A guest sends no
cookie (as wrk), a buyer the bench buyer's session cookie: logged in through the form, as the cookie
the first page after the login set (as a browser keeps it; bench/run.py's buyer too). The database's
own work is not counted (it runs in PostgreSQL's processes): `bench/run.py` reports that as CPU per
request. With PD_KEEP_CALLGRIND=DIR, each measurement's callgrind output is kept in DIR (for
callgrind_annotate).

Instructions are not time (a cache miss costs more than an add), but for the same Python on the same
machine they track CPU closely: 8.0 M instructions made a ≈ 2.6 ms product page on a quiet machine.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CODE = Path(sys.argv[sys.argv.index("--code") + 1]).resolve() if "--code" in sys.argv else REPO
sys.path.insert(0, str(CODE))
sys.path.insert(1, str(REPO))
sys.path.insert(1, str(REPO / "bench"))

# Before bench/run.py, which puts this checkout first on the path: `--code`'s package is the one used.
importlib.import_module("marketplace")
import run  # noqa: E402

#: Set in the measured child: where it says it is warm (and waits for instrumentation).
_READY = "PD_INSTRUCTIONS_READY"


def _child(target: str, visitor: str, requests: int, database: str | None) -> None:
    """Inside valgrind: warm up, say so, wait to be instrumented, then make the measured requests."""
    import gc

    url = run.database_url("postgresql", 10_000, database)
    if target == "ceiling":
        import ceiling_app

        app, paths = ceiling_app.app, ["/29000"]
    else:
        from marketplace import create_app

        paths = [target] if target.startswith("/") else run.page_paths(url)[target]
        settings = {"SQLALCHEMY_DATABASE_URI": url, "PAGE_CACHE_ENABLED": False, "RATELIMIT_ENABLED": False}
        # Kept pages live CACHE_TTL_SECONDS; under valgrind a run is ~50 times slower than a server:
        # none may expire while measured (kept listings and rates live 300 s: a run must end before).
        app = create_app({**settings, "SERVER_NAME": None, "CACHE_TTL_SECONDS": 3600})
    client = app.test_client(use_cookies=False)
    headers = {"Cookie": _buyer_cookie(app, url, paths[0])} if visitor == "buyer" else {}
    for path in paths * 2:
        client.get(path, headers=headers)
    gc.collect()
    gc.freeze()  # as gunicorn.conf.py's post_worker_init: no full collection walks the app
    ready = Path(os.environ[_READY])
    ready.write_text("warm")
    while ready.exists():
        time.sleep(0.02)
    for n in range(requests):
        response = client.get(paths[n % len(paths)], headers=headers)
        if response.status_code >= 500:
            raise SystemExit(f"{paths[n % len(paths)]} answered {response.status_code}")
    os._exit(0)  # the interpreter's own shutdown is not a request's: leave before it is counted


def _buyer_cookie(app, url: str, path: str) -> str:
    """The bench buyer's session cookie, through the login form (as bench/run.py's buyer)."""
    run.ensure_buyer(url)
    client = app.test_client()
    login = client.get("/account/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login.text).group(1)
    form = {"email": run.BUYER_EMAIL, "password": run.BUYER_PASSWORD, "csrf_token": token}
    if client.post("/account/login", data=form).status_code != 302:
        raise SystemExit("the bench buyer could not log in")
    client.get(path)
    return f"session={client.get_cookie('session').value}"


def count(target: str, visitor: str, requests: int, database: str | None) -> int:
    """Instructions per request of `target` (a page of bench/run.py, a path, or "ceiling")."""
    with tempfile.TemporaryDirectory() as tmp:
        ready = Path(tmp) / "ready"
        log = Path(tmp) / "valgrind.log"
        command = [
            "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={tmp}/out",
            f"--log-file={log}", sys.executable, __file__, "--child", target, visitor, str(requests),
            *(["--code", str(CODE)] if CODE != REPO else []), *(["--database", database] if database else []),
        ]  # fmt: skip
        child = subprocess.Popen(command, env={**os.environ, _READY: str(ready)})
        while not ready.exists():
            if child.poll() is not None:
                raise SystemExit(f"{target} failed before warming up; see the output above")
            time.sleep(0.2)
        subprocess.run(["callgrind_control", "-i", "on", str(child.pid)], check=True, capture_output=True)
        ready.unlink()
        if child.wait() != 0:
            raise SystemExit(f"{target} failed; see the output above")
        collected = re.search(r"Collected : (\d+)", log.read_text())
        keep = os.environ.get("PD_KEEP_CALLGRIND")
        if keep:
            name = target.strip("/").replace("/", "_")
            (Path(keep) / f"callgrind.{visitor}.{name}").write_bytes((Path(tmp) / "out").read_bytes())
        return int(collected.group(1)) // requests


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", nargs="*", default=list(run.PAGES), choices=run.PAGES)
    parser.add_argument("--paths", nargs="*", default=[], help="other paths, as a guest")
    parser.add_argument("--buyer", action="store_true", help="also as the logged-in bench buyer")
    parser.add_argument("--ceiling", action="store_true", help="also bench/ceiling_app.py's constant page")
    parser.add_argument("--requests", type=int, default=50, help="measured requests per page")
    parser.add_argument("--code", help="import the app from this copy of the tree (A/B)")
    parser.add_argument("--database", help="bench database name (default pd_bench, as bench/run.py)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        target, visitor, requests = args.child
        _child(target, visitor, int(requests), args.database)
        return 0

    run.ensure_seeded(run.database_url("postgresql", 10_000, args.database), 10_000, reseed=False)
    jobs = [(page, "guest") for page in [*args.pages, *args.paths]]
    if args.buyer:
        jobs += [(page, "buyer") for page in args.pages]
    if args.ceiling:
        jobs.append(("ceiling", "guest"))
    print(f"code: {CODE}; {args.requests} requests each, instructions per request (callgrind)")
    for target, visitor in jobs:
        began = time.monotonic()
        instructions = count(target, visitor, args.requests, args.database)
        took = time.monotonic() - began
        warning = "  (over 240 s: kept rows may have expired while measured)" if took > 240 else ""
        print(f"{visitor:6} {target:24} {instructions:>12,}{warning}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
