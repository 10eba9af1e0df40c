"""Login and password-reset limits that slow attackers down without locking an owner out.

Counted in the rate limiter's storage (Redis when `REDIS_URL` is set, shared by every worker):

- failed logins per (account, client address) — `LOGIN_RATE_LIMIT`: guessing one account from one
  place stops there, and the owner elsewhere is not affected;
- failed logins per client address over all accounts — `LOGIN_CLIENT_RATE_LIMIT`: one place trying
  many accounts;
- failed logins per account from devices it was never used on — `LOGIN_ACCOUNT_RATE_LIMIT`: many
  places guessing one account. Past it only such *new* devices wait; a browser that logged in to
  the account before carries a signed "known device" cookie and is not counted or stopped, and a
  login-unlock link (asked for on the login page, emailed to the owner) or a password-reset link
  makes the browser that opens it known. So the owner who knows the password is never locked out,
  from a device they used or through their email.
- password-reset requests per client address (`PASSWORD_RESET_RATE_LIMIT`) and per email address
  asked for (`PASSWORD_RESET_EMAIL_RATE_LIMIT`, counted whether or not an account has it, so the
  answer tells nothing; the links already sent stay valid for an hour).

Only failed logins count (successes never do, so many buyers behind one carrier NAT can log in).
Checked before the password is, counted after: parallel requests can overshoot a limit by at
most the server's concurrency (workers × threads).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import Response, current_app
from flask_babel import format_timedelta
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from limits import RateLimitItem, parse
from limits.errors import StorageError

from marketplace.accounts.services import normalize_email
from marketplace.extensions import limiter

log = logging.getLogger(__name__)

KNOWN_DEVICE_COOKIE = "known_device"
#: Sent only to the account pages (login, reset links), never with public pages.
KNOWN_DEVICE_PATH = "/account"
KNOWN_DEVICE_SALT = "marketplace.accounts.known-device"
KNOWN_DEVICE_MAX_AGE = 365 * 24 * 3600
#: Accounts one browser remembers (a family's shared phone).
KNOWN_DEVICE_ACCOUNTS = 5


@dataclass(frozen=True)
class Blocked:
    """A limit that stops this attempt: which one, and seconds until it lets the next one through."""

    reason: str
    retry_after: int

    def message(self) -> str:
        wait = format_timedelta(timedelta(seconds=self.retry_after), threshold=1.0, add_direction=False)
        return _MESSAGES[self.reason]() % {"wait": wait}


_MESSAGES = {
    "login_client": lambda: _("Too many failed logins came from your network. Please try again in %(wait)s."),
    "login_account_client": lambda: _(
        "Too many wrong passwords were tried for this account from your network. "
        "Please try again in %(wait)s, or reset your password."
    ),
    "login_account": lambda: _(
        "Too many wrong passwords were tried for this account from other places, so it cannot be "
        "logged into from a new device for %(wait)s. Log in from a device you have used before, or "
        "ask below for an email with a link that lets this device log in."
    ),
    "reset_client": lambda: _(
        "Too many reset requests came from your network. Please try again in %(wait)s."
    ),
    "reset_email": lambda: _(
        "Several reset links were sent to this address in the last hour. Please use the newest email "
        "(look in the spam folder too), or try again in %(wait)s."
    ),
}


def account_key(email: str | None) -> str:
    """A short stand-in for the normalized email in limiter keys and the known-device cookie."""
    return hashlib.sha256(normalize_email(email).encode("utf-8")).hexdigest()[:32]


def _item(setting: str) -> RateLimitItem:
    return parse(current_app.config[setting])


def _enabled() -> bool:
    return bool(limiter.enabled and current_app.config.get("RATELIMIT_ENABLED", True))


#: While Redis is away, how often a limit check asks it again (Flask-Limiter's own checks back off).
STORAGE_RETRY_SECONDS = 1.0


def _strategy():
    """Flask-Limiter's strategy over its storage, or over its in-memory fallback while Redis is away.

    Flask-Limiter switches to the fallback (and back) only inside its own decorator checks, which
    these limits do not use: so the same switch (`_storage_dead`, the attribute those checks set)
    is thrown here too, and Redis is asked again at most once a second.
    """
    if limiter._storage_dead:
        state = current_app.extensions.setdefault("marketplace.throttle", {"next_check": 0.0})
        now = time.monotonic()
        if now >= state["next_check"]:
            state["next_check"] = now + STORAGE_RETRY_SECONDS
            if limiter.storage.check():
                log.info("Rate limit storage recovered")
                limiter._storage_dead = False
    return limiter.limiter


def _on_storage(operation):
    """`operation(strategy)`, moved to the in-memory fallback when the storage fails (no 500)."""
    try:
        return operation(_strategy())
    except (StorageError, limiter.storage.base_exceptions) as error:
        if limiter._storage_dead or not current_app.config.get("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"):
            raise
        log.warning("Rate limit storage unreachable - falling back to in-memory storage: %s", error)
        limiter._storage_dead = True
        return operation(limiter.limiter)


def _first_exhausted(checks) -> Blocked | None:
    if not _enabled():
        return None

    def first(strategy) -> Blocked | None:
        for reason, item, identifiers in checks:
            if not strategy.test(item, *identifiers):
                reset_at = strategy.get_window_stats(item, *identifiers).reset_time
                return Blocked(reason, max(1, math.ceil(reset_at - time.time())))
        return None

    return _on_storage(first)


def _hit(checks) -> None:
    if _enabled():
        _on_storage(lambda strategy: [strategy.hit(item, *identifiers) for _r, item, identifiers in checks])


def _login_checks(email: str, client: str, known_device: bool):
    account = account_key(email)
    checks = [
        ("login_client", _item("LOGIN_CLIENT_RATE_LIMIT"), ("login-client", client)),
        ("login_account_client", _item("LOGIN_RATE_LIMIT"), ("login-account-client", account, client)),
    ]
    if not known_device:
        checks.append(("login_account", _item("LOGIN_ACCOUNT_RATE_LIMIT"), ("login-account", account)))
    return checks


def login_blocked(email: str, client: str, *, known_device: bool) -> Blocked | None:
    """The limit that stops a login attempt for `email` from `client` now, if any."""
    return _first_exhausted(_login_checks(email, client, known_device))


def record_failed_login(email: str, client: str, *, known_device: bool) -> None:
    _hit(_login_checks(email, client, known_device))


def _reset_checks(email: str, client: str):
    return [
        ("reset_client", _item("PASSWORD_RESET_RATE_LIMIT"), ("reset-client", client)),
        ("reset_email", _item("PASSWORD_RESET_EMAIL_RATE_LIMIT"), ("reset-email", account_key(email))),
    ]


def reset_blocked(email: str, client: str) -> Blocked | None:
    """The limit that stops a password-reset request for `email` from `client` now, if any."""
    return _first_exhausted(_reset_checks(email, client))


def record_reset_request(email: str, client: str) -> None:
    _hit(_reset_checks(email, client))


# --- known devices ------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=KNOWN_DEVICE_SALT)


def _known_accounts(cookie: str | None) -> list[str]:
    if not cookie:
        return []
    try:
        value = _serializer().loads(cookie)
    except BadSignature:
        return []
    if not isinstance(value, list):
        return []
    return [key for key in value if isinstance(key, str)][:KNOWN_DEVICE_ACCOUNTS]


def is_known_device(cookie: str | None, email: str) -> bool:
    """Whether the browser's known-device cookie names the account with `email`."""
    return account_key(email) in _known_accounts(cookie)


def remember_device(response: Response, cookie: str | None, email: str) -> Response:
    """Add the account to the browser's known-device cookie (after a login or a reset link)."""
    key = account_key(email)
    keys = [key, *(k for k in _known_accounts(cookie) if k != key)][:KNOWN_DEVICE_ACCOUNTS]
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        _serializer().dumps(keys),
        max_age=KNOWN_DEVICE_MAX_AGE,
        path=KNOWN_DEVICE_PATH,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("PRODUCTION")),
    )
    return response
