"""Password hashing (scrypt) and the length policy every password must meet."""

from __future__ import annotations

from functools import cache

from flask import current_app, has_app_context
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.errors import ValidationError

MIN_LENGTH = 10
MAX_LENGTH = 128

#: werkzeug's method for new hashes unless the app's `PASSWORD_HASH_METHOD` names another (tests
#: use a cheap one). Checking reads the method from the stored hash, so old hashes keep working.
DEFAULT_METHOD = "scrypt"


def _method() -> str:
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD") or DEFAULT_METHOD
    return DEFAULT_METHOD


@cache
def _dummy_hash(method: str) -> str:
    """Checked against when no account matches, so a wrong email costs as long as a wrong password."""
    return generate_password_hash("not-a-real-password-just-for-timing", method=method)


def hash_password(password: str) -> str:
    """A salted hash of `password` in werkzeug's format ("scrypt:32768:8:1$salt$hash" by default)."""
    return generate_password_hash(password, method=_method())


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches `password_hash`. A missing hash still does the slow work."""
    if not password_hash:
        check_password_hash(_dummy_hash(_method()), password)
        return False
    try:
        return check_password_hash(password_hash, password)
    except ValueError:  # an unknown or damaged hash format never logs anyone in
        return False


def check_password_policy(password: str, *, email: str = "") -> None:
    """Raise ValidationError(field="password") unless `password` meets the policy.

    The policy: 10 to 128 characters, and not the account's own email address.
    """
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            _("Use at least %(min)d characters for your password.", min=MIN_LENGTH), field="password"
        )
    if len(password) > MAX_LENGTH:
        raise ValidationError(
            _("Use at most %(max)d characters for your password.", max=MAX_LENGTH), field="password"
        )
    if email and password.strip().lower() == email.strip().lower():
        raise ValidationError(_("Your password must not be your email address."), field="password")
