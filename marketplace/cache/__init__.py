"""Caching of public pages and fragments for anonymous visitors, invalidated by what changed.

**Strict:** a change shows on the very next request in every app process, on every page it
affects. Every stored entry carries a tag: the counters it was rendered for, each with the value
it had. A hit re-reads those counters where they live and only serves the entry if all still hold
that value, in one round trip: with `REDIS_URL`, a Lua script reads the counters, the entry and
checks the tag inside Redis; without it, entries live in a small per-process dict with TTL
(bounded, `MemoryBackend.max_entries`) and the counters in the table `cache_generations`, read by
one `SELECT … WHERE name IN (…)` in autocommit on a connection borrowed for that one read.

**What a change invalidates** (classified from the write itself, `cache.invalidation`):

- the *catalogue generation*: a structural change, one that can change which products any page
  lists or how a page looks everywhere (a product published or hidden, renamed, moved; an image,
  label, placement, seller, cluster, region, exchange rate, review, question). Every entry names it.
- a *product's page counter* `p:<id>`: a change to what only that product's pages and cards show
  — its stock, price, "N sold", rating counters, variants — invalidates its own page;
- its *card counter* `c:<id>`: the same when a card changes too (the price, "N sold", a rating,
  stock running out or coming back): the listings and "more from…" rows that show its card. Each
  order's stock UPDATEs touch the ordered products' own pages, and their cards only when the last
  unit goes;
- *facet counters* `f:stock`, `f:price`, `f:sales`, `f:rating`, bumped with the product's: the
  listings whose choice or order of products rests on that attribute (the in-stock filter, price
  filters and sorts, best selling, best rated, a shop's rating) name them, since a product they do
  not show yet may enter them.

Per-product and facet counters take their values from one sequence, `products`: a bump takes its
next value and writes it into each counter (atomically, in Redis by a script, in the database in
one transaction that queues on the `products` row), so a counter's value is the sequence number of
its last change.

**Listings: tagged with the products they render** (option a of issue 16). A listing (home,
cluster, village, seller, search) and a product page ("more from…") say which products they show
and which facets they rest on (`page_shows_products`); the entry names those counters (a cluster
page: 24 card counters and a facet or two), and the hit checks them in the same round trip as the
catalogue generation. Alternatives considered: caching listings under the catalogue generation
and rendering price and stock fresh on each hit would cost a query and Babel formatting of every
card per hit (the cost the cache exists to avoid) and still leaves the in-stock filter stale; short
TTL fragments break the "next request" rule. A product never listed in a page cannot stale it: its
own changes only touch its counter, and changes that could bring it into the page are structural
or bump the facet the page names.

**Race:** the products a page shows are only known once it has rendered, so their counters are read
after the render, which may have read older rows than those counters describe. The request's stamp
(catalogue generation and `products` sequence) is read before anything renders; the entry is
stored only if every counter it names is at most that sequence number, i.e. none changed since the
render began (else the page is served and not stored). Pages that name no products (any view that
does not call `page_shows_products`) are tagged with the `products` sequence itself: any product
change invalidates them, as the catalogue generation used to.

A hit costs little beyond that read: for a visitor without cookies the WSGI middleware
`CookielessHits` answers before Flask runs; otherwise `serve_cached_page`, the first
before_request hook, answers before the other hooks and the view.

Use in views (never in services):

    from marketplace.cache import cache_public_page, cached_fragment, page_shows_products

    @bp.get("/clusters/<slug>")
    @cache_public_page                       # whole page, anonymous GETs only; forms' CSRF tokens OK
    def cluster(slug):
        ...
        page_shows_products([p.id for p in result.items], facets=("price",))  # if sorted by price

    grid = cached_fragment(("cluster-grid", slug, page), lambda: render_template("…/_grid.html", …))

Products the ORM loads while a page renders are added, as cards, to what it named (a card added
later without saying so still invalidates its page). SQL run on a raw connection is not seen (call
`bump_catalogue()` or `bump_products(ids)` after it). Time-driven changes with no write (a featured
window opening, a label passing `valid_until`) show within the TTL (`CACHE_TTL_SECONDS`, 300 s by
default). Counters never expire: with a Redis `maxmemory` policy, use a `volatile-*` one.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from functools import wraps

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace import compression
from marketplace.cache import invalidation, with_login
from marketplace.cache.cookieless import STATIC_HEADERS, CookielessHits
from marketplace.cache.invalidation import (
    FACETS,
    PRICE,
    RATING,
    SALES,
    STOCK,
    WATCHED_TABLES,
    card_counters,
    counters_for,
    touch_products,
)
from marketplace.cache.store import (
    CATALOGUE,
    CSRF_PLACEHOLDER,
    FRAGMENT_KIND,
    GENERATION_MEMO,
    PAGE_KIND,
    PRODUCTS,
    STORE_ERRORS,
    Backend,
    CacheGeneration,
    MemoryBackend,
    RedisBackend,
    RedisUnavailable,
    Stamp,
    card_counter,
    content_type,
    database_pool_status,
    make_tag,
    product_counter,
)
from marketplace.extensions import db
from marketplace.i18n import LANG_COOKIE, current_language, negotiate_language, requested_language
from marketplace.markets.context import RATE_GENERATION, cache_variant
from marketplace.request_locals import this_app, this_request

log = logging.getLogger(__name__)

# Names other modules import from here (the store and the fast path live in their own modules).
__all__ = [
    "CATALOGUE", "CSRF_PLACEHOLDER", "FACETS", "PRICE", "PRODUCTS", "RATING", "SALES", "STATIC_HEADERS",
    "STOCK", "WATCHED_TABLES", "CacheGeneration", "CookielessHits", "MemoryBackend", "RedisBackend",
    "Stamp", "bump_catalogue", "bump_products", "cache_public_page", "cached_fragment",
    "database_pool_status", "init_app", "page_shows_products", "serve_cached_page", "touch_products",
]  # fmt: skip

_MEMO = GENERATION_MEMO
_UNREAD = object()
#: request.environ keys: the counters the view named (page_shows_products; absent: it named none),
#: and those the render touched on its own (products the ORM loaded, fragments' counters).
_NAMED = "marketplace.page_cache.named"
_SEEN = "marketplace.page_cache.seen"
#: An entry naming more counters than this is tagged with the `products` sequence instead.
MAX_COUNTERS = 100
#: Cookies that do not change what a public page shows (the language is part of the key).
#: `recently_viewed`, `stock_alerts` (favourites) change only pages drawing the list or the alert: those
#: declare `cache_public_page(personal=...)`, bypassing the cache when the cookie has something to show.
NEUTRAL_COOKIES = frozenset(
    {"lang", "currency", "country", "recently_viewed", "stock_alerts"}
)  # the market is in the key too
#: Session keys an anonymous visitor may carry: a CSRF token, and Flask-Login's freshness flag
#: (which it sets on any non-empty session). Anything else (`_user_id`, `_flashes`, …) bypasses.
ANONYMOUS_SESSION_KEYS = frozenset({"csrf_token", "_fresh", "_permanent"})


class PageCache:
    def __init__(self, backend: Backend, ttl: int, enabled: bool, track_writes: bool = True):
        self.backend = backend
        self.ttl = ttl
        self.enabled = enabled
        #: Bump on catalogue writes; off only in tests that do not use the cache (no extra writes).
        self.track_writes = track_writes

    def stamp(self) -> Stamp | None:
        """This request's stamp (read once per request), or None if the store failed."""
        memo = _request_memo()
        if _MEMO not in memo:
            try:
                found = self.backend.generations([CATALOGUE, PRODUCTS])
                memo[_MEMO] = Stamp(found[CATALOGUE], found[PRODUCTS])
            except STORE_ERRORS as error:
                self._unavailable(error)
                memo[_MEMO] = None
        return memo[_MEMO]

    def generation(self) -> int | None:
        """This request's catalogue generation, or None if the store failed."""
        stamp = self.stamp()
        return None if stamp is None else stamp.catalogue

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
    ) -> tuple[str, Stamp, bytes | None] | None:
        """(key, stamp, payload if the stored entry is still valid); None when the store is down.

        One round trip (see the module's docstring); the first lookup of a request also fixes the
        request's stamp, which tags what the request stores. `lang` defaults to the request's
        language as Flask-Babel chooses it.
        """
        key = self.key(kind, parts, lang)
        memo = _request_memo()
        known = memo.get(_MEMO, _UNREAD)
        if known is None:
            return None
        try:
            stamp, payload = self.backend.lookup(key, None if known is _UNREAD else known)
        except STORE_ERRORS as error:
            self._unavailable(error)
            memo[_MEMO] = None
            return None
        memo[_MEMO] = stamp
        return key, stamp, payload

    def store(
        self,
        key: str,
        stamp: Stamp,
        payload: bytes,
        ttl: int | None = None,
        counters: Iterable[str] | None = None,
    ) -> None:
        """Store `payload` tagged with `stamp` and the current values of `counters`.

        `counters` None (or naming the `products` sequence, or too many): the entry depends on every
        product. Not stored when one of the counters moved past the stamp: it changed while the
        payload was being rendered, which may have read the rows before that change.
        """
        names = None if counters is None else sorted(set(counters))
        if names is None or PRODUCTS in names or len(names) > MAX_COUNTERS:
            tagged = [(PRODUCTS, stamp.products)]
        else:
            try:
                current = self.backend.generations(names) if names else {}
            except STORE_ERRORS as error:
                if not isinstance(error, RedisUnavailable):
                    log.warning("cache write failed: %s", error)
                return
            if any(value > stamp.products for value in current.values()):
                return
            tagged = [(name, current[name]) for name in names]
        self.set(key, make_tag(stamp.catalogue, tagged) + b"\n" + payload, ttl)

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
        with_login.forget_reads(_request_memo())  # the stamp too: both are from before the write

    def bump_products(self, counters: Iterable[str]) -> None:
        try:
            self.backend.bump_products(counters)
        except RedisUnavailable:
            pass  # the catalogue is bumped when Redis answers again (RedisBackend)
        except STORE_ERRORS as error:
            log.error("could not bump product counters (pages may be stale for %ss): %s", self.ttl, error)
        with_login.forget_reads(_request_memo())  # the stamp too: both are from before the write


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
    app.extensions[RATE_GENERATION] = _rate_generation  # a new rate bumps the catalogue


