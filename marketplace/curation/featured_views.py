"""Featured slots under /curator/featured: placements, the home page preview, the fairness view.

Routes are registered on the curation blueprint (marketplace/curation/views.py imports this module).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import params
from marketplace.accounts.access import curator_required
from marketplace.curation import featured as services
from marketplace.curation import presenters
from marketplace.curation.forms import FIRST_YEAR, LAST_YEAR, ActionForm, PlacementForm
from marketplace.curation.views import bp
from marketplace.errors import InvalidInput
from marketplace.extensions import db
from marketplace.i18n import current_language, localized
from marketplace.timezones import from_jakarta_local, jakarta_time, to_jakarta_local
from marketplace.types import utcnow
from marketplace.views_support import apply_error, domain_errors


def _placement_input(form: PlacementForm) -> services.PlacementInput:
    def utc(value: datetime | None):
        if value is None or not FIRST_YEAR <= value.year <= LAST_YEAR:
            return None  # the form's own message says what is wrong
        return from_jakarta_local(value)

    return services.PlacementInput(
        product=form.product.data or "",
        headline_id=form.headline_id.data or "",
        headline_en=form.headline_en.data or "",
        position=form.position.data,
        starts_at=utc(form.starts_at.data),
        ends_at=utc(form.ends_at.data),
    )


def _show_errors(form: PlacementForm, errors: dict[str, str]) -> None:
    """The service's check messages next to their fields, without doubling the form's own."""
    if errors:
        apply_error(form, InvalidInput(errors), only_if_empty=True)


def _render_list(form: PlacementForm, status: int = 200):
    lang = current_language()
    now = utcnow()
    placements = services.list_placements(db.session, now=now)
    query = request.args.get("q", "").strip()[:100]
    found = services.search_featurable(db.session, query) if query else []
    return (
        render_template(
            "curation/featured.html",
            form=form,
            current=[presenters.placement_row(p, lang, now=now) for p in placements.current],
            upcoming=[presenters.placement_row(p, lang, now=now) for p in placements.upcoming],
            past=[presenters.placement_row(p, lang, now=now) for p in placements.past],
            query=query,
            found=[presenters.search_row(p, lang) for p in found],
            action_form=ActionForm(formdata=None),
        ),
        status,
    )


@bp.get("/featured")
@curator_required
def featured():
    form = PlacementForm(formdata=None)
    product = params.find_id(request.args.get("product"))
    if product is not None:
        form.product.data = str(product)
    if form.position.data is None:
        form.position.data = 1
    return _render_list(form)


@bp.post("/featured")
@curator_required
def create_featured():
    form = PlacementForm()
    if form.validate_on_submit():
        with domain_errors(form, only_if_empty=True) as outcome:
            placement = services.create_placement(
                db.session, data=_placement_input(form), actor=current_user, now=utcnow()
            )
            db.session.commit()
        if outcome.ok:
            flash(
                _(
                    "Placement saved: “%(title)s” is featured in that window.",
                    title=localized(placement.product, "title", current_language()),
                ),
                "success",
            )
            return redirect(url_for("curation.featured"), code=303)
    else:
        _show_errors(form, services.check_placement(db.session, _placement_input(form)))
    return _render_list(form, 400)


def _render_edit(placement, form: PlacementForm, status: int = 200):
    return (
        render_template(
            "curation/featured_edit.html",
            form=form,
            placement=presenters.placement_row(placement, current_language(), now=utcnow()),
        ),
        status,
    )


@bp.route("/featured/<int:placement_id>/edit", methods=["GET", "POST"])
@curator_required
def edit_featured(placement_id: int):
    placement = services.get_placement(db.session, placement_id)
    if request.method == "GET":
        form = PlacementForm(formdata=None)
        form.product.data = str(placement.product_id)
        form.headline_id.data = placement.headline_id
        form.headline_en.data = placement.headline_en
        form.position.data = services.shown_position(placement.position)
        form.starts_at.data = to_jakarta_local(placement.starts_at)
        form.ends_at.data = to_jakarta_local(placement.ends_at)
        return _render_edit(placement, form)
    form = PlacementForm()
    if form.validate_on_submit():
        with domain_errors(form, only_if_empty=True) as outcome:
            changed = services.update_placement(
                db.session, placement=placement, data=_placement_input(form), actor=current_user, now=utcnow()
            )
            db.session.commit()
        if not outcome.ok:
            placement = services.get_placement(db.session, placement_id)
        else:
            flash(_("Placement saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("curation.featured"), code=303)
    else:
        _show_errors(form, services.check_placement(db.session, _placement_input(form)))
    return _render_edit(placement, form, 400)


@bp.post("/featured/<int:placement_id>/end")
@curator_required
def end_featured(placement_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    placement = services.get_placement(db.session, placement_id)
    if services.end_placement(db.session, placement=placement, actor=current_user):
        flash(_("The placement has ended."), "success")
    else:
        flash(_("This placement is not running: nothing changed."), "warning")
    db.session.commit()
    return redirect(url_for("curation.featured"), code=303)


@bp.post("/featured/<int:placement_id>/delete")
@curator_required
def delete_featured(placement_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    placement = services.get_placement(db.session, placement_id)
    services.delete_placement(db.session, placement=placement, actor=current_user)
    db.session.commit()
    flash(_("The placement is deleted."), "success")
    return redirect(url_for("curation.featured"), code=303)


# ---------------------------------------------------------------------------------------------
# Home page preview
# ---------------------------------------------------------------------------------------------


def _parse_local(raw: str) -> datetime | None:
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            value = datetime.strptime(raw.strip()[:19], fmt)
        except ValueError:
            continue
        return value if FIRST_YEAR <= value.year <= LAST_YEAR else None
    return None


@bp.get("/featured/preview")
@curator_required
def featured_preview():
    lang = current_language()
    raw = request.args.get("at", "")
    moment = _parse_local(raw) if raw.strip() else None
    error = (
        _("Enter a date and time, for example 2026-12-01T08:00.") if raw.strip() and moment is None else ""
    )
    at = from_jakarta_local(moment) if moment is not None else utcnow()
    # cycle: storefront imports curation (featured placements) at module level; this curator
    # page previews the public home page's cards.
    from marketplace.storefront import listings as catalogue_services
    from marketplace.storefront import presenters as catalogue_presenters

    placements = catalogue_services.list_active_featured(db.session, at)
    cards = [
        catalogue_presenters.product_card(
            p.product,
            lang,
            lazy=index >= catalogue_presenters.EAGER_CARDS,
            headline=localized(p, "headline", lang),
        )
        for index, p in enumerate(placements)
    ]
    response = Response(
        render_template(
            "curation/featured_preview.html",
            featured=cards,
            at_value=presenters.local_input(at),
            at_label=jakarta_time(at, lang),
            error=error,
        ),
        400 if error else 200,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------------
# Fairness
# ---------------------------------------------------------------------------------------------


def _parse_day(name: str) -> tuple[date | None, bool]:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None, True
    try:
        day = date.fromisoformat(raw[:10])
    except ValueError:
        return None, False
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return None, False
    return day, True


def _fairness():
    start_day, ok_start = _parse_day("from")
    end_day, ok_end = _parse_day("to")
    start, end = services.fairness_window(now=utcnow(), start_day=start_day, end_day=end_day)
    result = services.featured_fairness(db.session, start=start, end=end)
    lang = current_language()
    villages = presenters.fairness_rows(result.villages, lang, kind="village")
    clusters = presenters.fairness_rows(result.clusters, lang, kind="cluster")
    return result, villages, clusters, (ok_start and ok_end)


@bp.get("/featured/fairness")
@curator_required
def featured_fairness():
    lang = current_language()
    result, villages, clusters, ok = _fairness()
    village_chart = presenters.bar_chart(
        villages,
        title=_("Featured hours per village"),
        description=presenters.chart_description(villages, result.total_hours),
    )
    cluster_chart = presenters.bar_chart(
        clusters,
        title=_("Featured hours per cluster"),
        description=presenters.chart_description(clusters, result.total_hours),
    )
    args = {k: request.args[k] for k in ("from", "to") if request.args.get(k)}
    return render_template(
        "curation/fairness.html",
        villages=villages,
        clusters=clusters,
        village_chart=village_chart,
        cluster_chart=cluster_chart,
        total_hours=result.total_hours,
        placements=result.placements,
        window=presenters.window_text(result.start, result.end, lang),
        from_value=presenters.local_input(result.start)[:10],
        to_value=presenters.local_input(result.end - timedelta(microseconds=1))[:10],
        csv_url=url_for("curation.featured_fairness_csv", **args),
        bad_dates=not ok,
    ), (200 if ok else 400)


@bp.get("/featured/fairness.csv")
@curator_required
def featured_fairness_csv():
    result, villages, clusters, ok = _fairness()
    if not ok:
        abort(400)
    body = presenters.fairness_csv(villages, clusters)
    first = presenters.local_input(result.start)[:10]
    last = presenters.local_input(result.end - timedelta(microseconds=1))[:10]
    name = f"featured-fairness-{first}-{last}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
