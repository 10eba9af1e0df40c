"""Exchange rates (reading, editing, CSV import) and converting rupiah prices into a buyer's currency.

Prices are kept in whole rupiah. A foreign price is the IDR amount divided by the rate (rupiah per
unit of the currency), rounded half up at the currency's own exponent (JPY 0, EUR 2), computed
with exact Decimal division — never floats. Orders are converted per unit price, then multiplied
by the quantity, and the shipping per parcel; totals are sums of those converted parts, so what
the checkout shows is exactly what is charged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Context, Decimal, InvalidOperation, localcontext
from functools import cache
from types import MappingProxyType
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace.audit.services import record_action
from marketplace.errors import Conflict, ValidationError
from marketplace.markets.context import HOME_CURRENCY, SUPPORTED_CURRENCIES
from marketplace.markets.models import ExchangeRate, rate_version
from marketplace.money import Money, currency_exponent
from marketplace.types import utcnow

#: Rough rupiah per unit (late 2026) for the sanity check on typed rates: a rate more than
#: RATE_SANITY_FACTOR times away from this is refused as a typo ("17.300" for 17300, a missing 0).
REFERENCE_RATES = {
    "USD": Decimal("16300"),
    "EUR": Decimal("17300"),
    "SGD": Decimal("12300"),
    "MYR": Decimal("3600"),
    "AUD": Decimal("10400"),
    "JPY": Decimal("105"),
    "GBP": Decimal("20500"),
}
RATE_SANITY_FACTOR = Decimal(5)
#: At most this many digits after the point (the column keeps 8).
RATE_MAX_DECIMALS = 8
#: The `source` of the demo's approximate rates (`ensure_demo_rates`).
DEMO_RATE_SOURCE = "demo (approximate rate)"
#: Default for the RATE_STALE_DAYS setting: an older rate is shown but not charged.
DEFAULT_STALE_DAYS = 7
#: Enough digits for any amount divided by any rate, exactly up to the remainder.
_EXACT = Context(prec=60)


class RateChanged(Conflict):
    """The rate changed between the checkout page and placing the order; the buyer must review."""

    def __init__(self) -> None:
        super().__init__(
            str(_l("The exchange rate changed since you reviewed your order. Please review the new total."))
        )


# --------------------------------------------------------------------------------------------
# Conversion
# --------------------------------------------------------------------------------------------


def convert_from_idr(idr_minor: int, rate: Decimal, currency: str) -> Money:
    """`idr_minor` whole rupiah in `currency` at `rate` (IDR per unit), half up at its exponent.

    Exact: the quotient and remainder of a Decimal division decide the rounding, so an amount
    worth exactly x.xx5 rounds up and one a hair below rounds down.
    """
    code = currency.upper()
    if code == HOME_CURRENCY:
        return Money(int(idr_minor), HOME_CURRENCY)
    if not isinstance(rate, Decimal):
        raise TypeError("exchange rates must be Decimal")
    if rate <= 0:
        raise ValueError("exchange rates must be positive")
    if idr_minor < 0:
        return Money(-convert_from_idr(-idr_minor, rate, code).minor, code)
    with localcontext(_EXACT):
        numerator = Decimal(int(idr_minor)).scaleb(currency_exponent(code))
        quotient, remainder = divmod(numerator, rate)
        if remainder * 2 >= rate:
            quotient += 1
    return Money(int(quotient), code)


@dataclass(frozen=True)
class Rate:
    """A rate as read for one request or one order (a plain value: safe after the session ends)."""

    id: int
    currency: str
    rate: Decimal
    effective_date: date
    source: str
    version: str

    def is_stale(self, today: date, stale_days: int) -> bool:
        return (today - self.effective_date) > timedelta(days=stale_days)


@dataclass(frozen=True)
class RateTable:
    """The latest rate of every currency, read once per request."""

    rates: Mapping[str, Rate] = field(default_factory=dict)
    today: Optional[date] = None
    stale_days: int = DEFAULT_STALE_DAYS

    def get(self, currency: str) -> Optional[Rate]:
        return self.rates.get(currency.upper())

    def offered(self) -> list[str]:
        """Currencies a buyer may choose: rupiah and every supported currency with a rate."""
        return [code for code in SUPPORTED_CURRENCIES if code == HOME_CURRENCY or code in self.rates]

    def is_stale(self, currency: str) -> bool:
        rate = self.get(currency)
        return bool(rate and self.today and rate.is_stale(self.today, self.stale_days))


def display_price(idr_minor: int, currency: str, rates: RateTable) -> Money:
    """THE way a rupiah price becomes what a buyer sees: in `currency` if it has a rate, else IDR."""
    code = currency.upper()
    rate = rates.get(code) if code != HOME_CURRENCY else None
    if rate is None:
        return Money(int(idr_minor), HOME_CURRENCY)
    return convert_from_idr(idr_minor, rate.rate, code)


def price_for_jsonld(product, currency: str, rates: RateTable) -> tuple[str, str]:
    """schema.org `price` and `priceCurrency` for a product in the buyer's currency ("12.50", "EUR")."""
    money = display_price(product.price_minor, currency, rates)
    exponent = currency_exponent(money.currency)
    return f"{money.as_decimal():.{exponent}f}", money.currency


