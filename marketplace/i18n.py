"""Language and time zone choice, and helpers to show bilingual fields and local times."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace

import flask_babel
from flask import current_app, g, has_request_context, request
from flask.globals import _cv_app
from flask_babel import format_datetime, get_locale, get_translations, gettext
from jinja2.ext import _make_new_gettext, _make_new_ngettext
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from marketplace.lru import BoundedLRU, per_app
from marketplace.request_locals import this_app, this_g, this_request, this_user

LANG_COOKIE = "lang"
#: Browser languages whose readers get Indonesian: Indonesian itself ("in" is its old ISO 639 code,
#: still sent by older Android and Java clients) and Malay, Javanese and Sundanese, whose speakers
#: read it.
INDONESIAN_READERS = frozenset({"id", "in", "ms", "jv", "su"})
#: What a browser gets when it names only languages we do not speak (Dutch, German, Japanese …).
FOREIGN_LANGUAGE = "en"
#: The language switch's links kept per process (per page address).
LANGUAGE_URLS_KEPT = 1024
#: Longer Accept-Language headers are parsed every time instead of being remembered (see below).
_MEMO_MAX_HEADER = 200


def _supported() -> tuple[str, ...]:
    return this_app().config["LANGUAGES"]


def requested_language() -> str | None:
    """`?lang=` when it names a language we speak (the response then remembers it in a cookie)."""
    lang = this_request().args.get("lang", "").strip().lower()
    return lang if lang in _supported() else None


def negotiate_language(header: str | None, *, languages: Sequence[str], default: str) -> str:
    """The UI language for a browser's `Accept-Language` header, when nothing else chose one.

    The entry with the highest q-value that we speak wins, Malay, Javanese and Sundanese counting as
    Indonesian (`INDONESIAN_READERS`); a browser naming only other languages (nl, de, ja …) reads
    English (`FOREIGN_LANGUAGE`); no header, or `*` before any named language, gives `default`.
    The one place this is decided: Flask-Babel's selector (`select_locale`) and the page cache,
    including its WSGI fast path, all call it. Parsing is remembered for a bounded set of headers
    (browsers send few distinct ones), so a request costs a dictionary lookup.
    """
    if not header:
        return default
    if len(header) > _MEMO_MAX_HEADER:
        return _negotiate(header, tuple(languages), default)
    return _negotiate_remembered(header, tuple(languages), default)


def _negotiate(header: str, languages: tuple[str, ...], default: str) -> str:
    refused: set[str] = set()
    named = False
    # Werkzeug puts `*` after every named language; by weight alone it is "any other language".
    entries = sorted(parse_accept_header(header, LanguageAccept), key=lambda entry: -entry[1])
    for tag, quality in entries:  # best first; equal weights in the header's order, `*` last
        primary = tag.replace("_", "-").partition("-")[0].lower()
        if quality <= 0:
            refused.add(primary)  # q=0: "not this one"
            continue
        if primary == "*":
            if not named:
                return default
            continue  # after a language we do not speak: that reader is better served in English
        named = True
        lang = "id" if primary in INDONESIAN_READERS else primary
        if lang in languages:
            return lang
    if named and FOREIGN_LANGUAGE in languages and FOREIGN_LANGUAGE not in refused:
        return FOREIGN_LANGUAGE
    return default


_negotiate_remembered = lru_cache(maxsize=256)(_negotiate)


def select_locale() -> str:
    """?lang= beats the remembered cookie, which beats the account's choice, which beats the
    browser's Accept-Language (`negotiate_language`); the default language otherwise.

    The JSON API is stateless: it never looks at Accept-Language (its language is `?lang=`).
    """
    if not has_request_context():
        # CLI commands and background sends: callers that know a language use force_locale.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    req = this_request()
    api = req.path.startswith("/api/")
    # Read by marketplace.web: a response in this language says `Vary: Accept-Language`.
    this_g().language_varies = not api
    lang = requested_language()
    if lang:
        return lang
    cookie = req.cookies.get(LANG_COOKIE, "")
    if cookie in _supported():
        return cookie
    user = this_user()
    if getattr(user, "is_authenticated", False) and user.locale in _supported():
        return user.locale
    default = this_app().config["BABEL_DEFAULT_LOCALE"]
    if api:
        return default
    return negotiate_language(req.headers.get("Accept-Language"), languages=_supported(), default=default)


def _babel_context() -> SimpleNamespace | None:
    """Flask-Babel's per-app-context namespace (its locale, domain, timezone), as its own
    `_get_current_context` returns it, but read from the context variable once instead of through
    the `g` proxy three or four times: a page asks for it about 55 times (every gettext, every
    get_locale), ~2 µs of proxy lookups each."""
    app_context = _cv_app.get(None)
    if app_context is None:
        return None
    app_globals = app_context.g
    try:
        return app_globals._flask_babel
    except AttributeError:
        app_globals._flask_babel = namespace = SimpleNamespace()
        return namespace


_domain_translations = flask_babel.Domain.get_translations


def _request_translations(self: flask_babel.Domain):
    """Flask-Babel's `Domain.get_translations`, remembered on the request's Babel namespace for its
    locale: each gettext from Python (a listing makes about 16) asked its cache again under
    `str(locale)` (≈ 3 µs). A new locale (`refresh`, a `force_locale`) is another object: asked anew."""
    ctx = _babel_context()
    if ctx is None:
        return _domain_translations(self)
    locale = flask_babel.get_locale()
    memo = getattr(ctx, "marketplace_translations", None)
    if memo is not None and memo[0] is locale and memo[1] is self:
        return memo[2]
    translations = _domain_translations(self)
    ctx.marketplace_translations = (locale, self, translations)
    return translations


def install_babel_context() -> None:
    """Flask-Babel 4.0's module functions look `_get_current_context` up by name on each call."""
    flask_babel._get_current_context = _babel_context
    flask_babel.Domain.get_translations = _request_translations