def _rate_generation() -> int | None:
    """The stamp's catalogue generation (markets.context keeps rates by it); None: no tracking/store."""
    cache = _current()
    return getattr(cache.stamp() if cache is not None and cache.track_writes else None, "catalogue", None)


def _request_memo() -> dict:
    # The WSGI environ lives as long as the request (an app context may outlive several): one read.
    return this_request().environ if has_request_context() else {}


def _current() -> PageCache | None:
    if not has_app_context():
        return None
    return this_app().extensions.get("page_cache")


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
    req, app = this_request(), this_app()
    rule = req.url_rule
    if rule is None:
        return None
    view = app.view_functions.get(rule.endpoint)
    if view is None or not getattr(view, "page_cached", False):
        return None
    cache = app.extensions.get("page_cache")
    if cache is None:
        return None
    found = _lookup_page(cache, getattr(view, "page_personal", None))
    req.environ[_LOOKUP] = (view, found)
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
            key, stamp, stored = found
            if stored is not None:
                return _hit_response(stored)
            request.environ[_SEEN] = set()  # products the ORM loads while rendering
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
                cache.store(key, stamp, mimetype.encode("ascii") + b"\n" + body, ttl, _page_counters())
                response.headers["X-Cache"] = "MISS"
            return response

        wrapper.page_cached = True  # lets tools tell a wrapped view from a bare one
        wrapper.page_personal = personal
        return wrapper

    return decorate(view) if view is not None else decorate


