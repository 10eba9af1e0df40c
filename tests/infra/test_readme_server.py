"""The README's first command, run as a newcomer runs it: `make run`, then hundreds of visits.

Every request opens a new connection, as browsers, API clients and crawlers do, and some come from
eight clients at once. Every answer must be a 200, and /healthz must show that the database pools
do not grow: a resource tied to a thread (the page cache once kept a connection per thread) leaks one
connection per request under a thread-per-connection server and hangs the demo after ~15 requests.

These tests start real servers (that is their subject), once each: `make run` itself (gunicorn's
gthread worker, through `flask serve`, with the local Stripe test server), and Flask's threaded
development server, which starts a new thread per connection. Both use one demo database, seeded
once by `make run`'s own `seed-demo` step, on SQLite, without Redis or Stripe keys: `make run`'s
defaults. (Its pictures come from the run's `DEMO_PICTURES_CACHE` when a worker has encoded them.)
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: Requests each server must answer one after another, on a new connection each.
SEQUENTIAL_REQUESTS = 200  # the connection leak hung the demo after ~15
#: Concurrent clients in a burst, and requests per client.
BURST_CLIENTS = 8
BURST_REQUESTS_PER_CLIENT = 25
#: Largest number of connections either pool of a process may keep open (pool_size of both pools).
POOL_CEILING = 5

pytestmark = pytest.mark.slow

#: Settings a developer's shell may carry that `make run`'s defaults must not inherit here.
_UNSET = (
    "REDIS_URL", "DATABASE_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE",
    "MARKETPLACE_ENV", "PUBLIC_BASE_URL", "PORT", "HOST", "WEB_CONCURRENCY", "GUNICORN_THREADS",
    "FLASK_DEBUG", "LOCAL_STRIPE", "MAKEFLAGS", "MFLAGS", "MAKELEVEL",
)  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, timeout: float = 15) -> tuple[int, bytes]:
    """One GET on its own new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Server:
    """A server process group started for a test, stopped with everything it started."""

    def __init__(self, command: list[str], env: dict[str, str], log_path: Path):
        self.log_path = log_path
        self._log = log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - the README's own command
            command, cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_until_up(self, port: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                status, _ = _get(port, "/healthz", timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            assert self.process.poll() is None, f"the server exited:\n{self.log()}"
            assert time.monotonic() < deadline, f"the server did not answer in {seconds} s:\n{self.log()}"
            time.sleep(0.3)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._log.close()


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory) -> dict[str, str]:
    """`make run`'s environment with its data in a temporary folder (the repo's instance/ untouched)."""
    home = tmp_path_factory.mktemp("readme-demo")
    env = {k: v for k, v in os.environ.items() if k not in _UNSET}
    env.update(
        DATABASE_URL=f"sqlite:///{home / 'marketplace.db'}",
        MEDIA_ROOT=str(home / "media"),
        OUTBOX_DIR=str(home / "outbox"),
        GUNICORN_ACCESS_LOG="",
    )
    return env


@pytest.fixture(scope="module")
def make_run_server(demo_home, tmp_path_factory):
    """`make run` on a free port, exactly as the README says (its first run seeds the demo)."""
    port = _free_port()
    make = shutil.which("make")
    if make is None:
        pytest.fail("make is not installed: the README's first command needs it")
    server = Server(
        [make, "--no-print-directory", "run", f"PORT={port}", f"PYTHON={sys.executable}"],
        demo_home,
        tmp_path_factory.mktemp("make-run") / "make-run.log",
    )
    try:
        server.wait_until_up(port, seconds=240)  # first run: migrations and demo pictures
        yield port, server
    finally:
        server.stop()


def _paths(port: int) -> list[str]:
    """Home, listings, products, search and the API, found the way a client finds them."""
    status, body = _get(port, "/api/v1/products?per_page=50")
    assert status == 200, body[:500]
    products = json.loads(body)["items"]
    status, body = _get(port, "/api/v1/villages")
    villages = json.loads(body)["items"]
    status, body = _get(port, "/api/v1/clusters")
    clusters = json.loads(body)["items"]
    assert products and villages and clusters, "the demo data is missing"
    paths = ["/", "/?lang=en", "/search?q=batik", "/search?q=kopi&sort=price_asc", "/api/v1/products"]
    paths += [f"/villages/{v['slug']}" for v in villages[:6]]
    paths += [f"/clusters/{c['slug']}" for c in clusters]
    paths += [f"/api/v1/products/{p['id']}" for p in products[:10]]
    paths += [_path_of(p["url"]) for p in products[:30]]
    return paths


def _path_of(url: str) -> str:
    return "/" + url.split("://", 1)[-1].split("/", 1)[1] if "://" in url else url


def _pools(port: int) -> dict:
    status, body = _get(port, "/healthz")
    assert status == 200, body
    return json.loads(body)["pools"]


def _assert_pools_bounded(port: int) -> list[dict]:
    # Each look lands on one worker; several looks see more than one of them.
    seen = [_pools(port) for _ in range(6)]
    for pools in seen:
        for name, numbers in pools.items():
            assert numbers["open"] <= POOL_CEILING, f"{name} pool keeps {numbers} connections: {seen}"
    return seen


def _hammer(port: int, server: Server) -> None:
    paths = _paths(port)
    failures = []
    for i in range(SEQUENTIAL_REQUESTS):
        path = paths[i % len(paths)]
        try:
            status, _ = _get(port, path)
        except OSError as error:
            failures.append((i, path, repr(error)))
            break  # a server that stopped answering will not answer the rest either
        if status != 200:
            failures.append((i, path, status))
        if i % 100 == 99:
            _assert_pools_bounded(port)
    assert failures == [], f"{len(failures)} failed requests, first: {failures[:5]}\n{server.log()}"

    def client(offset: int) -> list:
        bad = []
        for j in range(BURST_REQUESTS_PER_CLIENT):
            path = paths[(offset * 7 + j) % len(paths)]
            try:
                status, _ = _get(port, path)
            except OSError as error:
                return [*bad, (path, repr(error))]
            if status != 200:
                bad.append((path, status))
        return bad

    with ThreadPoolExecutor(BURST_CLIENTS) as pool:
        results = [failure for bad in pool.map(client, range(BURST_CLIENTS)) for failure in bad]
    assert results == [], f"burst failures: {results[:5]}\n{server.log()}"
    _assert_pools_bounded(port)


def test_make_run_serves_hundreds_of_new_connections(make_run_server):
    port, server = make_run_server
    _hammer(port, server)
    assert "gthread" in server.log(), "make run should serve through gunicorn's gthread worker"
    assert "development server" not in server.log()


def test_make_run_offers_card_payment_through_the_local_stripe_server(make_run_server):
    port, server = make_run_server
    assert "local Stripe test server" in server.log()
    status, body = _get(port, "/healthz")
    assert status == 200


def test_make_run_runs_the_periodic_jobs_beside_the_server(make_run_server):
    """The job runner starts with `make run`: every task has run (none never run, none failed)."""
    port, server = make_run_server
    deadline = time.monotonic() + 60
    while True:
        status, body = _get(port, "/healthz/jobs")
        if status == 200:
            break
        assert time.monotonic() < deadline, f"jobs still need attention: {body[:800]!r}\n{server.log()}"
        time.sleep(0.5)
    assert "job runner runs beside the server" in server.log()


def test_flask_development_server_does_not_leak_connections(demo_home, make_run_server, tmp_path):
    """Flask's threaded server starts a thread per connection: nothing may stay tied to one."""
    port = _free_port()
    flask = str(Path(sys.executable).parent / "flask")
    server = Server(
        [flask, "--app", "wsgi", "run", "--host", "127.0.0.1", "--port", str(port)],
        {**demo_home, "PORT": str(port)},
        tmp_path / "flask-run.log",
    )
    try:
        server.wait_until_up(port, seconds=60)
        _hammer(port, server)
    finally:
        server.stop()
