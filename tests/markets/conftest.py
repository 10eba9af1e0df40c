"""Fixtures for markets tests: exchange rates, a shop with a product, a logged-in client."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.markets.models import ExchangeRate
from marketplace.types import utcnow
from tests.factories import TEST_PASSWORD, make_product

#: The demo's approximate rates (rupiah per unit).
RATES = {
    "EUR": "17300", "USD": "16300", "SGD": "12300", "MYR": "3600",
    "AUD": "10400", "JPY": "105", "GBP": "20500",
}  # fmt: skip


def make_rate(session, currency: str, rate: str, *, days_ago: int = 0, source: str = "test") -> ExchangeRate:
    row = ExchangeRate(
        currency=currency,
        rate=Decimal(rate),
        effective_date=utcnow().date() - timedelta(days=days_ago),
        source=source,
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def rates(session):
    """Every supported currency with today's demo rate, committed."""
    rows = {code: make_rate(session, code, rate) for code, rate in RATES.items()}
    session.commit()
    return rows


@pytest.fixture
def product(session):
    item = make_product(
        session,
        title_id="Kopi Robusta Kabat",
        title_en="Kabat robusta coffee",
        price_minor=125_000,
        stock=5,
        exportable=True,
        weight_grams=500,
    )
    session.commit()
    return item


def product_path(product) -> str:
    return f"/products/{product.id}-{product.slug}"


def log_in(client, email: str, password: str = TEST_PASSWORD):
    response = client.post("/account/login", data={"email": email, "password": password})
    assert response.status_code in (302, 303), response.status_code
    return response
