"""Signed, expiring tokens: single-use password resets, and login-unlock links for a new device."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

RESET_SALT = "marketplace.accounts.password-reset"
RESET_MAX_AGE_SECONDS = 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def password_fingerprint(password_hash: str) -> str:
    """A short digest of the current hash: any password change (including this reset) voids the token."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:24]


def make_reset_token(user) -> str:
    return _serializer().dumps({"uid": user.id, "fp": password_fingerprint(user.password_hash)})


def read_reset_token(token: str, max_age: int | None = None) -> tuple[int, str] | None:
    """(user id, fingerprint) from a valid, unexpired token; None when forged, damaged or expired."""
    try:
        data = _serializer().loads(token, max_age=max_age or RESET_MAX_AGE_SECONDS)
    except (SignatureExpired, BadSignature):
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("uid"), int)
        or not isinstance(data.get("fp"), str)
    ):
        return None
    return data["uid"], data["fp"]


def fingerprint_matches(user, fingerprint: str) -> bool:
    return hmac.compare_digest(password_fingerprint(user.password_hash), fingerprint)


UNLOCK_SALT = "marketplace.accounts.login-unlock"
UNLOCK_MAX_AGE_SECONDS = 3600


def make_unlock_token(user) -> str:
    """A link that lets the browser opening it log in to `user`'s account from a new device."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=UNLOCK_SALT).dumps({"uid": user.id})


def read_unlock_token(token: str) -> int | None:
    """The user id of a valid, unexpired unlock token; None when forged, damaged or expired."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=UNLOCK_SALT)
    try:
        data = serializer.loads(token, max_age=UNLOCK_MAX_AGE_SECONDS)
    except (SignatureExpired, BadSignature):
        return None
    uid = data.get("uid") if isinstance(data, dict) else None
    return uid if isinstance(uid, int) else None
