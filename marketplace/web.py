"""How the app is assembled: extensions, blueprints, error pages, request hooks, commands, static."""

from __future__ import annotations

import functools
import logging

import sqlalchemy as sa
from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from jinja2 import FileSystemBytecodeCache
from werkzeug.exceptions import HTTPException

from marketplace import params
from marketplace.errors import DomainError
from marketplace.extensions import babel, csrf, db, limiter, login_manager, migrate
from marketplace.request_locals import csrf_token, loaded_user, this_app, this_g, this_request, this_session
from marketplace.views_support import asks_for_json, json_error

log = logging.getLogger(__name__)


def register_extensions(app: Flask) -> None:
    from marketplace import cache as page_cache
    from marketplace import i18n
    from marketplace.audit import tracking as audit_tracking
    from marketplace.cache import with_login
    from marketplace.storefront.search_index import include_in_migrations

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True, include_name=include_in_migrations)
    csrf.init_app(app)
    # Flask-WTF's, found once per request (it puts its own in the globals and in every context).
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.install_babel_context()
    limiter.init_app(app)
    page_cache.init_app(app)  # anonymous page/fragment cache + catalogue generation
    audit_tracking.init_app(app)  # who changed a seller's records (on in the seller area)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None

    # Importing every domain's models registers their tables on the shared metadata.
    from marketplace import models  # noqa: F401
    from marketplace.accounts.models import User

    @login_manager.user_loader
    def load_user(user_id: str):
        from marketplace.accounts import sessions

        # A page (GET) also shows the header's cart count and the hearts: read with the user, in
        # one statement. A POST may change either before it renders: those read them when shown,
        # and read the user in their own transaction.
        if request.method not in ("GET", "HEAD"):
            return sessions.load_user_from_session_id(db.session, user_id)
        # With the counters in the database, that statement also reads the request's stamp, on the
        # page cache's reader: one round trip, as a guest's page pays for the stamp alone.
        read, stamp_reads = with_login.account_row_reads()
        if read is not None:
            try:
                return sessions.load_user_from_session_id(
                    db.session, user_id, extra=_page_reads() + stamp_reads, read=read
                )
            except sa.exc.DBAPIError as error:
                # The reader failed (its pool exhausted, a database it cannot see): the session reads.
                log.warning("reading the account on the page cache's reader failed: %s", error)
        return sessions.load_user_from_session_id(db.session, user_id, extra=_page_reads())

    del User


@functools.cache
def _page_reads() -> tuple:
    """(column, receiver) pairs `load_user` reads with a logged-in visitor for the pages they see."""
    from marketplace.accounts.access import account_seller_roles_column, remember_seller_roles
    from marketplace.accounts.models import User
    from marketplace.cart.header import account_cart_count_column, remember_cart_count
    from marketplace.favourites.current import (
        account_favourite_ids_column,
        account_has_alerts_column,
        remember_favourite_ids,
        remember_has_alerts,
    )
    from marketplace.questions.current import account_has_waiting_column, remember_has_waiting

    return (
        (account_cart_count_column(User.id), remember_cart_count),
        (account_favourite_ids_column(User.id), remember_favourite_ids),
        # The product page's own parts: the report buttons (own shop), the waiting questions and
        # the back-in-stock form.
        (account_seller_roles_column(User.id), remember_seller_roles),
        (account_has_waiting_column(User.id), remember_has_waiting),
        (account_has_alerts_column(User.id), remember_has_alerts),
    )


BLUEPRINTS = (
    "marketplace.site.views:bp",
    "marketplace.storefront.views:bp",
    "marketplace.api.views:bp",
    "marketplace.api.pages:bp",
    "marketplace.accounts.views:bp",
    "marketplace.cart.views:bp",
    "marketplace.favourites.views:bp",
    "marketplace.orders.views:bp",
    "marketplace.payments.views:bp",
    "marketplace.curation.views:bp",
    "marketplace.media.views:bp",
    "marketplace.email.hooks:bp",
    "marketplace.questions.views:bp",
    "marketplace.dashboard.views:bp",
    "marketplace.naikkelas.views:bp",
    "marketplace.refunds.views:bp",
    "marketplace.refunds.receipt:bp",
    "marketplace.cases.views:bp",
    "marketplace.payouts.views:bp",
    "marketplace.monitoring.views:bp",
    "marketplace.mentoring.views:bp",
    "marketplace.labels.views:bp",
    "marketplace.shipping.views:bp",
    "marketplace.markets.views:bp",
    "marketplace.dashboard.facilitator_views:bp",
    "marketplace.audit.views:bp",
    "marketplace.jobs.views:bp",
    "marketplace.origin.views:bp",
    "marketplace.reviews.views:bp",
)


