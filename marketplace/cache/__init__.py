"""Caching of public pages and fragments for anonymous visitors, invalidated by a catalogue generation.

Every cached entry is tagged with the *catalogue generation* it was rendered for, a counter bumped
after any commit that changed a catalogue row (product, stock, price, image, label, featured
placement, seller, cluster, region) and only served while the counter still has that value. A
change therefore shows on the very next request in every app process: they all read the same
counter — from Redis (`INCR`; a hit is one MGET of counter and page) when `REDIS_URL` is set,
otherwise from the one-row table `cache_generations` (one primary-key SELECT per request that uses
the cache, in autocommit on a connection borrowed for that one read) with entries in a small per-process
dict with TTL.

A hit costs little beyond that read: for a visitor without cookies the WSGI middleware
`CookielessHits` answers before Flask runs; otherwise `serve_cached_page`, the first
before_request hook, answers before the other hooks and the view.

Use in views (never in services):

    from marketplace.cache import cache_public_page, cached_fragment

    @bp.get("/clusters/<slug>")
    @cache_public_page                       # whole page, anonymous GETs only; forms' CSRF tokens OK
    def cluster(slug): ...

    grid = cached_fragment(("cluster-grid", slug, page), lambda: render_template("…/_grid.html", …))

Writes are noticed in ORM flushes and in `session.execute()` of insert/update/delete/text SQL on
the catalogue tables; SQL run on a raw connection is not seen (call `bump_catalogue()` after it).
Time-driven changes with no write (a featured window opening, a label passing `valid_until`) show
within the TTL (`CACHE_TTL_SECONDS`, 300 s by default).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from functools import wraps

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace import compression
from marketplace.cache.cookieless import STATIC_HEADERS, CookielessHits
from marketplace.cache.store import (
    CATALOGUE,
    CSRF_PLACEHOLDER,
    GENERATION_MEMO,
    PAGE_KIND,
    STORE_ERRORS,
    Backend,
    CacheGeneration,
    MemoryBackend,
    RedisBackend,
    RedisUnavailable,
    content_type,
    database_pool_status,
)
from marketplace.extensions import db
from marketplace.i18n import LANG_COOKIE, current_language, negotiate_language, requested_language
from marketplace.markets.context import cache_variant

log = logging.getLogger(__name__)

# Names other modules import from here (the store and the fast path live in their own modules).
__all__ = [
    "CATALOGUE", "CSRF_PLACEHOLDER", "STATIC_HEADERS", "CacheGeneration", "CookielessHits",
    "MemoryBackend", "RedisBackend", "bump_catalogue", "cache_public_page", "cached_fragment",
    "database_pool_status", "init_app", "serve_cached_page",
]  # fmt: skip

_CHANGED = "catalogue_changed"
_MEMO = GENERATION_MEMO
#: Cookies that do not change what a public page shows (the language is part of the key).
#: `recently_viewed` (favourites) changes only the pages that draw the list: those declare
#: `cache_public_page(personal=...)`, which bypasses the cache whenever the list has something to show.
NEUTRAL_COOKIES = frozenset(
    {"lang", "currency", "country", "recently_viewed"}
)  # the market is in the key too
#: Session keys an anonymous visitor may carry: a CSRF token, and Flask-Login's freshness flag
#: (which it sets on any non-empty session). Anything else (`_user_id`, `_flashes`, …) bypasses.
ANONYMOUS_SESSION_KEYS = frozenset({"csrf_token", "_fresh", "_permanent"})

# Tables whose rows appear on public pages; a write to any of them bumps the generation.
WATCHED_TABLES = frozenset(
    {
        "products", "product_images", "product_labels", "featured_placements", "sellers",
        "seller_clusters", "clusters", "regions", "label_types",
        "exchange_rates",  # prices are shown converted into the buyer's currency
        "product_questions",  # answered questions show on the product page
        "reviews", "review_photos",  # the product page's reviews (marketplace/reviews)
        "seller_workshop_photos",  # the shop's page shows its approved workshop photos
    }
)  # fmt: skip
_WRITE_SQL = re.compile(
    r"^\s*(?:with\b.*?\)\s*)?(?:update|insert\s+into|delete\s+from)\s+\"?(\w+)",
    re.IGNORECASE | re.DOTALL,
)


class PageCache:
    def __init__(self, backend: Backend, ttl: int, enabled: bool, track_writes: bool = True):
        self.backend = backend
        self.ttl = ttl
        self.enabled = enabled
        #: Bump on catalogue writes; off only in tests that do not use the cache (no extra writes).
        self.track_writes = track_writes

    def generation(self) -> int | None:
        """This request's catalogue generation (read once per request), or None if the store failed."""
        memo = _request_memo()
        if _MEMO not in memo:
            try:
                memo[_MEMO] = self.backend.generation(CATALOGUE)
            except STORE_ERRORS as error:
                self._unavailable(error)
                memo[_MEMO] = None
        return memo[_MEMO]

    def _unavailable(self, error: Exception) -> None:
        if not isinstance(error, RedisUnavailable):  # that one logs once per outage itself
            log.warning("page cache unavailable, serving uncached: %s", error)
        if isinstance(error, sa.exc.SQLAlchemyError):
            db.session.rollback()

    @staticmethod
    def key(kind: str, parts: Iterable[object], lang: str | None = None) -> str:
        if lang is None:
            lang = current_language()
            if has_request_context():
                lang = f"{lang}~{cache_variant()}"  # fragments hold prices in the buyer's currency
        raw = "\x1f".join(str(p) for p in parts)
        digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"{kind}:{lang}:{digest}"

    def lookup(
        self, kind: str, parts: Iterable[object], lang: str | None = None
    ) -> tuple[str, int, bytes | None] | None:
        """(key, generation, payload if stored for this generation); None when the store is down.

        Entries are stored under a key without the generation, tagged with the generation they were
        rendered for: a hit is one round trip (Redis MGET), and a bump makes every older entry a miss.
        `lang` defaults to the request's language as Flask-Babel chooses it.
        """
        key = self.key(kind, parts, lang)
        memo = _request_memo()
        try:
            if _MEMO in memo:
                generation = memo[_MEMO]
                if generation is None:
                    return None
                value = self.backend.get(key)
            else:
                generation, value = self.backend.generation_and_get(CATALOGUE, key)
                memo[_MEMO] = generation
        except STORE_ERRORS as error:
            self._unavailable(error)
            memo[_MEMO] = None
            return None
        if value is not None:
            tag, _, payload = value.partition(b"\n")
            if tag == str(generation).encode("ascii"):
                return key, generation, payload
        return key, generation, None

    def store(self, key: str, generation: int, payload: bytes, ttl: int | None = None) -> None:
        self.set(key, str(generation).encode("ascii") + b"\n" + payload, ttl)

    def set(self, key: str, value: bytes, ttl: int | None = None) -> None:
        try:
            self.backend.set(key, value, ttl or self.ttl)
        except STORE_ERRORS as error:
            if not isinstance(error, RedisUnavailable):
                log.warning("cache write failed: %s", error)

    def bump(self) -> None:
        try:
            self.backend.bump(CATALOGUE)
        except RedisUnavailable:
            pass  # bumped when Redis answers again, before any stored page is read (RedisBackend)
        except STORE_ERRORS as error:
            # The change is committed; cached pages may lag by up to the TTL. Say so loudly.
            log.error(
                "could not bump the catalogue generation (pages may be stale for %ss): %s", self.ttl, error
            )
        _request_memo().pop(_MEMO, None)