@dataclass(frozen=True)
class ConvertedOrder:
    """An order's amounts in its currency, from the rupiah parts, exactly as charged."""

    currency: str
    rate: Optional[Rate]
    unit_prices: list[int]
    line_totals: list[int]
    shipping: list[int]

    @property
    def subtotal(self) -> int:
        return sum(self.line_totals)

    @property
    def shipping_total(self) -> int:
        return sum(self.shipping)

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping_total

    @property
    def exchange_rate(self) -> Optional[Decimal]:
        return self.rate.rate if self.rate else None


def convert_order(
    *, currency: str, rate: Optional[Rate], lines_idr: Sequence[tuple[int, int]], shipping_idr: Sequence[int]
) -> ConvertedOrder:
    """Convert (unit price IDR, quantity) lines and per-parcel shipping: per unit, then × quantity."""
    code = currency.upper()
    if code != HOME_CURRENCY and rate is None:
        raise ValidationError(str(_l("There is no exchange rate for %(currency)s.", currency=code)))

    def conv(amount: int) -> int:
        return (
            amount
            if rate is None or code == HOME_CURRENCY
            else convert_from_idr(amount, rate.rate, code).minor
        )

    units = [conv(unit) for unit, _ in lines_idr]
    return ConvertedOrder(
        currency=code,
        rate=rate if code != HOME_CURRENCY else None,
        unit_prices=units,
        line_totals=[unit * quantity for unit, (_, quantity) in zip(units, lines_idr, strict=True)],
        shipping=[conv(amount) for amount in shipping_idr],
    )


# --------------------------------------------------------------------------------------------
# Reading rates
# --------------------------------------------------------------------------------------------


def _snapshot(row) -> Rate:
    """A Rate from an ExchangeRate or a row of the same columns."""
    return Rate(
        id=row.id,
        currency=row.currency,
        rate=Decimal(row.rate),
        effective_date=row.effective_date,
        source=row.source or "",
        version=rate_version(row.currency, row.id, row.rate),
    )


def _newest_per_currency():
    """Each rate row's rank within its currency: 1 is the latest effective date, then latest id."""
    return sa.select(
        ExchangeRate.id,
        sa.func.row_number()
        .over(
            partition_by=ExchangeRate.currency,
            order_by=(ExchangeRate.effective_date.desc(), ExchangeRate.id.desc()),
        )
        .label("rank"),
    ).subquery()