def register_templates(app: Flask) -> None:
    """Keep compiled templates on disk (Jinja's bytecode cache, in a private directory under the
    system's temp dir, keyed by each template's name and source checksum, so an edited template is
    compiled again). A new or restarted worker loads them instead of compiling: all 210 templates
    take 1.25 s of CPU to compile and 0.05 s to load; a visitor's first six pages 0.1 s less."""
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache()


def register_blueprints(app: Flask) -> None:
    from importlib import import_module

    # Before any rule compiles: an id past MAX_ID in a URL is a 404, never a database overflow.
    app.url_map.converters["int"] = params.BoundedIntConverter
    for target in BLUEPRINTS:
        module_name, attr = target.split(":")
        app.register_blueprint(getattr(import_module(module_name), attr))


#: Paths answered in JSON, errors included: the API, Stripe's webhook, the checkout's shipping quote.
JSON_PATHS = ("/api/", "/payments/stripe/webhook", "/checkout/quote")


def _wants_json() -> bool:
    return request.path.startswith(JSON_PATHS) or asks_for_json()


def register_errorhandlers(app: Flask) -> None:
    def render_error(status: int, message: str | None = None):
        if _wants_json():
            return json_error(status, message or _default_message(status))
        return render_template("errors/error.html", status=status, message=message), status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        message = error.description if error.code and error.code < 500 and _wants_json() else None
        return render_error(error.code or 500, message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        # Flask-WTF's descriptions ("The CSRF token has expired.") are English and technical.
        return render_error(400, _("The form expired. Please open the page again."))

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        return render_error(error.status, error.message)

    @app.errorhandler(sa.exc.SQLAlchemyError)
    def database_error(error: sa.exc.SQLAlchemyError):
        if not database_unavailable(error):
            return unexpected_error(error)
        # The database restarted, dropped the connection or is busy: nothing this request wrote was
        # committed, and the pool's pre-ping gives the next request a fresh connection.
        log.warning("database unavailable on %s %s: %s", request.method, request.path, error)
        _forget_session()
        return unavailable_response()

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        _forget_session()
        return render_error(500)


#: Seconds a visitor is asked to wait when the database is away (the Retry-After header).
RETRY_AFTER_SECONDS = 5


def database_unavailable(error: BaseException) -> bool:
    """Whether a database error means "not reachable right now" rather than a bug.

    A refused or dropped connection (a restart, a crash, a network cut), SQLite's "database is
    locked" past its busy timeout, and a pool with no connection free in time.
    """
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa.exc.OperationalError) and type(error.orig).__module__.startswith("sqlite3"):
        # SQLite files "no such table" and SQL mistakes under OperationalError too: those are bugs.
        return any(text in str(error.orig) for text in _SQLITE_BUSY)
    return isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError | sa.exc.TimeoutError)


_SQLITE_BUSY = ("database is locked", "database is busy", "unable to open database")


def _forget_session() -> None:
    # A rollback on a connection the server dropped can fail in turn: then drop the session whole.
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        db.session.close()


