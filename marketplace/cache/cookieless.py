"""Cache hits for visitors without cookies, answered by WSGI middleware before Flask runs."""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from werkzeug.exceptions import SecurityError
from werkzeug.http import dump_cookie
from werkzeug.wsgi import get_host

from marketplace import compression
from marketplace.cache.store import (
    CSRF_PLACEHOLDER,
    GENERATION_MEMO,
    PAGE_KIND,
    STORE_ERRORS,
    MemoryBackend,
    content_type,
)
from marketplace.extensions import db
from marketplace.i18n import negotiate_language
from marketplace.markets.context import cache_variant_from_environ

if TYPE_CHECKING:
    from marketplace.cache import PageCache

#: app.extensions key: the (name, value) headers every response gets (set by marketplace.web).
STATIC_HEADERS = "marketplace.static_headers"
#: app.extensions key: callables `(environ) -> list of Set-Cookie values` mirroring, on these hits,
#: an after_request hook that sets a cookie on public pages (favourites: recently viewed).
HIT_COOKIES = "marketplace.cookieless_hit_cookies"


class CookielessHits:
    """WSGI middleware: a stored page for a GET without any cookie, answered before Flask runs.

    Such a visitor is anonymous and reads the language their browser's Accept-Language picks
    (`i18n.negotiate_language`: no `lang` cookie; a `?lang=` goes through Flask, which remembers it
    in a cookie), so the entry is the one `cache_public_page` would serve, under the same key, after
    the same one-round-trip read of the entry and its counters. The response is what Flask would
    send on that hit: the page,
    `X-Cache: HIT`, the security headers (app.extensions[STATIC_HEADERS]) and
    `Vary: Accept-Encoding, Accept-Language, Cookie`, gzip-compressed (once, when stored: see
    marketplace.compression) if the client accepts it; a page with a form also gets the visitor's new CSRF
    token and the session cookie holding it (`_fresh_csrf`). Everything else goes to Flask
    untouched: visitors with any cookie, misses, and any failure of the store (Flask's path logs
    it and renders). The stamp read here is handed on in the environ, so a miss still costs a
    single read. A new after_request hook that changes public pages must be mirrored here.
    """

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app = wsgi_app
        self.app = app
        self._serializers: dict[tuple, tuple] = {}

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD") and not environ.get("HTTP_COOKIE"):
            found = self._stored_page(environ)
            if found is not None:
                headers, body = found
                start_response("200 OK", headers)
                return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]
        return self.wsgi_app(environ, start_response)

    def _stored_page(self, environ) -> tuple[list[tuple[str, str]], bytes] | None:
        app = self.app
        cache: PageCache | None = app.extensions.get("page_cache")
        if cache is None or not cache.enabled:
            return None
        query = environ.get("QUERY_STRING", "")
        lowered = query.lower()
        if ("lang" in lowered or "currency" in lowered or "country" in lowered or "%" in query) and any(
            name in ("lang", "currency", "country") for name, _ in parse_qsl(query, keep_blank_values=True)
        ):
            return None  # Flask remembers the choice in a cookie
        try:
            host = get_host(environ, app.config.get("TRUSTED_HOSTS"))
        except SecurityError:
            return None
        scheme = environ.get("wsgi.url_scheme", "http")
        parts = (scheme, host, environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""), query)
        variant = cache_variant_from_environ(environ)
        config = app.config
        lang = negotiate_language(
            environ.get("HTTP_ACCEPT_LANGUAGE"),
            languages=config["LANGUAGES"],
            default=config["BABEL_DEFAULT_LOCALE"],
        )
        key = cache.key(PAGE_KIND, parts, f"{lang}~{variant}")
        backend = cache.backend
        if isinstance(backend, MemoryBackend) and backend.engine is None:
            with app.app_context():
                backend.engine = db.engine
        try:
            stamp, stored = backend.lookup(key)
        except STORE_ERRORS:
            return None  # Flask's path reads again, and logs and renders uncached if it still fails
        environ[GENERATION_MEMO] = stamp
        if stored is None:
            return None
        mimetype, _, body = stored.partition(b"\n")
        extra: list[tuple[str, str]] = []
        token = None
        if compression.needs_token(body, CSRF_PLACEHOLDER):
            fresh = self._fresh_csrf()
            if fresh is None:
                return None
            token = fresh[0].encode("ascii")
            extra.append(("Set-Cookie", fresh[1]))
        body, gzipped, varies = compression.hit_body(
            body, mimetype, CSRF_PLACEHOLDER, token, compression.client_accepts_gzip(environ)
        )
        for hook in app.extensions.get(HIT_COOKIES, ()):
            extra.extend(("Set-Cookie", cookie) for cookie in hook(environ))
        if gzipped:
            extra.insert(0, ("Content-Encoding", "gzip"))
        headers = [
            ("Content-Type", content_type(mimetype)),
            ("Content-Length", str(len(body))),
            ("X-Cache", "HIT"),
            *app.extensions.get(STATIC_HEADERS, ()),
            ("Vary", "Accept-Encoding, Accept-Language, Cookie" if varies else "Accept-Language, Cookie"),
            *extra,
        ]
        return headers, body

    def _fresh_csrf(self) -> tuple[str, str] | None:
        """A new visitor's CSRF token and session cookie, as Flask-WTF and Flask would make them.

        `flask_wtf.csrf.generate_csrf` puts a random raw token in the (new, empty) session and
        signs it with the salt "wtf-csrf-token"; Flask's cookie session then stores exactly
        {field: raw}. Only Flask's signed cookie session is reproduced (ours is Flask's, its serializer
        kept: marketplace/application.py); anything else goes to Flask.
        """
        app = self.app
        interface = app.session_interface
        if not isinstance(interface, SecureCookieSessionInterface):
            return None
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        field = app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
        if not secret or not app.secret_key:
            return None
        # Both serializers are stateless: built once per pair of keys instead of per request.
        keys = (app.secret_key, secret)
        serializers = self._serializers.get(keys)
        if serializers is None:
            session_serializer = interface.get_signing_serializer(app)
            if session_serializer is None:
                return None
            serializers = (URLSafeTimedSerializer(secret, salt="wtf-csrf-token"), session_serializer)
            self._serializers = {keys: serializers}
        csrf_serializer, serializer = serializers
        raw = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 - Flask-WTF's own raw token
        token = csrf_serializer.dumps(raw)
        cookie = dump_cookie(
            interface.get_cookie_name(app),
            serializer.dumps({field: raw}),
            domain=interface.get_cookie_domain(app),
            path=interface.get_cookie_path(app),
            secure=interface.get_cookie_secure(app),
            httponly=interface.get_cookie_httponly(app),
            samesite=interface.get_cookie_samesite(app),
            partitioned=interface.get_cookie_partitioned(app),
        )
        return token, cookie
