"""Curators' list of late parcels: paid, not shipped past the shop's processing days and the grace."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for

from marketplace import params
from marketplace.accounts.access import curator_required
from marketplace.curation.views import bp
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.orders.cancel_presenters import late_rows
from marketplace.orders.lateness import page_late_parts
from marketplace.types import utcnow
from marketplace.views_support import page_count, page_links

#: Late parcels a page (issue 16: hundreds at a million order lines).
PAGE_SIZE = 50


@bp.get("/late")
@curator_required
def late_parcels():
    grace = current_app.config.get("LATE_GRACE_DAYS", 2)
    page = params.find_id(request.args.get("page")) or 1
    parts, total = page_late_parts(
        db.session, now=utcnow(), grace_days=grace, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    pages = page_count(total, PAGE_SIZE)
    if page > pages:  # past the end (parcels shipped meanwhile): the last page
        page = pages
        parts, total = page_late_parts(
            db.session, now=utcnow(), grace_days=grace, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
    return render_template(
        "curation/late.html",
        rows=late_rows(parts, current_language()),
        grace=grace,
        pagination=page_links(page, pages, lambda number: url_for("curation.late_parcels", page=number)),
    )