def unavailable_response():
    """503 "try again in a moment", rendered without touching the database.

    Not through `render_template`: its context processors (the account, the menus, the cart
    count) would ask the database again. The page is in the visitor's language as far as the
    request says it (?lang=, the cookie, the browser), with the other language beneath, since the
    account's own choice cannot be read; the JSON API gets its usual error object.
    """
    from marketplace.i18n import LANG_COOKIE, negotiate_language, requested_language

    config = current_app.config
    languages = tuple(config["LANGUAGES"])
    cookie = request.cookies.get(LANG_COOKIE)
    lang = (
        requested_language()
        or (cookie if cookie in languages else None)
        or negotiate_language(
            request.headers.get("Accept-Language"),
            languages=languages,
            default=config["BABEL_DEFAULT_LOCALE"],
        )
    )
    if _wants_json():
        with force_locale(lang):
            payload = {"error": {"status": 503, "message": _unavailable_texts()["message"]}}
        response = jsonify(payload)
    else:
        texts = []
        for code in (lang, *(c for c in languages if c != lang)):
            with force_locale(code):
                texts.append({"lang": code, **_unavailable_texts()})
        template = current_app.jinja_env.get_template("errors/unavailable.html")
        response = current_app.response_class(
            template.render(lang=lang, texts=texts, market_name=config["MARKET_NAME"]), mimetype="text/html"
        )
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _unavailable_texts() -> dict[str, str]:
    from flask_babel import gettext as _

    return {
        "title": _("Please try again in a moment"),
        "message": _(
            "We cannot reach our database right now. Nothing was lost: please try again in a moment."
        ),
        "again": _("Try again"),
    }


def _default_message(status: int) -> str:
    from flask_babel import gettext as _

    return {
        400: _("The request was not valid."),
        403: _("You are not allowed to do that."),
        404: _("Not found."),
        405: _("Method not allowed."),
        413: _("The upload is too large."),
        429: _("Too many attempts. Please wait a moment and try again."),
    }.get(status, _("Something went wrong on our side. Please try again."))


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def content_security_policy(app: Flask) -> str:
    # Stripe Checkout is a redirect after a form POST, and browsers apply form-action to it.
    form_targets = " ".join(
        ["'self'", "https://checkout.stripe.com", *app.config.get("CSP_EXTRA_FORM_ACTION", ())]
    )
    # Product photos come from the bucket's public URL when media lives in S3-compatible storage.
    from marketplace.media.storage import public_media_origin

    image_sources = " ".join(["'self'", "data:", *filter(None, [public_media_origin(app)])])
    return (
        f"default-src 'self'; img-src {image_sources}; style-src 'self'; script-src 'self'; "
        f"object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action {form_targets}"
    )


#: Paths whose every response depends on who asks: their login, session or cart cookie.
PERSONAL_PATHS = ("/account", "/cart", "/checkout", "/orders", "/seller", "/curator", "/payments", "/market")
PRIVATE_CACHE_CONTROL = "private, no-store"
_SESSION_STATE = "marketplace.session_state"


def is_personal_response(response, session_state_before: bool) -> bool:
    """Whether a response depends on who is logged in or on the visitor's session or cookies.

    Such a response must never be kept by a browser's disk cache, a proxy or a CDN (the payout
    CSV holds bank account numbers). Not when the view declared it `public` (the JSON API, the
    sitemap, product pictures): those are the same for everyone by construction.
    """
    from marketplace.cache import ANONYMOUS_SESSION_KEYS, NEUTRAL_COOKIES

    if response.cache_control.public:
        return False
    req = this_request()
    path = req.path
    if any(path == prefix or path.startswith(prefix + "/") for prefix in PERSONAL_PATHS):
        return True
    user = loaded_user()  # only when the request looked at the user
    if user is not None and user.is_authenticated:
        return True
    # Flashes shown (taken out of the session) or waiting, a login, anything but a CSRF token.
    if session_state_before or set(this_session().keys()) - ANONYMOUS_SESSION_KEYS:
        return True
    session_cookie = this_app().config["SESSION_COOKIE_NAME"]
    return any(name not in NEUTRAL_COOKIES and name != session_cookie for name in req.cookies)