def select_timezone() -> str:
    return g.get("buyer_timezone") or current_app.config["BABEL_DEFAULT_TIMEZONE"]


def current_language() -> str:
    return str(get_locale() or this_app().config["BABEL_DEFAULT_LOCALE"])


def message(text: str, **variables) -> str:
    """gettext for services: translated inside a request, the English msgid in CLI jobs and tests
    without one (the locale selector needs a request). Marked `_l` where used, for extraction."""
    if has_request_context():
        return gettext(text, **variables)
    return text % variables if variables else text


def template_gettext() -> dict:
    """`gettext` and `ngettext` for one template render, bound to this request's catalogue.

    Flask-Babel's template callables find the catalogue again for every string (about 25 µs: the
    request's `g`, the locale, the domain), and a page has 40–100 strings. Binding once per render
    makes a translated string cost a dictionary lookup. Jinja's own wrappers keep its newstyle
    behaviour (autoescaping, `%(name)s` variables, `num` for plurals).
    """
    translations = get_translations()
    return {
        "gettext": _make_new_gettext(translations.ugettext),
        "ngettext": _make_new_ngettext(translations.ungettext),
    }


def localized(obj, field: str, lang: str | None = None) -> str:
    """`obj.<field>_en` for English readers when the seller wrote it, else the Indonesian original."""
    lang = lang or current_language()
    if lang == "en":
        english = getattr(obj, f"{field}_en", "") or ""
        if english.strip():
            return english
    return getattr(obj, f"{field}_id", "") or ""


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """A stored UTC datetime shown in the reader's zone (Asia/Jakarta by default)."""
    return format_datetime(value, fmt) if value else ""


def language_switch_urls() -> dict[str, str]:
    """For each language, the current page's URL with `?lang=` set to it (other arguments kept).

    Plain links, so switching works without JavaScript; the response remembers the choice.
    """
    from urllib.parse import quote, urlencode

    # Kept per address (≈ 20 µs to quote and encode); read-only for its users (the header's slots).
    kept = per_app("language_switch_urls", lambda: BoundedLRU(LANGUAGE_URLS_KEPT))
    req = this_request()
    key = (req.path, req.query_string)
    found = kept.get(key)
    if found is not None:
        return found
    # One leading slash only: "//host" in a link would leave the site.
    path = "/" + quote(request.path.lstrip("/"), safe="/-_.~:@!$&'()*+,;=")
    args = [(name, value) for name, value in request.args.items(multi=True) if name != "lang"]
    found = {lang: f"{path}?{urlencode([*args, ('lang', lang)])}" for lang in _supported()}
    kept.put(key, found)
    return found
