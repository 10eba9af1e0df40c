"""Deliver the emails a request (or CLI command) committed, after the fact and best effort.

Requests: once the response has gone out (`call_on_close`), so the buyer never waits for SMTP.
CLI commands and other app contexts: when the app context ends. Either way a failure is logged
and the row stays queued for `flask email send-pending`; nothing here ever raises.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app
from sqlalchemy.orm import Session

from marketplace.email.services import deliver_pending, take_committed_ids
from marketplace.extensions import db

log = logging.getLogger(__name__)

# A blueprint without routes: registering it installs the hooks on the app.
bp = Blueprint("email", __name__)


@bp.after_app_request
def deliver_after_response(response):
    if not db.session.registry.has():
        return response  # this request never opened a session, so it queued nothing
    ids = take_committed_ids(db.session())
    if ids:
        app = current_app._get_current_object()
        response.call_on_close(lambda: deliver_now(app, ids))
    return response


@bp.record_once
def _install_teardown(state) -> None:
    # Registered after Flask-SQLAlchemy's own teardown, so it runs before the session is removed.
    @state.app.teardown_appcontext
    def deliver_on_teardown(exc):
        if exc is not None or "sqlalchemy" not in current_app.extensions or not db.session.registry.has():
            return
        ids = take_committed_ids(db.session())
        if ids:
            deliver_now(current_app._get_current_object(), ids)


def deliver_now(app, ids: list[int]) -> None:
    """Deliver `ids` in a session of their own; log and keep them queued on any failure."""
    try:
        with app.app_context(), Session(db.engine) as session:
            deliver_pending(session, ids=ids)
    except Exception:  # noqa: BLE001 - after the response or command: log, the retry command resends
        log.exception("could not deliver emails %s; they stay queued", ids)
