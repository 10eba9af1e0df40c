"""Login and password reset limits (accounts/throttle.py): per account and address, per address, per
account from new devices (never locking the owner out), reset requests per address and per email;
the client address behind trusted proxies; Redis shares the counts between app processes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.accounts import throttle, tokens
from marketplace.email.models import OutboundEmail
from tests.accounts.conftest import log_in
from tests.factories import TEST_PASSWORD
from tests.scratch_redis import scratch_redis_url

NEW_PASSWORD = "kangkung setingkes 9"

REPO = Path(__file__).resolve().parents[2]


LIMITS_ON = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}


@pytest.fixture
def app_overrides(request):
    if "shared_limits" in request.fixturenames:  # two processes count in one Redis
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": request.getfixturevalue("shared_limits")}
    return dict(LIMITS_ON)


def _from(ip: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": ip}}


def _login(client, email: str, password: str, ip: str):
    return client.post("/account/login", data={"email": email, "password": password}, **_from(ip))


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_ten_wrong_passwords_from_one_address_stop_that_address_not_the_owner_elsewhere(client, user):
    for _ in range(10):
        assert _login(client, user.email, "wrong password here", "10.0.0.1").status_code == 400
    response = _login(client, f"  {user.email.upper()} ", TEST_PASSWORD, "10.0.0.1")  # even the right one
    assert response.status_code == 429
    page = _page(response)
    assert "Too many wrong passwords were tried for this account from your network" in page
    assert 'name="password"' in page and 'value="' in page  # the form again, the email kept
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert client.get("/account/login", **_from("10.0.0.1")).status_code == 200  # only POSTs count
    # The owner, from anywhere else, logs in.
    assert _login(client, user.email, TEST_PASSWORD, "10.9.9.9").status_code == 302


def test_one_address_trying_many_accounts_is_stopped(client, user):
    for attempt in range(30):
        assert _login(client, f"guess{attempt}@example.test", "wrong password", "10.0.0.2").status_code == 400
    response = _login(client, user.email, TEST_PASSWORD, "10.0.0.2")
    assert response.status_code == 429
    assert "Too many failed logins came from your network" in _page(response)
    assert _login(client, user.email, TEST_PASSWORD, "10.0.0.3").status_code == 302


def test_successful_logins_do_not_count(client, user):
    """Many buyers behind one carrier NAT share an address: only failures use up its limit."""
    for _ in range(12):
        assert _login(client, user.email, TEST_PASSWORD, "10.0.0.4").status_code == 302


def test_many_addresses_guessing_one_account_slow_new_devices_only(app, user):
    known = app.test_client()
    assert _login(known, user.email, TEST_PASSWORD, "10.1.0.1").status_code == 302  # the owner's phone
    attacker = app.test_client()
    for attempt in range(20):
        assert _login(attacker, user.email, "wrong password", f"10.2.0.{attempt}").status_code == 400
    # A new device, even with the right password, waits and is told how to get in.
    new_device = app.test_client()
    response = _login(new_device, user.email, TEST_PASSWORD, "10.3.0.1")
    assert response.status_code == 429
    assert "cannot be logged into from a new device" in _page(response)
    assert "Forgot your password?" in _page(response)
    # The owner's known device is neither counted nor stopped, from any address.
    assert _login(known, user.email, TEST_PASSWORD, "10.4.0.1").status_code == 302
    # A reset link, which only the owner's mailbox gets, makes the new device known.
    token = tokens.make_reset_token(user)
    response = new_device.post(
        f"/account/password/reset/{token}",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        **_from("10.3.0.1"),
    )
    assert response.status_code == 302, _page(response)
    assert _login(new_device, user.email, NEW_PASSWORD, "10.3.0.1").status_code == 302
    # Another account is not affected; a forged known-device cookie does not help.
    forger = app.test_client()
    forger.set_cookie(throttle.KNOWN_DEVICE_COOKIE, "W10.forged", path="/account")
    assert _login(forger, user.email, NEW_PASSWORD, "10.5.0.1").status_code == 429


def test_an_emailed_unlock_link_lets_a_new_device_in_with_the_password(app, session, user):
    attacker = app.test_client()
    for attempt in range(20):
        assert _login(attacker, user.email, "wrong password", f"10.2.1.{attempt}").status_code == 400
    new_device = app.test_client()
    page = _page(_login(new_device, user.email, TEST_PASSWORD, "10.3.1.1"))
    assert "Email me a link to log in from this device" in page
    response = new_device.post("/account/login/unlock", data={"email": user.email}, **_from("10.3.1.1"))
    assert response.status_code == 302
    body = session.scalar(sa.select(OutboundEmail.body_text).where(OutboundEmail.template == "login_unlock"))
    link = re.search(r"http://localhost(/account/login/unlock/\S+)", body).group(1)
    assert new_device.get(link, **_from("10.3.1.1")).status_code == 302
    assert _login(new_device, user.email, TEST_PASSWORD, "10.3.1.1").status_code == 302
    # The link alone is no password; a forged one does nothing.
    stranger = app.test_client()
    assert stranger.get(link, **_from("10.3.1.2")).status_code == 302
    assert _login(stranger, user.email, "wrong password", "10.3.1.2").status_code == 400
    forged = app.test_client()
    response = forged.get("/account/login/unlock/forged", follow_redirects=True)
    assert "This link has expired" in _page(response)
    assert _login(forged, user.email, TEST_PASSWORD, "10.3.1.3").status_code == 429


def test_reset_requests_are_limited_per_address_and_per_email(client, session, user):
    for attempt in range(5):
        response = client.post(
            "/account/password/reset", data={"email": f"r{attempt}@example.test"}, **_from("10.6.0.1")
        )
        assert response.status_code == 200
    response = client.post("/account/password/reset", data={"email": user.email}, **_from("10.6.0.1"))
    assert response.status_code == 429
    assert "Too many reset requests came from your network" in _page(response)
    assert 'name="email"' in _page(response) and "Retry-After" in response.headers
    # Per email, whoever asks (and whether or not the account exists).
    for address in ("unknown@example.test", user.email):
        for attempt in range(3):
            response = client.post(
                "/account/password/reset", data={"email": address}, **_from(f"10.7.{attempt}.1")
            )
            assert response.status_code == 200
        response = client.post("/account/password/reset", data={"email": address}, **_from("10.7.9.1"))
        assert response.status_code == 429
        assert "Several reset links were sent to this address in the last hour" in _page(response)
    sent = session.scalars(sa.select(OutboundEmail.to_address).where(OutboundEmail.to_address == user.email))
    assert len(list(sent)) == 3  # the three links before the limit, each valid for an hour


@pytest.mark.parametrize("spoofed", ["203.0.113.1", "198.51.100.7, 10.0.0.1"])
def test_without_trusted_proxies_a_forwarded_address_is_ignored(client, user, spoofed):
    for attempt in range(10):
        headers = {"X-Forwarded-For": f"192.0.2.{attempt}"}
        response = client.post(
            "/account/login",
            data={"email": user.email, "password": "wrong"},
            headers=headers,
            **_from("10.8.0.1"),
        )
        assert response.status_code == 400
    response = client.post(
        "/account/login",
        data={"email": user.email, "password": TEST_PASSWORD},
        headers={"X-Forwarded-For": spoofed},
        **_from("10.8.0.1"),
    )
    assert response.status_code == 429


@pytest.mark.parametrize("app_overrides", [{**LIMITS_ON, "TRUSTED_PROXIES": 1}])
def test_behind_one_trusted_proxy_the_forwarded_client_counts(client, user, app_overrides):
    def through_proxy(forwarded: str, password: str = "wrong"):  # noqa: S107 - a wrong one
        return client.post(
            "/account/login",
            data={"email": user.email, "password": password},
            headers={"X-Forwarded-For": forwarded},
            **_from("127.0.0.1"),
        )

    # What a client wrote in the header sits left of what the proxy appended: only the latter counts.
    for attempt in range(10):
        assert through_proxy(f"192.0.2.{attempt}, 10.9.0.1").status_code == 400
    assert through_proxy("10.9.0.1", TEST_PASSWORD).status_code == 429
    assert through_proxy("10.9.0.2", TEST_PASSWORD).status_code == 302  # another visitor of the proxy


def test_the_app_sees_the_client_the_trusted_proxies_saw():
    """register_proxy on a bare app (no database): address, scheme, host, and no forwarded header left."""
    from flask import Flask, jsonify, request

    from marketplace.web import register_proxy

    def probe(hops: int) -> dict:
        app = Flask("probe")
        app.config["TRUSTED_PROXIES"] = hops

        @app.get("/")
        def show():
            return jsonify(
                addr=request.remote_addr, scheme=request.scheme, host=request.host,
                forwarded=request.headers.get("X-Forwarded-For"),
            )  # fmt: skip

        register_proxy(app)
        headers = {
            "X-Forwarded-For": "1.1.1.1, 10.0.0.5",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "pasar.example",
        }
        return (
            app.test_client().get("/", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_json()
        )

    assert probe(0) == {"addr": "127.0.0.1", "scheme": "http", "host": "localhost", "forwarded": None}
    assert probe(1) == {"addr": "10.0.0.5", "scheme": "https", "host": "pasar.example", "forwarded": None}
    assert probe(2)["addr"] == "1.1.1.1"


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


@pytest.fixture
def shared_limits() -> str:
    """An empty Redis database for the limits two processes share."""
    import redis

    url = scratch_redis_url(15)
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.mark.slow
@pytest.mark.one_database("the subject is Redis shared by two processes")
def test_two_app_processes_share_the_limit_through_redis(shared_limits, app, client):
    import redis

    redis_client = redis.Redis.from_url(shared_limits)
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
@pytest.mark.one_database("the subject is the limiter's memory storage in two processes")
def test_memory_storage_does_not_share_between_processes(app, client):
    # The negative control: without Redis each process counts alone.
    for _ in range(6):
        assert log_in(client, "x@example.test", "wrong password").status_code == 400
    assert _other_process(app, 5) == [400] * 5