def cached_fragment(
    key_parts: Iterable[object],
    render_fn: Callable[[], str],
    ttl: int | None = None,
    *,
    products: Iterable[int] | None = None,
    facets: Iterable[str] = (),
) -> Markup:
    """Rendered HTML for `key_parts` in this language, valid while what it shows is unchanged.

    `products` (ids) and `facets`: the fragment shows these products' cards and nothing else of
    theirs, and is re-rendered when one of those cards or a facet changes, or the catalogue; without
    `products`, when any product changes. A page that embeds the fragment depends on the same.
    `render_fn` must return HTML rendered by Jinja (`render_template`), never raw user text.
    Safe for any visitor as long as the fragment holds no per-visitor data (no CSRF token, no cart).
    Put the queries inside `render_fn` so a hit costs no SQL beyond reading the counters.
    """
    counters = None if products is None else card_counters(products, facets)
    _note_seen({PRODUCTS} if counters is None else counters)
    cache = _current()
    found = cache.lookup(FRAGMENT_KIND, key_parts) if cache is not None and cache.enabled else None
    if found is not None and found[2] is not None:
        return Markup(found[2].decode("utf-8"))  # noqa: S704 - stored output of render_fn, see below
    html = str(render_fn())
    if found is not None:
        cache.store(found[0], found[1], html.encode("utf-8"), ttl, counters)
    return Markup(html)  # noqa: S704 - render_fn returns render_template output, escaped by Jinja


