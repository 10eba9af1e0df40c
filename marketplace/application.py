"""The Flask, request and session classes the app is built on: Flask's, with what every request asks
for made cheap (kept relative URLs, missing arguments answered without an exception, the coroutine
check once per function, a session cookie verified once per process). `create_app`
(marketplace/__init__.py) builds the app on them."""

from __future__ import annotations

import time
from functools import lru_cache
from inspect import iscoroutinefunction

import orjson
from flask import Flask, Request
from flask.globals import _cv_request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import ImmutableMultiDict

from marketplace.lru import BoundedLRU

#: Relative URLs built per app process (a page builds 10–20: its links, static files, pager).
URLS_KEPT = 4096
#: Session cookies verified per app process: the visitors of the last minutes (≈ 1 KB each).
SESSIONS_KEPT = 1024
#: Values a kept session may hold: a session made from a kept one copies the dict, not the values.
_IMMUTABLE = (str, int, float, bool, type(None))


class _Values(ImmutableMultiDict):
    """Werkzeug's ImmutableMultiDict, whose `get` answers a missing key without raising and catching
    a BadRequestKeyError (an HTTPException built each time, ≈ 2 µs): a page asks for about 20 absent
    cookies and arguments (a new visitor has no cookies at all). Same answers as MultiDict.get."""

    def get(self, key, default=None, type=None):
        values = dict.get(self, key)
        if not values:
            return default
        if type is None:
            return values[0]
        try:
            return type(values[0])
        except (ValueError, TypeError):
            return default


class MarketplaceRequest(Request):
    """Flask's request with query arguments, forms and cookies in `_Values`."""

    parameter_storage_class = _Values
    dict_storage_class = _Values


class KeptSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, the same cookies, with its serializer built once per set of
    keys (Flask builds one per call: ≈ 6.5 µs, twice a guest's request) and a cookie verified once
    per process: a logged-in visitor sends the same cookie on every page, and checking its
    signature, inflating and parsing it cost ≈ 20 µs each time. A cookie is kept only once its
    signature verified, with the time it was signed, so its age is checked on every request as
    itsdangerous checks it; the keys are part of the entry's key, so a rotated SECRET_KEY verifies
    again. Only a session of plain values is kept (a list, say flashed messages, is changed in place
    by the request that reads it); each request gets its own copy of the dict."""

    def __init__(self) -> None:
        self._serializer: tuple[tuple, URLSafeTimedSerializer] | None = None
        self._verified: BoundedLRU[tuple[int, dict]] = BoundedLRU(SESSIONS_KEPT)

    def _keyed_serializer(self, app: Flask) -> tuple[tuple, URLSafeTimedSerializer] | None:
        """(the keys, Flask's serializer for them), built again only when the keys change."""
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        kept = self._serializer
        if kept is None or kept[0] != keys:
            kept = self._serializer = (keys, super().get_signing_serializer(app))
        return kept

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        kept = self._keyed_serializer(app)
        return None if kept is None else kept[1]

    def open_session(self, app: Flask, request: Request):
        kept_serializer = self._keyed_serializer(app)
        if kept_serializer is None:
            return None
        keys, serializer = kept_serializer
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (keys, value)
        kept = self._verified.get(key)
        if kept is not None:
            signed_at, data = kept
            if 0 <= int(time.time()) - signed_at <= max_age:  # itsdangerous' own test of the age
                return self.session_class(data)
        try:
            data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, _IMMUTABLE) for v in data.values()):
            self._verified.put(key, (int(signed.timestamp()), data))
        return self.session_class(data)