def list_latest_rates(session: Session) -> list[ExchangeRate]:
    """The newest row per currency (latest effective date, then latest id), in one query."""
    ranked = _newest_per_currency()
    return list(
        session.scalars(
            sa.select(ExchangeRate)
            .join(ranked, ranked.c.id == ExchangeRate.id)
            .where(ranked.c.rank == 1)
            .order_by(ExchangeRate.currency)
        )
    )


@cache  # one statement, built once: building it cost three times running it (0.28 of 0.38 ms)
def _latest_rate_statement() -> sa.Select:
    ranked = _newest_per_currency()
    return (
        sa.select(
            ExchangeRate.id,
            ExchangeRate.currency,
            ExchangeRate.rate,
            ExchangeRate.effective_date,
            ExchangeRate.source,
        )
        .join(ranked, ranked.c.id == ExchangeRate.id)
        .where(ranked.c.rank == 1)
    )


def _latest_rate_rows(session: Session) -> sa.Result:
    """The newest row per currency as plain rows (no ORM objects): read on every page."""
    return session.execute(_latest_rate_statement())


def load_latest_rates(session: Session) -> Mapping[str, Rate]:
    """The latest rate of each supported currency, as plain values (read-only: kept and shared)."""
    return MappingProxyType(
        {
            row.currency: _snapshot(row)
            for row in _latest_rate_rows(session)
            if row.currency in SUPPORTED_CURRENCIES
        }
    )


def load_rate_table(session: Session, *, today: date, stale_days: int = DEFAULT_STALE_DAYS) -> RateTable:
    return RateTable(rates=load_latest_rates(session), today=today, stale_days=stale_days)


def checkout_rate(rates: RateTable, currency: str) -> Optional[Rate]:
    """The rate an order in `currency` may be charged at (None for rupiah).

    Raises ValidationError when the currency has no rate (we never guess) or only a stale one.
    """
    code = currency.upper()
    if code == HOME_CURRENCY:
        return None
    rate = rates.get(code)
    if rate is None:
        raise ValidationError(
            str(
                _l(
                    "Payment in %(currency)s is not available right now: there is no exchange rate. "
                    "Choose another currency.",
                    currency=code,
                )
            ),
            field="currency",
        )
    if rates.is_stale(code):
        raise ValidationError(
            str(
                _l(
                    "Payment in %(currency)s is paused: its exchange rate is out of date. "
                    "Choose another currency or try again later.",
                    currency=code,
                )
            ),
            field="currency",
        )
    return rate


def check_rate_version(rate: Optional[Rate], expected: Optional[str]) -> None:
    """Raise RateChanged when the rate the checkout page showed is not the one in force now."""
    if expected is None:
        return
    if (rate.version if rate else "") != expected:
        raise RateChanged()


# --------------------------------------------------------------------------------------------
# Editing rates
# --------------------------------------------------------------------------------------------


def parse_currency(raw: object) -> str:
    code = str(raw or "").strip().upper()
    if code == HOME_CURRENCY:
        raise ValidationError(str(_l("Rupiah is the reference currency: it has no rate.")), field="currency")
    if code not in SUPPORTED_CURRENCIES:
        raise ValidationError(
            str(
                _l(
                    "Choose one of: %(codes)s.",
                    codes=", ".join(c for c in SUPPORTED_CURRENCIES if c != "IDR"),
                )
            ),
            field="currency",
        )
    return code