def page_shows_products(
    product_ids: Iterable[int], *, facets: Iterable[str] = (), whole: bool = False
) -> None:
    """Say, in a `cache_public_page` view, which products the page shows and which `FACETS` decide
    which products it lists or in which order (STOCK for an in-stock filter, PRICE for price filters
    and sorts, SALES for best selling, RATING for best rated or a shop's rating).

    Products are shown as cards (what `storefront.presenters.product_card` shows: the price, in
    stock or not, rating, "N sold"), or `whole`: the product's own page, which shows everything
    about it (how many are left, each size). The stored page is then invalidated by changes to
    those alone (and the catalogue); a page that never calls this, by a change to any product.
    Call it again to add.
    """
    if not has_request_context():
        return
    named = this_request().environ.setdefault(_NAMED, set())
    if whole:
        named.update(product_counter(i) for i in product_ids)
        named.update(card_counters((), facets))
    else:
        named.update(card_counters(product_ids, facets))


def _note_seen(counters: Iterable[str]) -> None:
    if has_request_context():
        seen = request.environ.get(_SEEN)
        if seen is not None:
            seen.update(counters)


def _note_product_loaded(product_id: int | None) -> None:
    if product_id is not None and has_request_context():
        seen = request.environ.get(_SEEN)
        if seen is not None:
            seen.add(card_counter(product_id))


def _page_counters() -> set[str] | None:
    """The counters the page being stored depends on: None, every product, unless it named them."""
    environ = request.environ
    named = environ.get(_NAMED)
    if named is None:
        return None
    return named | environ.get(_SEEN, set())


invalidation.watch_product_loads(_note_product_loaded)


# ---------------------------------------------------------------- invalidation


def bump_catalogue() -> None:
    """Invalidate every cached page now (for writes the session events cannot see)."""
    cache = _current()
    if cache is not None:
        cache.bump()


def bump_products(product_ids: Iterable[int], facets: Iterable[str] = FACETS) -> None:
    """Invalidate the pages showing these products now (for writes the session events cannot see)."""
    cache = _current()
    if cache is not None:
        cache.bump_products(counters_for(product_ids, facets))


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session: Session) -> None:
    # SQLAlchemy also calls after_commit when a SAVEPOINT is released; the outer transaction still
    # holds its locks then (SQLite's write lock above all), so wait for the real commit.
    if session.in_nested_transaction():
        return
    structural, touched = invalidation.pending_changes(session)
    if not structural and not touched:
        return
    cache = _current()
    if cache is not None and cache.track_writes:
        if structural:
            cache.bump()
        else:
            cache.bump_products(touched)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    if session.in_nested_transaction():
        # A SAVEPOINT rolled back; what the outer transaction changed still counts.
        invalidation.savepoint_rolled_back(session)
        return
    invalidation.forget_changes(session)
