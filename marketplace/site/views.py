"""Site-wide endpoints: health check, language switch."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from marketplace.extensions import db

bp = Blueprint("site", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy, reported not raised
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
