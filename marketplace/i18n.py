"""Language and time zone choice, and helpers to show bilingual fields and local times."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g, has_request_context, request
from flask_babel import format_datetime, get_locale
from flask_login import current_user

LANG_COOKIE = "lang"


def _supported() -> tuple[str, ...]:
    return current_app.config["LANGUAGES"]


def requested_language() -> str | None:
    """`?lang=` when it names a language we speak (the response then remembers it in a cookie)."""
    lang = request.args.get("lang", "").strip().lower()
    return lang if lang in _supported() else None


def select_locale() -> str:
    """?lang= beats the remembered cookie, which beats the account's choice; Indonesian otherwise."""
    if not has_request_context():
        # CLI commands and background sends: callers that know a language use force_locale.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = requested_language()
    if lang:
        return lang
    cookie = request.cookies.get(LANG_COOKIE, "")
    if cookie in _supported():
        return cookie
    if getattr(current_user, "is_authenticated", False) and current_user.locale in _supported():
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return g.get("buyer_timezone") or current_app.config["BABEL_DEFAULT_TIMEZONE"]


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def localized(obj, field: str, lang: str | None = None) -> str:
    """`obj.<field>_en` for English readers when the seller wrote it, else the Indonesian original."""
    lang = lang or current_language()
    if lang == "en":
        english = getattr(obj, f"{field}_en", "") or ""
        if english.strip():
            return english
    return getattr(obj, f"{field}_id", "") or ""


def is_translated(obj, field: str, lang: str | None = None) -> bool:
    lang = lang or current_language()
    return lang == "id" or bool((getattr(obj, f"{field}_en", "") or "").strip())


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """A stored UTC datetime shown in the reader's zone (Asia/Jakarta by default)."""
    return format_datetime(value, fmt) if value else ""


def language_switch_urls() -> dict[str, str]:
    """For each language, the current page's URL with `?lang=` set to it (other arguments kept).

    Plain links, so switching works without JavaScript; the response remembers the choice.
    """
    from urllib.parse import quote, urlencode

    # One leading slash only: "//host" in a link would leave the site.
    path = "/" + quote(request.path.lstrip("/"), safe="/-_.~:@!$&'()*+,;=")
    kept = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return {lang: f"{path}?{urlencode([*kept, ('lang', lang)])}" for lang in _supported()}
