"""Today's rates are kept per process by rate generation: read once, and a new rate shows at once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.cache import CATALOGUE, CacheGeneration
from marketplace.markets.context import RATE_GENERATIONS_KEPT, RATE_TABLES
from marketplace.markets.models import ExchangeRate
from marketplace.markets.services import set_rate
from marketplace.money import Money
from marketplace.types import utcnow
from tests.factories import make_user
from tests.markets.conftest import log_in, product_path

EUR = Money(723, "EUR").format("en")  # 125.000 / 17.300
NEW_EUR = Money(735, "EUR").format("en")  # 125.000 / 17.000


@pytest.fixture
def app_overrides() -> dict:
    # The rate generation is the page cache's catalogue generation, bumped on commit when it is on.
    return {"PAGE_CACHE_ENABLED": True}


@pytest.fixture
def buyer_client(app, session):
    """A logged-in buyer paying in euros: their pages are never served from the page cache."""
    make_user(session, email="rates-buyer@example.test")
    session.commit()
    client = app.test_client()
    log_in(client, "rates-buyer@example.test")
    client.set_cookie("currency", "EUR")
    client.set_cookie("lang", "en")
    return client


def _rate_reads(statements: list[str]) -> int:
    return sum("exchange_rates" in statement for statement in statements)


def test_rates_are_read_once_per_generation(buyer_client, count_queries, rates, product):
    path = product_path(product)
    with count_queries() as first:
        assert EUR in buyer_client.get(path).get_data(as_text=True)
    with count_queries() as second:
        assert EUR in buyer_client.get(path).get_data(as_text=True)
    assert _rate_reads(first.statements) <= 1
    assert _rate_reads(second.statements) == 0, second.statements


def test_a_new_rate_shows_on_the_next_request(app, session, buyer_client, rates, product):
    path = product_path(product)
    assert EUR in buyer_client.get(path).get_data(as_text=True)
    set_rate(session, currency="EUR", rate=Decimal("17000"), effective_date=utcnow().date())
    session.commit()
    html = buyer_client.get(path).get_data(as_text=True)
    assert NEW_EUR in html and EUR not in html


def test_a_rate_another_process_wrote_shows_once_it_bumps_the_generation(
    app, session, buyer_client, rates, product
):
    path = product_path(product)
    assert EUR in buyer_client.get(path).get_data(as_text=True)
    # Another process: its write is not seen by this one's session events, only its bump is.
    with session.get_bind().begin() as other:
        other.execute(
            sa.update(ExchangeRate).where(ExchangeRate.currency == "EUR").values(rate=Decimal(17000))
        )
    assert EUR in buyer_client.get(path).get_data(as_text=True)  # kept: nothing said it changed
    with session.get_bind().begin() as other:
        other.execute(
            sa.update(CacheGeneration)
            .where(CacheGeneration.name == CATALOGUE)
            .values(value=CacheGeneration.value + 1)
        )
    html = buyer_client.get(path).get_data(as_text=True)
    assert NEW_EUR in html and EUR not in html


def test_kept_rates_are_bounded(app, session, buyer_client, rates, product):
    path = product_path(product)
    for day in range(RATE_GENERATIONS_KEPT + 3):
        set_rate(session, currency="USD", rate=Decimal(16_000 + day), effective_date=date(2026, 1, 1 + day))
        session.commit()
        assert buyer_client.get(path).status_code == 200
    kept = app.extensions[RATE_TABLES]
    assert len(kept) == RATE_GENERATIONS_KEPT
    assert kept.stored >= RATE_GENERATIONS_KEPT + 3
