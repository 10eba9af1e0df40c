"""Presenting orders: local dates, money text, status labels (values views hand to templates)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import has_request_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from marketplace.money import Money

JAKARTA = ZoneInfo("Asia/Jakarta")


def message(text: str, **variables) -> str:
    """gettext for services: translated inside a request, the English msgid in CLI jobs and tests
    without one (the locale selector needs a request). Marked `_l` where used, for extraction."""
    if has_request_context():
        return gettext(text, **variables)
    return text % variables if variables else text


def jakarta_date(value: datetime) -> date:
    """The calendar day in Kabat (WIB) for a stored UTC time."""
    return value.astimezone(JAKARTA).date()


def jakarta_day_start(day: date) -> datetime:
    """The UTC instant a Kabat (WIB) calendar day begins: ranges of Jakarta days compare with this."""
    return datetime.combine(day, time.min, tzinfo=JAKARTA).astimezone(UTC)


def money(minor: int, currency: str, lang: str = "id") -> str:
    return Money(int(minor), currency).format(lang)


ORDER_STATUS_LABELS = {
    "awaiting_payment": _l("Awaiting payment"),
    "paid": _l("Paid"),
    "shipped": _l("Shipped"),
    "delivered": _l("Delivered"),
    "cancelled": _l("Cancelled"),
    "refunded": _l("Refunded"),
    "refund_due": _l("Payment arrived after cancellation: refund due"),
}

FULFILMENT_STATUS_LABELS = {
    "pending": _l("Waiting for payment"),
    "processing": _l("Being prepared"),
    "shipped": _l("Shipped"),
    "delivered": _l("Delivered"),
    "cancelled": _l("Cancelled"),
}


def status_label(status: str) -> str:
    return str(ORDER_STATUS_LABELS.get(str(status), str(status)))


def fulfilment_status_label(status: str) -> str:
    return str(FULFILMENT_STATUS_LABELS.get(str(status), str(status)))
