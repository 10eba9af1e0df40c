"""The demo shop on a throwaway SQLite database under gunicorn, for the tools that look at its pages
(bench/lighthouse.py, bench/screenshots.py), and a login that hands back the session cookie.

    with demo_server(port) as base:   # seeds the demo (about 40 s), serves it, stops and cleans up
        cookie = log_in(base, "seller@demo.test")
"""

from __future__ import annotations

import contextlib
import html
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: Every demo account's password (marketplace/demo).
DEMO_PASSWORD = "demo12345"  # noqa: S105 - the public demo accounts' password


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
        "RATELIMIT_ENABLED": "0",  # the tools log in and load pages faster than a person
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


@contextlib.contextmanager
def demo_server(port: int) -> Iterator[str]:
    """Seed the demo into a temporary SQLite file, serve it on 127.0.0.1:`port`; yields the base URL."""
    workdir = Path(tempfile.mkdtemp(prefix="pasar-desa-demo-"))
    server = None
    try:
        database_url = f"sqlite:///{workdir / 'demo.db'}"
        os.environ["MEDIA_ROOT"] = str(workdir / "media")
        seed_database(database_url)
        server = start_server(database_url, port, str(workdir / "media"))
        yield f"http://127.0.0.1:{port}"
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)


def _csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if not match:
        raise SystemExit("no CSRF token on the login form")
    return html.unescape(match.group(1))


def log_in(base: str, email: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Log in through the login form; returns the cookies the server set (name → value)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/account/login", timeout=10) as response:
        token = _csrf_token(response.read().decode("utf-8", "replace"))
    form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    with opener.open(base + "/account/login", data=form, timeout=10) as response:
        if response.url.rstrip("/").endswith("/account/login"):
            raise SystemExit(f"could not log in as {email}")
    return {cookie.name: cookie.value for cookie in jar}
