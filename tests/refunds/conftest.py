"""Refund tests: the local Stripe harness (shared with tests/payments), isolated clients."""

from __future__ import annotations

import pytest

from tests.payments.conftest import app_overrides, buyer, place_stripe_order, request_context, stripe_server  # noqa: F401
from tests.payouts.helpers import IsolatedClient
from tests.refunds.helpers import as_sent, desk  # noqa: F401  (the curator and how Stripe sends a charge)


@pytest.fixture
def app(app):
    app.test_client_class = IsolatedClient
    return app
