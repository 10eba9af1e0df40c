"""This request's objects themselves, for code that runs on every request (issue 16).

`flask.request`, `g`, `session`, `current_app` and Flask-Login's `current_user` are werkzeug proxies.
Reading an attribute through one first fails on the proxy itself (Python builds and formats an
AttributeError) before the proxy looks the name up on the real object: ≈ 7,800 machine instructions
for `request.path` against ≈ 0 on the request itself, ≈ 9,900 for `g.get(...)`
(bench/instructions.py; bench/README.md). A storefront page made ~200 such reads, about a fifth of
its instructions. So the code on every request's path takes the object once, from the context
variables the proxies read, and uses it. Elsewhere the proxies stay: they read better.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask.globals import _cv_app, _cv_request
from flask_login import current_user

if TYPE_CHECKING:
    from flask import Flask, Request
    from flask.ctx import AppContext, RequestContext, _AppCtxGlobals
    from flask.sessions import SessionMixin


def _request_context() -> RequestContext:
    context = _cv_request.get(None)
    if context is None:
        raise RuntimeError("Working outside of request context.")  # as the proxies say
    return context


def _app_context() -> AppContext:
    context = _cv_app.get(None)
    if context is None:
        raise RuntimeError("Working outside of application context.")
    return context


def this_request() -> Request:
    """`flask.request`'s object (RuntimeError outside a request, as the proxy)."""
    return _request_context().request


def this_session() -> SessionMixin:
    """`flask.session`'s object (RuntimeError outside a request, as the proxy)."""
    return _request_context().session


def this_app() -> Flask:
    """`flask.current_app`'s object (RuntimeError outside an app context, as the proxy)."""
    return _app_context().app


def this_g() -> _AppCtxGlobals:
    """`flask.g`'s object (RuntimeError outside an app context, as the proxy)."""
    return _app_context().g


def loaded_user():
    """The user Flask-Login loaded for this request (where it keeps it on `g`), None until it did."""
    return this_g().get("_login_user")


def this_user():
    """Flask-Login's `current_user` object: the one it loaded for this request, or loaded now as the
    proxy would."""
    user = loaded_user()
    return user if user is not None else current_user._get_current_object()


def csrf_token() -> str:
    """Flask-WTF's `generate_csrf()` for this request. It keeps the request's token on `g` under the
    form field's name, but finds it there through the proxies of the app's config, `g` and the
    session (≈ 50,000 instructions a call), and a product page asks up to seven times."""
    token = this_g().get(this_app().config["WTF_CSRF_FIELD_NAME"])
    if token is not None:
        return token
    from flask_wtf.csrf import generate_csrf

    return generate_csrf()
