"""Payout tests: requests in isolated contexts, a request context for translated service messages."""

from __future__ import annotations

import pytest

from tests.payouts.helpers import IsolatedClient


@pytest.fixture
def app(app):
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(autouse=True)
def request_context(request):
    if "app" not in request.fixturenames:
        yield
        return
    with request.getfixturevalue("app").test_request_context("/"):
        yield