#: Bodies whose fields `request.form` parses (reading it leaves any other body to the view).
FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def register_request_hooks(app: Flask) -> None:
    from marketplace import cache as page_cache
    from marketplace.i18n import LANG_COOKIE, requested_language

    # Built once: every response gets these unless the view already set the same header.
    static_headers = [*SECURITY_HEADERS.items(), ("Content-Security-Policy", content_security_policy(app))]
    if app.config["PRODUCTION"]:
        static_headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    app.extensions[page_cache.STATIC_HEADERS] = tuple(static_headers)  # also sent on its fast hits
    static_headers = [(name.lower(), name, value) for name, value in static_headers]

    @app.url_value_preprocessor
    def refuse_nul(endpoint, values) -> None:
        # First of all (before every before_request hook): a NUL in the path, the query or a form
        # is a 400 naming the parameter, never a database error later.
        req = this_request()
        form = req.form if req.mimetype in FORM_MIMETYPES else {}
        params.refuse_nul(values or {}, req.args, form)

    @app.before_request
    def note_session_state() -> None:
        # keys() does not mark the session accessed (no Vary: Cookie added for it).
        from marketplace.cache import ANONYMOUS_SESSION_KEYS

        if set(this_session().keys()) - ANONYMOUS_SESSION_KEYS:
            this_g().setdefault(_SESSION_STATE, True)

    @app.after_request
    def headers(response):
        req, request_globals = this_request(), this_g()
        if is_personal_response(response, request_globals.get(_SESSION_STATE, False)):
            response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
        # One pass over the response's few headers instead of a scan per header (setdefault).
        present = {name.lower() for name in response.headers.keys()}
        response.headers.extend([(name, value) for low, name, value in static_headers if low not in present])
        api = req.path.startswith("/api/")
        # Pages (cache hits included, which never ask Flask-Babel) and anything else rendered in the
        # visitor's language depend on Accept-Language when neither ?lang= nor a cookie chose one.
        if not api and (response.mimetype == "text/html" or request_globals.get("language_varies")):
            response.vary.add("Accept-Language")
        lang = requested_language()
        # The JSON API is stateless (its language is only `?lang=`), and cacheable: no cookie there.
        if lang and req.cookies.get(LANG_COOKIE) != lang and not api:
            response.set_cookie(
                LANG_COOKIE,
                lang,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                httponly=True,
                secure=app.config["PRODUCTION"],
            )
            response.vary.add("Cookie")
        return response

    from marketplace import compression

    compression.init_app(app)  # gzip text responses; runs after every other after_request hook

    from marketplace.client_timeout import ClientIdleTimeout

    # Around everything that may read a request body: a stalled one frees its thread.
    app.wsgi_app = ClientIdleTimeout(app.wsgi_app, app.config.get("CLIENT_IDLE_TIMEOUT_SECONDS"))

    @app.context_processor
    def template_globals():
        from marketplace.i18n import current_language, template_gettext

        return {
            "market_name": app.config["MARKET_NAME"],
            "lang": current_language(),
            "request_id": g.get("request_id"),
            **template_gettext(),
        }


#: Headers a proxy adds about the client; read (by ProxyFix) only from trusted proxies, then dropped.
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX", "HTTP_FORWARDED",
)  # fmt: skip


class WithoutForwardedHeaders:
    """WSGI middleware: drops the forwarded headers once ProxyFix (or nothing) has read them."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        for name in FORWARDED_HEADERS:
            environ.pop(name, None)
        return self.wsgi_app(environ, start_response)


def register_proxy(app: Flask) -> None:
    """The client's address, scheme and host as the app should see them (outermost middleware).

    With `TRUSTED_PROXIES` = n > 0, werkzeug's ProxyFix takes them from the last n entries of
    X-Forwarded-For/-Proto/-Host (what our own proxies added; whatever a client sent sits further
    left). With 0 the connection's own address counts. Either way the forwarded headers are then
    dropped, so nothing later reads a client-supplied value: Flask-Login's session protection, for
    one, prefers X-Forwarded-For to REMOTE_ADDR, and the rate limits key on `request.remote_addr`.
    Registered last, so the other middleware (cookieless cache hits) sees the real client too.
    """
    from werkzeug.middleware.proxy_fix import ProxyFix

    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    inner = WithoutForwardedHeaders(app.wsgi_app)
    app.wsgi_app = ProxyFix(inner, x_for=hops, x_proto=hops, x_host=hops) if hops > 0 else inner


def register_commands(app: Flask) -> None:
    from marketplace import cli

    cli.register(app)


def register_static(app: Flask) -> None:
    from marketplace import assets

    assets.init_app(app)
