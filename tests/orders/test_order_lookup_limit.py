"""/orders/find is rate limited like logins: lookups that find nothing count, per client address."""

from __future__ import annotations

import pytest

from tests.orders.helpers import make_cart, place
from tests.orders.test_views import setup_shop


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": True, "ORDER_LOOKUP_RATE_LIMIT": "3 per minute"}


def test_failed_lookups_are_limited_and_found_ones_do_not_count(app, session):
    product = setup_shop(session)
    order = place(session, make_cart(session, {product: 1}), email="tamu@example.test")
    session.commit()
    client = app.test_client()
    found = {"number": order.number, "email": "tamu@example.test"}
    for _ in range(4):  # successes never count
        assert client.post("/orders/find", data=found).status_code == 303
    wrong = {"number": order.number, "email": "guess@example.test"}
    assert [client.post("/orders/find", data=wrong).status_code for _ in range(3)] == [200, 200, 200]
    blocked = client.post("/orders/find", data=wrong)
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    assert client.post("/orders/find", data=found).status_code == 429  # the address waits, whatever it asks
    assert client.get("/orders/find").status_code == 200  # the form itself is never limited
