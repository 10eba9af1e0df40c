"""Race harness: gunicorn with several workers on the test database, and buyers over real HTTP.

Each buyer is a thread with its own `requests.Session` (its own cookies, cart and CSRF token).
Buyers first fill their carts and open the checkout page, then all submit "place order" at the
same moment, so the workers really contend for the last units.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from marketplace.payments.local_stripe.server import WEBHOOK_SECRET

REPO = Path(__file__).resolve().parents[2]
GUNICORN = str(REPO / ".venv" / "bin" / "gunicorn")

ADDRESS = {
    "name": "Pembeli Uji",
    "phone": "0812 3456 7890",
    "street": "Jl. Raya Kabat 280",
    "district": "Kabat",
    "city": "Kabupaten Banyuwangi",
    "province": "Jawa Timur",
    "postal_code": "68461",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`gunicorn -w <workers> <module>:app` on a free port, stopped (by its own pid) on exit."""

    def __init__(
        self,
        database_url: str,
        *,
        module: str = "wsgi:app",
        workers: int = 4,
        threads: int = 2,
        environ: dict[str, str] | None = None,
    ):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.tmp = tempfile.mkdtemp(prefix="pd-race-")
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "RATELIMIT_ENABLED": "0",
            "SECRET_KEY": "race-test-secret-key-0123456789",
            "MARKETPLACE_ENV": "development",  # gunicorn.conf.py: production unless said
            "OUTBOX_DIR": os.path.join(self.tmp, "outbox"),
            "MEDIA_ROOT": os.path.join(self.tmp, "media"),
            "PYTHONPATH": str(REPO),
            **(environ or {}),
        }
        env.pop("REDIS_URL", None)
        env.pop("SMTP_URL", None)
        env.pop("STRIPE_SECRET_KEY", None)
        self.log_path = os.path.join(self.tmp, "gunicorn.log")
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "-w",
                str(workers),
                "--threads",
                str(threads),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                module,
            ],
            cwd=str(REPO),
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, path: str = "/healthz", timeout: float = 40.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log()}")
            try:
                if requests.get(self.base_url + path, timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return Path(self.log_path).read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)  # its log, outbox and media: nothing reads them after

    def __enter__(self):
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()


@pytest.fixture(scope="session")
def _race_servers():
    """The race servers started so far in this worker, by database URL; stopped at the end."""
    servers: dict[str, Server] = {}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def race_server(database_url, _race_servers) -> Server:
    """One gunicorn (4 workers × 2 threads) per backend for every test whose subject is requests
    racing across worker processes: the checkout race, the money races, the webhook delivered ten
    times at once. Starting one costs ~6 s of CPU, which is not what they test, so they share it:
    the root conftest imports this fixture, and its `SHARED_SERVER_UNITS` sends these tests to one
    pytest-xdist worker. Kept by URL rather than as a fixture parametrized per backend, which pytest
    would stop and start again each time the tests' order switches backend. It serves our app plus
    the negative control's naive route (tests/race/naive_app.py), and accepts webhooks signed with
    the local Stripe's secret; each test still starts from empty tables (`app`)."""
    if database_url not in _race_servers:
        environ = {"STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET}
        server = Server(database_url, module="tests.race.naive_app:app", environ=environ)
        try:
            server.wait_ready()
        except BaseException:
            server.stop()
            raise
        _race_servers[database_url] = server
    return _race_servers[database_url]


def hidden(html: str, name: str) -> str | None:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    return match.group(1) if match else None


def shown_quote(http: requests.Session, base_url: str) -> str:
    """The shipping and total the checkout page shows for ADDRESS (what checkout.js fetches as the
    buyer types): the form carries it, and placing the order refuses any other."""
    where = {"ship_country": "ID", "shipping_method": "courier"}
    where.update({name: ADDRESS[name] for name in ("province", "city", "postal_code")})
    answer = http.get(base_url + "/checkout/quote", params=where, timeout=30)
    return answer.json().get("quote", "") if answer.status_code == 200 else ""


@dataclass
class RaceResult:
    statuses: Counter = field(default_factory=Counter)
    placed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)


def run_checkout_race(
    base_url: str, product_path: str, product_id: int, *, buyers: int = 32, variant_ids: tuple[int, ...] = ()
) -> RaceResult:
    """`buyers` guests each put one unit in their cart, then all place their order at once.

    With `variant_ids`, buyer n chooses variant_ids[n % len(variant_ids)] on the product page."""
    result = RaceResult()
    lock = threading.Lock()
    ready = threading.Barrier(buyers, timeout=120)

    def buyer(n: int) -> None:
        http = requests.Session()
        try:
            page = http.get(base_url + product_path, timeout=30)
            token = hidden(page.text, "csrf_token")
            added = http.post(
                base_url + "/cart/add",
                timeout=30,
                allow_redirects=False,
                data={
                    "csrf_token": token,
                    "product_id": product_id,
                    "quantity": "1",
                    **({"variant_id": variant_ids[n % len(variant_ids)]} if variant_ids else {}),
                },
            )
            form = http.get(base_url + "/checkout", timeout=30, allow_redirects=False)
            fields = {
                name: hidden(form.text, name) for name in ("csrf_token", "checkout_token", "fingerprint")
            }
            fields["quote"] = shown_quote(http, base_url) or None
            with lock:
                result.statuses[added.status_code] += 1
                result.statuses[form.status_code] += 1
            if form.status_code != 200 or None in fields.values():
                ready.wait()
                with lock:
                    result.errors.append(f"buyer {n}: checkout page {form.status_code}")
                return
            ready.wait()
            response = http.post(
                base_url + "/checkout",
                timeout=60,
                allow_redirects=False,
                data={
                    **ADDRESS,
                    **fields,
                    "email": f"buyer{n}@example.test",
                    "shipping_method": "courier",
                    "payment_method": "bank_transfer",
                    "action": "place",
                },
            )
            with lock:
                result.statuses[response.status_code] += 1
                location = response.headers.get("Location", "")
                if response.status_code == 303 and "/orders/" in location:
                    result.placed.append(location)
        except (requests.RequestException, threading.BrokenBarrierError) as error:
            with lock:
                result.errors.append(f"buyer {n}: {error!r}")

    threads = [threading.Thread(target=buyer, args=(n,)) for n in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    return result


def run_naive_race(base_url: str, product_id: int, *, buyers: int = 32) -> int:
    """Buyers hit the naive read-then-write endpoint at once; returns how many were told "sold"."""
    sold = []
    lock = threading.Lock()
    ready = threading.Barrier(buyers, timeout=120)

    def buyer() -> None:
        http = requests.Session()
        token = hidden(http.get(base_url + "/naive/form", timeout=30).text, "csrf_token")
        ready.wait()
        response = http.post(
            base_url + "/naive/buy", timeout=60, data={"csrf_token": token, "product_id": product_id}
        )
        with lock:
            sold.append(response.status_code == 200)

    threads = [threading.Thread(target=buyer) for _ in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    return sum(sold)


if __name__ == "__main__":  # pragma: no cover - manual use: python -m tests.race.harness URL
    print(sys.argv)
