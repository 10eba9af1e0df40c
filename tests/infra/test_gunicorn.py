"""gunicorn.conf.py: settings come from the environment, and `gunicorn wsgi:app` really serves with it."""

from __future__ import annotations

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

REPO = Path(__file__).resolve().parents[2]
CONF = REPO / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).parent / "gunicorn"

_ENV_NAMES = (
    "PORT", "HOST", "BIND", "WEB_CONCURRENCY", "GUNICORN_THREADS", "FORWARDED_ALLOW_IPS",
    "GUNICORN_ACCESS_LOG", "GUNICORN_TIMEOUT", "GUNICORN_GRACEFUL_TIMEOUT",
)  # fmt: skip


def load(monkeypatch, **env) -> dict:
    for name in _ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_defaults_suit_a_reverse_proxy(monkeypatch):
    conf = load(monkeypatch)
    assert conf["bind"] == "127.0.0.1:8000"
    assert conf["workers"] == multiprocessing.cpu_count() * 2 + 1
    assert conf["threads"] == 4 and conf["worker_class"] == "gthread"  # slow clients: see the conf
    assert conf["preload_app"] is False
    assert conf["forwarded_allow_ips"] == "127.0.0.1"
    assert conf["accesslog"] == "-"
    assert conf["graceful_timeout"] > 0


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
