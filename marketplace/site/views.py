"""Site-wide endpoints: health check, robots.txt, and the language switch links every page shows."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask_babel import refresh as babel_refresh
from sqlalchemy import text

from marketplace.extensions import db
from marketplace.i18n import language_switch_urls

bp = Blueprint("site", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy, reported not raised
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


ROBOTS_DISALLOW = ("/account/", "/cart", "/checkout", "/orders", "/payments/", "/curator/", "/seller/")


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), "Allow: /", ""]
    return Response("\n".join(lines), mimetype="text/plain")


@bp.before_app_request
def forget_previous_locale() -> None:
    """Choose the language afresh for every request.

    Flask-Babel caches the locale on `g`, and `g` outlives a request whenever an app context was
    already pushed (tests, CLI-driven rendering); without this a `?lang=` could be ignored.
    """
    babel_refresh()


@bp.app_context_processor
def language_links() -> dict:
    """`lang_urls`: {"id": "<this page>?lang=id", "en": "…?lang=en"} for the header's switch."""
    return {"lang_urls": language_switch_urls()}
