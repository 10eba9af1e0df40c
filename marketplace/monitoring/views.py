"""The curator's monitoring dashboard and each figure's numbers as CSV."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from marketplace.accounts.access import curator_required
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.monitoring import presenters, services
from marketplace.timezones import jakarta_date
from marketplace.types import utcnow

bp = Blueprint("monitoring", __name__)


@bp.get("/curator/monitoring")
@curator_required
def dashboard():
    lang = current_language()
    now = utcnow()
    filters, errors = services.parse_filters(db.session, request.args, today=jakarta_date(now))
    typed = request.args if errors else None
    form = presenters.present_filters(filters, services.filter_options(db.session), lang=lang, typed=typed)
    if errors:
        # Show the form with what was wrong; no figures for filters nobody asked for.
        return render_template("monitoring/dashboard.html", form=form, errors=errors, page=None), 400
    page = presenters.present_dashboard(services.dashboard(db.session, filters, now=now), filters, lang=lang)
    return render_template("monitoring/dashboard.html", form=form, errors={}, page=page)


@bp.get("/curator/monitoring/<figure>.csv")
@curator_required
def figure_csv(figure: str):
    if figure not in services.FIGURES:
        abort(404)
    now = utcnow()
    filters, errors = services.parse_filters(db.session, request.args, today=jakarta_date(now))
    if errors:
        abort(400)
    rows = services.compute_figure(db.session, figure, filters, now=now)
    body = presenters.figure_csv(figure, rows, lang=current_language())
    filename = f"{figure}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