class OrjsonResponses(DefaultJSONProvider):
    """Flask's JSON, with JSON responses (`jsonify`) written by orjson: the API's list of 24
    products took 0.4 ms in `json.dumps`, half of its request once the products were kept. The
    same JSON: keys sorted, compact (indented under debug), a final newline, dates, Decimals,
    dataclasses and Markup through Flask's own `default` (HTTP dates, strings); only characters
    outside ASCII are written as UTF-8 rather than escaped. What orjson refuses and `json` writes
    (an int past 64 bits) goes to Flask's. `dumps` (sessions, templates' `tojson`) is Flask's."""

    _OPTIONS = (
        orjson.OPT_SORT_KEYS
        | orjson.OPT_NON_STR_KEYS
        | orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_PASSTHROUGH_DATACLASS
        | orjson.OPT_APPEND_NEWLINE
    )

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        option = self._OPTIONS
        if (self.compact is None and self._app.debug) or self.compact is False:
            option |= orjson.OPT_INDENT_2
        try:
            body = orjson.dumps(obj, default=self.default, option=option)
        except TypeError:  # orjson.JSONEncodeError
            return super().response(*args, **kwargs)
        return self._app.response_class(body, mimetype=self.mimetype)


class MarketplaceFlask(Flask):
    """Flask, with requests whose arguments and cookies answer a missing key cheaply
    (`MarketplaceRequest`), relative URLs kept once built (`url_for`), `ensure_sync` asking once
    per function whether it is a coroutine function, a session interface of its own
    (`KeptSessionInterface`: Flask's is one object shared by every app of the process) and JSON
    responses written by orjson (`OrjsonResponses`).

    Flask asks for the view and every request hook, context preprocessor and teardown, about 27
    times a request (`inspect.iscoroutinefunction`, ~1.9 µs each): ~50 µs of every request's CPU.
    The answer never changes for a function; the functions asked about are the registered ones.
    """

    request_class = MarketplaceRequest
    json_provider_class = OrjsonResponses

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.session_interface = KeptSessionInterface()

    def ensure_sync(self, func):
        return self.async_to_sync(func) if _is_coroutine_function(func) else func

    def url_for(
        self, endpoint: str, /, *, _anchor=None, _method=None, _scheme=None, _external=None, **values
    ):
        """Flask's url_for, with the URLs built in a request kept per process.

        Building one costs ≈ 10 µs (Werkzeug's rule converters, quoting, the url_defaults hook, four
        context lookups); a listing builds 14, the API's product list 5 a product (absolute). A URL
        is a function of the endpoint, the values (with their types: 1 and True print differently),
        whether it is absolute, the mount point and the request's host, subdomain and scheme (a
        rule on another subdomain builds an external URL); url_defaults hooks must depend on the
        endpoint and values only (the one we have, assets.versioned_static, does). Anything else
        (anchors, methods, a scheme asked for, blueprint-relative endpoints, values that are not
        hashable) is built by Flask as before; a URL that fails to build is not kept.
        """
        req_ctx = _cv_request.get(None)
        if (
            req_ctx is None
            or _anchor is not None
            or _method is not None
            or _scheme is not None
            or endpoint[:1] == "."
        ):
            return super().url_for(
                endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external, **values
            )
        adapter = req_ctx.url_adapter
        try:
            key = (
                endpoint,
                bool(_external),
                adapter.script_name,
                adapter.subdomain,
                adapter.server_name,
                adapter.url_scheme,
                tuple((name, type(value), value) for name, value in values.items()),
            )
            urls = self._urls
            url = urls.get(key)
        except TypeError:  # a value that is not hashable (a list of values)
            return super().url_for(endpoint, _external=_external, **values)
        if url is None:
            url = super().url_for(endpoint, _external=_external, **values)
            urls.put(key, url)
        return url

    @property
    def _urls(self) -> BoundedLRU[str]:
        urls = self.extensions.get("kept_urls")
        if urls is None:
            urls = self.extensions.setdefault("kept_urls", BoundedLRU(URLS_KEPT))
        return urls


#: Bounded: the registered views and hooks are a few hundred; a bound method asked about again
#: is an equal key.
_is_coroutine_function = lru_cache(maxsize=1024)(iscoroutinefunction)
