"""Curators' list of late parcels: paid, not shipped past the shop's processing days and the grace."""

from __future__ import annotations

from flask import current_app, render_template

from marketplace.accounts.access import curator_required
from marketplace.curation.views import bp
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.orders.cancel_presenters import late_rows
from marketplace.orders.lateness import list_late_parts
from marketplace.types import utcnow


@bp.get("/late")
@curator_required
def late_parcels():
    grace = current_app.config.get("LATE_GRACE_DAYS", 2)
    parts = list_late_parts(db.session, now=utcnow(), grace_days=grace)
    return render_template("curation/late.html", rows=late_rows(parts, current_language()), grace=grace)
