"""Redis stops or hangs: pages are served uncached, logins and rate limits keep working in-process,
each outage is logged once; when Redis answers again the page cache and the shared limits are used.

Uses a redis-server of its own on a free port (tests/faults/helpers.py; about 50 ms to start), since
the machine's Redis serves the rest of the suite and must never be stopped.
"""

from __future__ import annotations

import logging
import time

import pytest
import redis

from marketplace.extensions import limiter
from tests.factories import TEST_PASSWORD, make_product, make_user
from tests.faults.helpers import PrivateRedis

LIMIT = 3


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_overrides(private_redis):
    return {
        "REDIS_URL": private_redis.url,
        "PAGE_CACHE_ENABLED": True,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": private_redis.url,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        "LOGIN_CLIENT_RATE_LIMIT": f"{LIMIT} per minute",
    }


@pytest.fixture(autouse=True)
def _limiter_back_on_its_storage():
    yield
    limiter._storage_dead = False  # the Limiter is one object for every app in the session


def _page(client, path: str) -> tuple[int, str | None, str]:
    response = client.get(path)
    return response.status_code, response.headers.get("X-Cache"), response.get_data(as_text=True)


def _wrong_logins_until_429(client, address: str) -> list[int]:
    codes = []
    for attempt in range(LIMIT + 1):
        response = client.post(
            "/account/login",
            # A new email each time: only the per-address limit (LOGIN_CLIENT_RATE_LIMIT) is at work.
            data={"email": f"nobody{attempt}-{address}@example.test", "password": "wrong password here"},
            environ_base={"REMOTE_ADDR": address},
        )
        codes.append(response.status_code)
    return codes


def _limit_keys(server: PrivateRedis) -> int:
    return len(redis.Redis.from_url(server.url).keys("LIMIT*"))


@pytest.mark.slow  # about 5 s: two outages, and the limiter tries its storage again after 1, 2, 4… s
@pytest.mark.one_database("the subject is Redis")
def test_pages_logins_and_limits_outlive_redis(app, session, private_redis, caplog):
    product = make_product(session, price_minor=100_000, title_en="Rattan basket")
    user = make_user(session)
    session.commit()
    path = f"/products/{product.id}-{product.slug}?lang=en"
    visitor = app.test_client()
    assert _page(visitor, path)[:2] == (200, "MISS")
    assert _page(visitor, path)[:2] == (200, "HIT")
    assert _wrong_logins_until_429(app.test_client(), "10.1.0.1") == [400] * LIMIT + [429]
    assert _limit_keys(private_redis) > 0  # the limits are shared through Redis

    caplog.set_level(logging.INFO)
    for outage, (stop, restart) in enumerate(
        [(private_redis.stop, private_redis.start), (private_redis.freeze, private_redis.thaw)]
    ):
        caplog.clear()
        stop()
        started = time.monotonic()
        for _ in range(5):
            status, hit, html = _page(visitor, path)
            assert status == 200 and hit != "HIT" and "Rattan basket" in html
        # A hung Redis costs one short timeout, then requests skip it: not 0.5 s each.
        assert time.monotonic() - started < 2.5
        # Logins work, and the limit is counted in this process meanwhile.
        login = app.test_client().post(
            "/account/login",
            data={"email": user.email, "password": TEST_PASSWORD},
            environ_base={"REMOTE_ADDR": "10.2.0.1"},
        )
        assert login.status_code in (302, 303) and "/account/login" not in login.headers["Location"]
        assert _wrong_logins_until_429(app.test_client(), f"10.3.0.{outage}") == [400] * LIMIT + [429]
        # A change while Redis is away: committed, and shown once it is back.
        product.price_minor = 125_000 + outage
        session.commit()
        assert f"{125_000 + outage:,}" in _page(visitor, path)[2]
        unreachable = [r for r in caplog.records if "Redis is unreachable" in r.getMessage()]
        fallback = [r for r in caplog.records if "falling back to in-memory" in r.getMessage()]
        assert (len(unreachable), len(fallback)) == (1, 1), [r.getMessage() for r in caplog.records]
        assert not any(r.levelno >= logging.ERROR for r in caplog.records)

        restart()
        if outage == 0:  # a fresh server: the old limit counts went with it
            assert _limit_keys(private_redis) == 0
        deadline = time.monotonic() + 10
        while True:  # the cache retries after 2 s, the limiter after 1, 2, 4… s: poll
            status, hit, html = _page(visitor, path)
            assert status == 200 and f"{125_000 + outage:,}" in html  # never the page from before the change
            if hit == "HIT":
                break
            assert time.monotonic() < deadline, "the page cache did not come back"
            time.sleep(0.1)
        keys = _limit_keys(private_redis)
        while True:
            _wrong_logins_until_429(app.test_client(), f"10.4.{outage}.{int(time.monotonic() * 10) % 250}")
            if _limit_keys(private_redis) > keys:
                break
            assert time.monotonic() < deadline, "the rate limits did not go back to Redis"
            time.sleep(0.2)
        messages = [r.getMessage() for r in caplog.records]
        assert any("Redis answers again" in m for m in messages)
        assert any("Rate limit storage recovered" in m for m in messages)
