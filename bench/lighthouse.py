"""Lighthouse audit of the public pages: mobile performance and accessibility scores, top failures.

A manual tool, not part of `make test`. It builds a throwaway SQLite database with the demo data,
serves the app under gunicorn on 127.0.0.1:$LIGHTHOUSE_PORT (default 5791), finds a cluster, a product
and a village page by following links from the home page, runs Lighthouse (mobile, simulated
throttling) on those, the home page, a search and the login form with Debian's Chromium, and prints a
table of scores and the failed audits that cost the most. JSON reports land in bench/results/lighthouse/.

    npm ci                          # once: installs Lighthouse 12 (package.json; node_modules is ignored)
    .venv/bin/python bench/lighthouse.py [--url http://127.0.0.1:5000]   # --url audits a running server

Lighthouse 13 needs Node >= 22.19; 12.8 runs on the Node 20 that Debian bookworm ships.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "lighthouse"
CHROME_PATH = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --no-first-run"
CATEGORIES = ("performance", "accessibility")
#: Audits that pass or fail (informative and not-applicable ones have no verdict to report).
SCORED_MODES = ("binary", "numeric", "metricSavings")


def seed_database(url: str) -> None:
    """Create the schema from the models and load the demo data into the database at `url`."""
    sys.path.insert(0, str(REPO))
    from marketplace import create_app
    from marketplace.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    print(result.output.strip())
    if result.exit_code != 0:
        raise SystemExit(f"seed-demo failed: {result.exception!r}")


def start_server(database_url: str, port: int, media_root: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MARKETPLACE_ENV": "development",  # gunicorn.conf.py: production unless said
        "MEDIA_ROOT": media_root,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_ACCESS_LOG": "",
        "RATELIMIT_ENABLED": "0",
    }
    env.pop("BIND", None)
    server = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=REPO, env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SystemExit("gunicorn exited before it answered /healthz")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5) as response:  # noqa: S310 - ours
                    if response.status == 200:
                        return server
            except OSError:  # refused, reset or timed out while the workers boot
                time.sleep(0.3)
        raise SystemExit("gunicorn did not answer /healthz within 60 s")
    except BaseException:
        stop_server(server)
        raise


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own server
        return response.read().decode("utf-8", "replace")


def pages_to_audit(base: str) -> dict[str, str]:
    """Home, the first cluster, product and village linked from it, a search, the login form."""
    pages = {"home": base + "/"}
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
            pages[name] = base + match.group(1)
        else:
            print(f"no link to a {name} page on the home page: skipping it")
    pages["search"] = base + "/search?q=batik"
    pages["login"] = base + "/account/login"
    return pages


def run_lighthouse(name: str, url: str) -> dict:
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = RESULTS / f"{name}.json"
    command = [
        "npx", "--no-install", "lighthouse", url,
        "--only-categories=" + ",".join(CATEGORIES),
        "--form-factor=mobile",
        f"--chrome-flags={CHROME_FLAGS}",
        "--output=json", f"--output-path={output}", "--quiet",
    ]  # fmt: skip
    env = {**os.environ, "CHROME_PATH": CHROME_PATH}
    try:
        subprocess.run(command, cwd=REPO, env=env, check=True, timeout=300)
    except subprocess.CalledProcessError:
        # Lighthouse now and then loses the trace of a load (NO_NAVSTART, NO_FCP); a second run is fine.
        print(f"  retrying {name} once", flush=True)
        subprocess.run(command, cwd=REPO, env=env, check=True, timeout=300)
    return json.loads(output.read_text(encoding="utf-8"))


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
    parser.add_argument("--url", help="audit this running server instead of starting one with demo data")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LIGHTHOUSE_PORT", "5791")))
    args = parser.parse_args()
    if shutil.which("npx") is None or not (REPO / "node_modules" / ".bin" / "lighthouse").exists():
        print("Lighthouse is not installed: run `npm ci` in the repository root (needs Node >= 18.16).")
        return 2
    if not os.path.exists(CHROME_PATH):
        print(f"Chromium not found at {CHROME_PATH}: apt-get install chromium, or set CHROME_PATH.")
        return 2

    server = None
    workdir = Path(tempfile.mkdtemp(prefix="pasar-desa-lighthouse-"))
    try:
        if args.url:
            base = args.url.rstrip("/")
        else:
            database_url = f"sqlite:///{workdir / 'lighthouse.db'}"
            os.environ["MEDIA_ROOT"] = str(workdir / "media")
            seed_database(database_url)
            server = start_server(database_url, args.port, str(workdir / "media"))
            base = f"http://127.0.0.1:{args.port}"
        reports = {}
        for name, url in pages_to_audit(base).items():
            print(f"auditing {name}: {url}", flush=True)
            try:
                reports[name] = (url, run_lighthouse(name, url))
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
                print(f"  lighthouse failed on {url}: {error}")
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(f"{'page':<10} {'performance':>12} {'accessibility':>14}  url")
    for name, (url, report) in reports.items():
        scores = [report["categories"][c]["score"] for c in CATEGORIES]
        cells = [f"{round(s * 100):>12}" if s is not None else f"{'n/a':>12}" for s in scores]
        print(f"{name:<10} {cells[0]} {cells[1]:>14}  {url}")
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
