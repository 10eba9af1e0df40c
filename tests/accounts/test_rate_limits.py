"""Login and password reset are rate limited per IP and per email; Redis shares the count between
app processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.accounts.conftest import log_in

REDIS_URL = "redis://127.0.0.1:6379/15"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}


def _from(ip: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": ip}}


def test_eleventh_login_from_one_ip_gets_a_friendly_429(client, user):
    for attempt in range(10):
        response = log_in(client, f"guess{attempt}@example.test", "wrong password here")
        assert response.status_code == 400
    response = log_in(client, user.email)  # even the right password waits
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Please wait a moment" in page
    assert "Retry-After" in response.headers
    assert client.get("/account/login").status_code == 200  # only POSTs count


def test_eleventh_login_for_one_email_from_many_ips_gets_429(client, user):
    for attempt in range(10):
        response = client.post(
            "/account/login",
            data={"email": user.email, "password": "wrong password"},
            **_from(f"10.0.0.{attempt}"),
        )
        assert response.status_code == 400
    response = client.post(
        "/account/login", data={"email": f"  {user.email.upper()} ", "password": "wrong"}, **_from("10.0.1.1")
    )
    assert response.status_code == 429
    # Another account from a fresh address is not affected.
    response = client.post(
        "/account/login",
        data={"email": "other@example.test", "password": "wrong password"},
        **_from("10.0.1.2"),
    )
    assert response.status_code == 400


def test_sixth_password_reset_request_in_an_hour_gets_429(client, user):
    for _ in range(5):
        assert client.post("/account/password/reset", data={"email": user.email}).status_code == 200
    assert client.post("/account/password/reset", data={"email": user.email}).status_code == 429


_OTHER_PROCESS = """
import json, os, sys
from marketplace import create_app
overrides = json.loads(os.environ["APP_OVERRIDES"])
app = create_app(overrides)
client = app.test_client()
codes = [
    client.post("/account/login", data={"email": "x@example.test", "password": "wrong password"}).status_code
    for _ in range(int(sys.argv[1]))
]
from marketplace.extensions import db
with app.app_context():
    db.engine.dispose()
print(json.dumps(codes))
"""


def _other_process(app, attempts: int) -> list[int]:
    overrides = {
        key: app.config[key]
        for key in (
            "SQLALCHEMY_DATABASE_URI",
            "RATELIMIT_ENABLED",
            "RATELIMIT_STORAGE_URI",
            "WTF_CSRF_ENABLED",
        )
    }
    env = {**os.environ, "APP_OVERRIDES": json.dumps(overrides), "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", _OTHER_PROCESS, str(attempts)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    client.flushdb()
    return client


@pytest.mark.slow
@pytest.mark.parametrize("app_overrides", [{"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS_URL}])
def test_two_app_processes_share_the_limit_through_redis(app, client, app_overrides):
    redis_client = _redis_or_skip()
    try:
        for _ in range(6):
            assert log_in(client, "x@example.test", "wrong password").status_code == 400
        # A second app process counts on from 6: four more pass, the fifth is the 11th attempt.
        assert _other_process(app, 5) == [400, 400, 400, 400, 429]
        assert log_in(client, "x@example.test", "wrong password").status_code == 429
    finally:
        redis_client.flushdb()
        redis_client.close()


@pytest.mark.slow
def test_memory_storage_does_not_share_between_processes(app, client):
    # The negative control: without Redis each process counts alone.
    for _ in range(6):
        assert log_in(client, "x@example.test", "wrong password").status_code == 400
    assert _other_process(app, 5) == [400] * 5