def parse_rate(raw: object, currency: str) -> Decimal:
    """A typed rate as Decimal rupiah per unit: digits with an optional decimal point, sane size.

    Raises ValidationError for text, zero or negative rates, too many decimals, or a rate more than
    RATE_SANITY_FACTOR times away from the currency's reference (a misplaced point or zero).
    """
    text = str(raw if raw is not None else "").strip().replace("_", "")
    message = _l(
        "Enter the rate as rupiah per 1 %(currency)s, e.g. %(example)s.",
        currency=currency,
        example=REFERENCE_RATES.get(currency, Decimal("17300")),
    )
    if not text or any(ch not in "0123456789." for ch in text) or text.count(".") > 1 or text in (".",):
        raise ValidationError(str(message), field="rate")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(str(message), field="rate") from None
    if value <= 0:
        raise ValidationError(str(_l("The rate must be more than zero.")), field="rate")
    if -value.as_tuple().exponent > RATE_MAX_DECIMALS:
        raise ValidationError(
            str(_l("Use at most %(n)d digits after the decimal point.", n=RATE_MAX_DECIMALS)), field="rate"
        )
    reference = REFERENCE_RATES.get(currency)
    if reference is not None and not (
        reference / RATE_SANITY_FACTOR <= value <= reference * RATE_SANITY_FACTOR
    ):
        raise ValidationError(
            str(
                _l(
                    "%(rate)s rupiah per 1 %(currency)s looks wrong (expected about %(reference)s). "
                    "Check the decimal point.",
                    rate=text,
                    currency=currency,
                    reference=reference,
                )
            ),
            field="rate",
        )
    return value


def parse_date(raw: object, *, today: date) -> date:
    text = str(raw if raw is not None else "").strip()
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise ValidationError(str(_l("Enter the date as YYYY-MM-DD.")), field="effective_date") from None
    if value > today + timedelta(days=1):
        raise ValidationError(str(_l("The date cannot be in the future.")), field="effective_date")
    if value < date(2000, 1, 1):
        raise ValidationError(str(_l("The date is too far in the past.")), field="effective_date")
    return value


def rate_text(rate: Decimal) -> str:
    """A rate as plain digits without trailing zeros: "17300", "105.25"."""
    return f"{Decimal(rate).normalize():f}"


def set_rate(
    session: Session,
    *,
    currency: str,
    rate: Decimal,
    effective_date: date,
    source: str = "",
    actor=None,
    note: str = "",
) -> ExchangeRate:
    """Record `currency`'s rate for `effective_date` (replacing that day's rate), audited. Flushes.

    Takes already parsed values (see parse_currency/parse_rate/parse_date).
    """

    row = session.scalars(
        sa.select(ExchangeRate).where(
            ExchangeRate.currency == currency, ExchangeRate.effective_date == effective_date
        )
    ).first()
    previous = list_latest_rates(session)
    latest_before = next((r for r in previous if r.currency == currency), None)
    before = (
        {
            "rate": rate_text(latest_before.rate),
            "effective_date": latest_before.effective_date,
            "source": latest_before.source,
        }
        if latest_before
        else None
    )
    source = (source or "").strip()[:120]
    if row is None:
        row = ExchangeRate(
            currency=currency,
            rate=rate,
            effective_date=effective_date,
            source=source,
            created_by_id=getattr(actor, "id", None),
        )
        session.add(row)
    else:
        row.rate = rate
        row.source = source or row.source
        row.created_by_id = getattr(actor, "id", None) or row.created_by_id
    session.flush()
    record_action(
        session,
        actor=actor,
        action="rate.change",
        target_type="exchange_rate",
        target_id=row.id,
        target_label=f"{currency} {effective_date.isoformat()}",
        before=before,
        after={"rate": rate_text(rate), "effective_date": effective_date, "source": row.source},
        note=note,
    )
    # (exchange_rates is one of the page cache's WATCHED_TABLES: cached prices refresh on commit.)
    return row


def _today_default(today: Optional[date]) -> date:

    return today or utcnow().date()


@dataclass(frozen=True)
class ImportRow:
    line: int
    currency: str
    rate: Decimal
    effective_date: date
    source: str