def init_app(app: Flask) -> None:
    """Choose the store: Redis when REDIS_URL is set, else this process's memory + the DB counter.

    `PAGE_CACHE_ENABLED` (default: on, except under TESTING) turns page/fragment caching on; outside
    tests the generation is bumped on catalogue writes either way, so a process that caches next to
    one that does not (a CLI command, a worker) still sees every change.
    """
    url = app.config.get("REDIS_URL")
    backend: Backend = RedisBackend(url) if url else MemoryBackend()
    configured = app.config.get("PAGE_CACHE_ENABLED")
    enabled = (not app.testing) if configured is None else bool(configured)
    app.extensions["page_cache"] = PageCache(
        backend,
        ttl=int(app.config.get("CACHE_TTL_SECONDS", 300)),
        enabled=enabled,
        track_writes=enabled or not app.testing,
    )
    # First of all before_request hooks (extensions registered earlier included): a hit skips the rest.
    app.before_request_funcs.setdefault(None, []).insert(0, serve_cached_page)
    # Visitors without any cookie get a stored page without Flask's request machinery at all.
    app.wsgi_app = CookielessHits(app.wsgi_app, app)


def _request_memo() -> dict:
    # The WSGI environ lives exactly as long as the request (an app context may outlive several
    # requests in tests and CLI code), so the generation is read at most once per request.
    return request.environ if has_request_context() else {}


