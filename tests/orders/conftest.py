"""Fixtures for cart/checkout/order view tests: isolated client contexts, real login."""

from __future__ import annotations

import pytest

from tests.clients import IsolatedClient
from tests.factories import TEST_PASSWORD


@pytest.fixture
def app(app):
    app.test_client_class = IsolatedClient
    return app


def log_in(client, email: str, password: str = TEST_PASSWORD):
    response = client.post("/account/login", data={"email": email, "password": password})
    assert response.status_code in (302, 303), response.status_code
    return response
