"""gunicorn.conf.py: settings come from the environment, and `gunicorn wsgi:app` really serves with it."""

from __future__ import annotations

import gc
import gzip
import http.client
import multiprocessing
import os
import runpy
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from marketplace import safe_gc

REPO = Path(__file__).resolve().parents[2]
CONF = REPO / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).parent / "gunicorn"

_ENV_NAMES = (
    "PORT", "HOST", "BIND", "WEB_CONCURRENCY", "GUNICORN_THREADS", "FORWARDED_ALLOW_IPS",
    "GUNICORN_ACCESS_LOG", "GUNICORN_TIMEOUT", "GUNICORN_GRACEFUL_TIMEOUT",
)  # fmt: skip


def load(monkeypatch, **env) -> dict:
    # The file sets MARKETPLACE_ENV when it is unset: keep that inside this test's environment.
    monkeypatch.setattr(os, "environ", os.environ.copy())
    for name in _ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_defaults_suit_a_reverse_proxy(monkeypatch):
    conf = load(monkeypatch)
    assert conf["bind"] == "127.0.0.1:8000"
    assert conf["workers"] == max(2, multiprocessing.cpu_count())  # one per core: see the conf
    assert conf["threads"] == 4 and conf["worker_class"] == "gthread"  # slow clients: see the conf
    assert conf["preload_app"] is False
    assert conf["forwarded_allow_ips"] == "127.0.0.1"
    assert conf["accesslog"] == "-"
    assert conf["graceful_timeout"] > 0


def test_a_worker_freezes_the_loaded_app_out_of_the_garbage_collector(monkeypatch):
    conf = load(monkeypatch)
    gc.unfreeze()  # this test process froze its own objects already (tests/conftest.py)
    conf["post_worker_init"](None)
    assert gc.get_freeze_count() > 10_000  # modules, app, url map and templates: out of full passes
    # and, on 3.11, collection at safe points only (tests/infra/test_safe_gc.py)
    assert gc.isenabled() is not safe_gc.needed()
    safe_gc.stop()


def test_a_worker_loads_the_stripe_library_only_for_a_card_payment():
    # About 15 MB per worker (stripe and the HTTP clients it loads): imported where Stripe is called.
    # A new interpreter, because this test process loaded stripe long ago.
    check = "import sys, wsgi; print(sorted({'stripe', 'aiohttp'} & set(sys.modules)))"
    env = {**os.environ, "MARKETPLACE_ENV": "development"}
    out = subprocess.run([sys.executable, "-c", check], cwd=REPO, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_environment_overrides(monkeypatch):
    conf = load(
        monkeypatch, PORT="9123", HOST="10.1.2.3", WEB_CONCURRENCY="3", GUNICORN_THREADS="4",
        FORWARDED_ALLOW_IPS="10.0.0.2", GUNICORN_ACCESS_LOG="", GUNICORN_GRACEFUL_TIMEOUT="7",
    )  # fmt: skip
    assert conf["bind"] == "10.1.2.3:9123"
    assert conf["workers"] == 3
    assert conf["threads"] == 4 and conf["worker_class"] == "gthread"
    assert conf["forwarded_allow_ips"] == "10.0.0.2"
    assert conf["accesslog"] is None
    assert conf["graceful_timeout"] == 7


def test_bind_wins_over_port(monkeypatch):
    assert load(monkeypatch, BIND="unix:/run/pasar.sock", PORT="1")["bind"] == "unix:/run/pasar.sock"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@pytest.mark.slow
def test_gunicorn_serves_the_app_and_versioned_static_files(tmp_path):
    from marketplace import assets

    manifest = assets.build(REPO / "static")  # what `make setup` does; static/dist is build output
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in _ENV_NAMES + ("REDIS_URL", "DATABASE_URL")},
        "PORT": str(port), "WEB_CONCURRENCY": "2", "GUNICORN_ACCESS_LOG": "",
        "MARKETPLACE_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'gunicorn.db'}",
    }  # fmt: skip
    log = (tmp_path / "gunicorn.log").open("w")
    proc = subprocess.Popen(
        [str(GUNICORN), "-c", str(CONF), "wsgi:app"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, _ = _get(port, "/healthz")
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert status == 200

        hashed = "/static/" + manifest["css/site.css"]
        status, headers, body = _get(port, hashed, {"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["cache-control"] == "max-age=31536000, public, immutable"
        original = (REPO / "static" / "css" / "site.css").read_bytes()
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        assert body == original

        status, headers, _ = _get(port, "/static/css/site.css")
        assert status == 200 and "immutable" not in headers["cache-control"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


def _refusal(env: dict[str, str]) -> tuple[int, str]:
    """Start `gunicorn wsgi:app` as an operator would; it must exit before binding a worker."""
    names = (*_ENV_NAMES, "MARKETPLACE_ENV", "SECRET_KEY", "PUBLIC_BASE_URL", "REDIS_URL")
    names += ("RATELIMIT_ENABLED",)
    full = {**{k: v for k, v in os.environ.items() if k not in names}, "PORT": str(_free_port()), **env}
    result = subprocess.run(
        [str(GUNICORN), "wsgi:app"],
        cwd=REPO,
        env=full,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def test_plain_gunicorn_without_marketplace_env_is_production_and_refuses_the_development_key():
    """A real gunicorn start (about a second: it stops in `on_starting`, before any worker)."""
    code, output = _refusal({"WEB_CONCURRENCY": "1"})
    assert code == 1
    assert "Pasar Desa will not start: SECRET_KEY must be set" in output
    assert "a server started with gunicorn runs as production" in output
    assert "Booting worker" not in output


def test_production_with_several_workers_and_no_redis_refuses_to_start():
    """A real gunicorn start (about a second): rate limits counted per worker would not hold."""
    production = {"SECRET_KEY": "k" * 32, "PUBLIC_BASE_URL": "https://pasar.example", "WEB_CONCURRENCY": "3"}
    code, output = _refusal(production)
    assert code == 1
    assert "3 worker processes without REDIS_URL" in output and "Booting worker" not in output


def test_the_start_checks_in_config():
    from marketplace.config import ConfigError, check_server_start

    production = {
        "MARKETPLACE_ENV": "production",
        "SECRET_KEY": "k" * 32,
        "PUBLIC_BASE_URL": "https://p.example",
    }
    check_server_start(production, workers=1)
    check_server_start({**production, "REDIS_URL": "redis://cache:6379/0"}, workers=4)
    check_server_start({**production, "RATELIMIT_ENABLED": "0"}, workers=4)  # limits off: nothing to share
    check_server_start({"MARKETPLACE_ENV": "development"}, workers=4)  # the demo counts per worker
    with pytest.raises(ConfigError, match="REDIS_URL"):
        check_server_start(production, workers=2)


def test_make_run_says_development_so_the_demo_starts_under_gunicorn():
    from marketplace.serve import server_environment

    assert server_environment({})["MARKETPLACE_ENV"] == "development"
    assert server_environment({"MARKETPLACE_ENV": "production"})["MARKETPLACE_ENV"] == "production"


def test_the_conf_file_makes_an_unnamed_environment_production(monkeypatch):
    monkeypatch.delenv("MARKETPLACE_ENV", raising=False)
    load(monkeypatch)  # on a copy of the environment, put back after the test
    assert os.environ["MARKETPLACE_ENV"] == "production"