def _current() -> PageCache | None:
    if not has_app_context():
        return None
    return current_app.extensions.get("page_cache")


# ---------------------------------------------------------------- use in views


def _anonymous_get() -> bool:
    """A GET from a visitor whose pages cannot differ from anyone else's (same language aside)."""
    if request.method not in ("GET", "HEAD"):
        return False
    session_cookie = current_app.config.get("SESSION_COOKIE_NAME", "session")
    # Any other cookie may mean a login (remember me), a cart, or something we do not know about.
    if any(name not in NEUTRAL_COOKIES and name != session_cookie for name in request.cookies):
        return False
    # A session holding only a CSRF token is still anonymous; a login, flash or cart entry is not.
    return set(session.keys()) <= ANONYMOUS_SESSION_KEYS


def _page_parts() -> tuple[str, ...]:
    # Straight from the WSGI environ: scheme and host (absolute links such as the canonical URL),
    # the mount point, the path and the raw query string (two spellings of one query are just two
    # entries). Cheaper than request.args/host_url, and never shared between different pages.
    environ = request.environ
    return (
        environ.get("wsgi.url_scheme", "http"),
        request.host,
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
    )


def _page_language() -> str:
    """The language `i18n.select_locale` picks for an anonymous visitor, without Flask-Babel.

    ?lang= if we speak it, else the `lang` cookie if we speak it, else the browser's Accept-Language
    (`i18n.negotiate_language`): the account's language is the only other input there, and
    visitors with a login never reach the page cache.
    """

    config = current_app.config
    lang = requested_language() or request.cookies.get(LANG_COOKIE, "")
    if lang not in config["LANGUAGES"]:
        lang = negotiate_language(
            request.environ.get("HTTP_ACCEPT_LANGUAGE"),
            languages=config["LANGUAGES"],
            default=config["BABEL_DEFAULT_LOCALE"],
        )
    # Prices are shown in the buyer's currency: one entry per language and market.
    return f"{lang}~{cache_variant()}"


def _hit_response(stored: bytes) -> Response:
    mimetype, _, body = stored.partition(b"\n")
    # Each visitor gets their own token, exactly as an uncached render would give.
    token = generate_csrf().encode("ascii") if compression.needs_token(body, CSRF_PLACEHOLDER) else None
    body, gzipped, varies = compression.hit_body(
        body, mimetype, CSRF_PLACEHOLDER, token, compression.client_accepts_gzip(request.environ)
    )
    response = Response(body, 200, headers=_HIT_HEADERS, content_type=content_type(mimetype))
    if varies:
        response.vary.add("Accept-Encoding")
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"  # compressed once when stored: not again
    return response


_HIT_HEADERS = (("X-Cache", "HIT"),)
#: request.environ key: (cached view, lookup result) found by the before_request hook.
_LOOKUP = "marketplace.page_cache.lookup"
_BYPASS = object()


def _lookup_page(cache: PageCache, personal: Callable[[], bool] | None = None):
    if not cache.enabled or not _anonymous_get() or (personal is not None and personal()):
        return _BYPASS
    return cache.lookup(PAGE_KIND, _page_parts(), _page_language())


def serve_cached_page():
    """before_request hook, run first: answer a cache hit before any other hook or the view runs.

    The remaining before_request hooks (rate limits, CSRF check, locale refresh) do nothing for an
    anonymous GET of a public page; the after_request hooks (security headers, the language cookie,
    the session cookie holding a new CSRF token) still run on the hit, as on a render.
    """
    rule = request.url_rule
    if rule is None:
        return None
    app = current_app
    view = app.view_functions.get(rule.endpoint)
    if view is None or not getattr(view, "page_cached", False):
        return None
    cache = app.extensions.get("page_cache")
    if cache is None:
        return None
    found = _lookup_page(cache, getattr(view, "page_personal", None))
    request.environ[_LOOKUP] = (view, found)
    if found is _BYPASS or found is None or found[2] is None:
        return None
    return _hit_response(found[2])