class RateImportError(ValidationError):
    """A CSV with problems; `errors` lists them per line. Nothing was applied."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def parse_rates_csv(text: str, *, today: Optional[date] = None) -> list[ImportRow]:
    """Read `currency,rate,date[,source]` rows (header required); RateImportError lists every problem."""
    today = _today_default(today)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = [row for row in reader]
    errors: list[str] = []
    if not rows:
        raise RateImportError([str(_l("The file is empty."))])
    header = [cell.strip().lower() for cell in rows[0]]
    if (
        header[:3] != ["currency", "rate", "date"]
        or len(header) > 4
        or (len(header) == 4 and header[3] != "source")
    ):
        raise RateImportError([str(_l("Line 1: the header must be currency,rate,date[,source]."))])
    parsed: list[ImportRow] = []
    seen: dict[tuple[str, date], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) not in (3, 4) or len(row) > len(header):
            errors.append(str(_l("Line %(line)d: expected %(n)d columns.", line=number, n=len(header))))
            continue
        try:
            currency = parse_currency(row[0])
            rate = parse_rate(row[1], currency)
            effective = parse_date(row[2], today=today)
        except ValidationError as error:
            errors.append(str(_l("Line %(line)d: %(problem)s", line=number, problem=error.message)))
            continue
        if (currency, effective) in seen:
            errors.append(
                str(
                    _l(
                        "Line %(line)d: %(currency)s on %(date)s is already on line %(other)d.",
                        line=number,
                        currency=currency,
                        date=effective.isoformat(),
                        other=seen[(currency, effective)],
                    )
                )
            )
            continue
        seen[(currency, effective)] = number
        source = row[3].strip() if len(row) == 4 else ""
        parsed.append(ImportRow(number, currency, rate, effective, source))
    if errors:
        raise RateImportError(errors)
    if not parsed:
        raise RateImportError([str(_l("The file has no rates."))])
    return parsed


def import_rates(
    session: Session, rows: Iterable[ImportRow], *, actor=None, default_source: str = "csv import"
) -> list[ExchangeRate]:
    """Apply parsed rows (all of them, or none if the caller rolls back on an error). Flushes."""
    return [
        set_rate(
            session,
            currency=row.currency,
            rate=row.rate,
            effective_date=row.effective_date,
            source=row.source or default_source,
            actor=actor,
            note="csv import",
        )
        for row in rows
    ]


def ensure_demo_rates(session: Session, *, today: date, add_missing: bool = True) -> int:
    """Give every supported currency without any rate the approximate REFERENCE_RATES (demo data;
    not with `add_missing=False`), and carry a currency whose latest rate is still the demo's own
    forward to `today` (a new row, same rate): otherwise card payments in the demo pause
    RATE_STALE_DAYS after `make run` loaded it. A rate someone entered is never touched.
    Idempotent; returns how many rows were added.
    """
    latest = {row.currency: row for row in list_latest_rates(session)}
    added = 0
    for currency, rate in REFERENCE_RATES.items():
        row = latest.get(currency)
        if row is None and not add_missing:
            continue
        if row is not None and (row.source != DEMO_RATE_SOURCE or row.effective_date >= today):
            continue
        rate = row.rate if row is not None else rate
        session.add(ExchangeRate(currency=currency, rate=rate, effective_date=today, source=DEMO_RATE_SOURCE))
        added += 1
    session.flush()
    return added


# --------------------------------------------------------------------------------------------
# A buyer's saved market
# --------------------------------------------------------------------------------------------


def save_market_choice(session: Session, *, user, country: Optional[str], currency: Optional[str]) -> bool:
    """Remember a buyer's explicit choice of country and currency on their account.

    Called only for the chooser's POST, never for a `?currency=` link (a GET changes nothing
    stored). `country` and `currency` are codes already checked by the caller (markets.context's
    normalize_* and, for a currency, an exchange rate); None leaves that half unchanged. Returns
    whether anything changed; flushes.
    """
    changed = False
    if country and user.country != country:
        user.country = country
        changed = True
    if currency and user.currency != currency:
        user.currency = currency
        changed = True
    if changed:
        session.flush()
    return changed
