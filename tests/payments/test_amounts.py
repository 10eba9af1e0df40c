"""Stripe amounts per currency, minimum charges and session expiry (pure functions, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from marketplace.money import Money
from marketplace.orders.models import Order
from marketplace.payments.services import from_stripe_amount, minimum_charge, session_expiry


@pytest.mark.parametrize(
    ("minor", "currency", "stripe_amount"),
    [
        (125_000, "IDR", 12_500_000),  # Rp 125.000: whole rupiah, Stripe counts two decimals
        (1, "IDR", 100),
        (1_250, "USD", 1_250),  # $12.50
        (999, "EUR", 999),
        (1_200, "JPY", 1_200),  # zero-decimal everywhere
        (5_000, "SGD", 5_000),
    ],
)
def test_stripe_amounts_round_trip(minor, currency, stripe_amount):
    assert Money(minor, currency).to_stripe_amount() == stripe_amount
    assert from_stripe_amount(stripe_amount, currency) == Money(minor, currency)
    assert from_stripe_amount(stripe_amount, currency.lower()) == Money(minor, currency)


def test_sub_rupiah_stripe_amounts_round_down():
    # A refund of Rp 0,50 at Stripe cannot be recorded as half a rupiah: it counts as nothing.
    assert from_stripe_amount(150, "IDR") == Money(1, "IDR")


def order(currency: str, rate: str | None = None, due_in: timedelta = timedelta(hours=2)) -> Order:
    return Order(
        currency=currency,
        exchange_rate=Decimal(rate) if rate else None,
        payment_due_at=NOW + due_in,
    )


NOW = datetime(2026, 11, 28, 3, 0, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("currency", "rate", "expected"),
    [
        ("USD", None, Money(50, "USD")),
        ("EUR", None, Money(50, "EUR")),
        ("GBP", None, Money(30, "GBP")),
        ("JPY", None, Money(50, "JPY")),
        ("MYR", None, Money(200, "MYR")),
        ("IDR", None, Money(10_000, "IDR")),
        # Not in Stripe's table: Rp 10.000 at the order's frozen rate (rupiah per unit), rounded up
        # (KRW has no decimals): 10000 / 11.76 = 850.34 → 851; 10000 / 12.5 = 800 exactly.
        ("KRW", "11.76", Money(851, "KRW")),
        ("KRW", "12.5", Money(800, "KRW")),
    ],
)
def test_minimum_charge_per_currency(currency, rate, expected):
    assert minimum_charge(order(currency, rate)) == expected


def test_minimum_charge_unknown_without_a_rate():
    assert minimum_charge(order("KRW")) is None


def test_session_expiry_matches_the_order_when_stripe_allows_it():
    assert session_expiry(order("IDR", due_in=timedelta(hours=2)), NOW) == (NOW + timedelta(hours=2)).replace(
        microsecond=0
    )


@pytest.mark.parametrize(
    ("due_in", "low", "high"),
    [
        (timedelta(minutes=5), timedelta(minutes=31), timedelta(minutes=41)),
        (timedelta(minutes=-5), timedelta(minutes=31), timedelta(minutes=41)),
        (timedelta(hours=24), timedelta(hours=23, minutes=49), timedelta(hours=23, minutes=59)),
        (timedelta(days=3), timedelta(hours=23, minutes=49), timedelta(hours=23, minutes=59)),
    ],
)
def test_session_expiry_is_clamped_to_stripes_limits(due_in, low, high):
    expires = session_expiry(order("IDR", due_in=due_in), NOW)
    assert low <= expires - NOW <= high
    assert expires.timestamp() % 600 == 0
    # Two clicks seconds apart send the same expiry (and so may share an idempotency key).
    assert session_expiry(order("IDR", due_in=due_in - timedelta(seconds=3)), NOW + timedelta(seconds=3)) in (
        expires,
        expires + timedelta(minutes=10),
    )


def test_session_expiry_never_falls_short_of_the_minimum_by_the_microseconds():
    # 02:49:00.564579 + 31 min = 03:20:00.564579: the next step is 03:30, not 03:20 (found by a run
    # whose clock read .564579 seconds past a minute that ended a step).
    now = datetime(2026, 12, 6, 2, 49, 0, 564_579, tzinfo=UTC)
    due = Order(currency="IDR", payment_due_at=now + timedelta(minutes=10))
    assert session_expiry(due, now) == datetime(2026, 12, 6, 3, 30, tzinfo=UTC)