def cache_public_page(
    view: Callable | None = None, *, ttl: int | None = None, personal: Callable[[], bool] | None = None
):
    """Serve the view's 200 response from the cache to anonymous GET visitors.

    Bypassed for visitors with a login, cart, flash message or unknown cookie; not stored when the
    view put anything but a CSRF token in the session, set a cookie, or answered anything but 200.
    A CSRF token in the page (a form's hidden field) is stored as a placeholder and each hit gets
    the visitor's own fresh token, so pages with forms (add to cart) are cacheable too.
    Hits are answered by `serve_cached_page` before the other request hooks; a view called another
    way (an app without that hook) looks the page up here. `personal`, when given, says (from the
    request alone, without a query) that this visitor's page is their own although their cookies
    are neutral (the product page's recently viewed row): the page is then rendered, never stored,
    and sent `private, no-store`.
    """

    def decorate(func: Callable) -> Callable:
        @wraps(func)
        def wrapper(*args, **kwargs):
            if personal is not None and personal():
                # This visitor's own page (its cookies look neutral to is_personal_response).
                response = current_app.make_response(func(*args, **kwargs))
                response.headers["Cache-Control"] = "private, no-store"
                return response
            cache = _current()
            if cache is None:
                return func(*args, **kwargs)
            early = request.environ.get(_LOOKUP)
            if early is not None and early[0] is wrapper:
                found = early[1]
            else:
                found = _lookup_page(cache, personal)
            if found is _BYPASS or found is None:
                return func(*args, **kwargs)
            key, generation, stored = found
            if stored is not None:
                return _hit_response(stored)
            response = current_app.make_response(func(*args, **kwargs))
            if (
                response.status_code == 200
                and not response.is_streamed
                and "Set-Cookie" not in response.headers
                and not response.cache_control.no_store  # the view said: personal
                and set(session.keys()) <= ANONYMOUS_SESSION_KEYS
            ):
                body = response.get_data()
                token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
                if token:
                    body = body.replace(token.encode("ascii"), CSRF_PLACEHOLDER)
                mimetype = response.mimetype or "text/html"
                body = compression.pack(mimetype, body, CSRF_PLACEHOLDER)  # gzip once, not per hit
                cache.store(key, generation, mimetype.encode("ascii") + b"\n" + body, ttl)
                response.headers["X-Cache"] = "MISS"
            return response

        wrapper.page_cached = True  # lets tools tell a wrapped view from a bare one
        wrapper.page_personal = personal
        return wrapper

    return decorate(view) if view is not None else decorate


def cached_fragment(
    key_parts: Iterable[object], render_fn: Callable[[], str], ttl: int | None = None
) -> Markup:
    """Rendered HTML for `key_parts` in this language and catalogue generation; `render_fn` on a miss.

    `render_fn` must return HTML rendered by Jinja (`render_template`), never raw user text.
    Safe for any visitor as long as the fragment holds no per-visitor data (no CSRF token, no cart).
    Put the queries inside `render_fn` so a hit costs no SQL beyond reading the generation.
    """
    cache = _current()
    found = cache.lookup("fragment", key_parts) if cache is not None and cache.enabled else None
    if found is not None and found[2] is not None:
        return Markup(found[2].decode("utf-8"))  # noqa: S704 - stored output of render_fn, see below
    html = str(render_fn())
    if found is not None:
        cache.store(found[0], found[1], html.encode("utf-8"), ttl)
    return Markup(html)  # noqa: S704 - render_fn returns render_template output, escaped by Jinja


# ---------------------------------------------------------------- invalidation


def bump_catalogue() -> None:
    """Invalidate every cached page now (for writes the session events cannot see)."""
    cache = _current()
    if cache is not None:
        cache.bump()


def _table_of(statement) -> str | None:
    table = getattr(statement, "table", None)
    if table is not None:
        return getattr(table, "name", None)
    if isinstance(statement, sa.TextClause):
        match = _WRITE_SQL.match(statement.text)
        return match.group(1).lower() if match else None
    return None


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, flush_context) -> None:
    if session.info.get(_CHANGED):
        return
    for obj in (*session.new, *session.deleted, *session.dirty):
        table = getattr(type(obj), "__tablename__", None)
        if table in WATCHED_TABLES and (obj not in session.dirty or session.is_modified(obj)):
            session.info[_CHANGED] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_writes(state) -> None:
    # session.execute(update(Product)…), insert(…), delete(…) and text("UPDATE products …").
    if state.is_select or state.session.info.get(_CHANGED):
        return
    if _table_of(state.statement) in WATCHED_TABLES:
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session: Session) -> None:
    # SQLAlchemy also calls after_commit when a SAVEPOINT is released; the outer transaction still
    # holds its locks then (SQLite's write lock above all), so wait for the real commit.
    if session.in_nested_transaction():
        return
    if not session.info.pop(_CHANGED, False):
        return
    cache = _current()
    if cache is not None and cache.track_writes:
        cache.bump()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT rolled back; what the outer transaction changed still counts
    session.info.pop(_CHANGED, None)
