"""Naik kelas pages: the seller's scorecard, and the curators' sellers-by-level list and editor."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import params
from marketplace.accounts.access import curator_required, seller_area
from marketplace.extensions import db
from marketplace.i18n import current_language, localized
from marketplace.naikkelas import presenters, services
from marketplace.naikkelas.forms import ActionForm, CriterionForm, LevelForm, ThresholdForm
from marketplace.seller.models import Seller, SellerStatus
from marketplace.spreadsheets import BOM, csv_style, safe_cell
from marketplace.types import utcnow
from marketplace.views_support import domain_errors

bp = Blueprint("naikkelas", __name__)


@bp.get("/seller/naik-kelas")
@seller_area
def scorecard():
    lang = current_language()
    sellers = list(
        db.session.scalars(sa.select(Seller).where(Seller.id.in_(g.seller_ids)).order_by(Seller.id))
    )
    cards = services.scorecards(db.session, seller_ids=g.seller_ids, now=utcnow())
    views = [presenters.scorecard_view(s, cards[s.id], lang) for s in sellers]
    return render_template("naikkelas/scorecard.html", cards=views)


# ---------------------------------------------------------------------------------------------
# Curators
# ---------------------------------------------------------------------------------------------


def _sellers_by_level(lang: str):
    levels = services.list_levels(db.session)
    sellers = list(
        db.session.scalars(
            sa.select(Seller).where(Seller.status == SellerStatus.APPROVED).order_by(Seller.name, Seller.id)
        )
    )
    metrics = services.compute_metrics(db.session, seller_ids=None, now=utcnow())
    cards = {s.id: services.evaluate(s.id, levels, metrics[s.id]) for s in sellers}
    return levels, sellers, metrics, cards


def _render_levels(errors: dict[str, str] | None = None, status: int = 200, forms: dict | None = None):
    lang = current_language()
    levels, sellers, _metrics, cards = _sellers_by_level(lang)
    counts: dict[int | None, int] = {}
    for card in cards.values():
        key = card.level.id if card.level else None
        counts[key] = counts.get(key, 0) + 1
    metric_choices = [(code, str(m.label)) for code, m in services.METRICS.items()]
    forms = forms or {}
    level_form = forms.get("level") or LevelForm(formdata=None)
    return render_template(
        "naikkelas/levels.html",
        summary=[{"name": presenters.level_name(None, lang), "count": counts.get(None, 0)}]
        + [{"name": localized(level, "name", lang), "count": counts.get(level.id, 0)} for level in levels],
        sellers=[
            {
                "name": s.name,
                "url": url_for("mentoring.seller_log", seller_id=s.id),
                "shop_url": url_for("storefront.seller", slug=s.slug),
                "level": presenters.level_name(cards[s.id].level, lang),
                "next_steps": len(cards[s.id].next_steps),
            }
            for s in sellers
        ],
        levels=[
            {
                "id": level.id,
                "code": level.code,
                "position": level.position,
                "name": localized(level, "name", lang),
                "criteria": [
                    {
                        "id": c.id,
                        "name": localized(c, "name", lang),
                        "metric": str(services.METRICS[c.metric].label)
                        if c.metric in services.METRICS
                        else c.metric,
                        "threshold": presenters.format_target(c.metric, c.threshold),
                        "threshold_value": format(c.threshold.normalize(), "f"),
                        "error": (errors or {}).get(f"criterion-{c.id}", ""),
                    }
                    for c in sorted(level.criteria, key=lambda c: (c.position, c.id))
                ],
                "add_error": (errors or {}).get(f"level-{level.id}", ""),
            }
            for level in levels
        ],
        metric_choices=metric_choices,
        level_form=level_form,
        level_error=(errors or {}).get("level", ""),
        action_form=ActionForm(formdata=None),
        threshold_form=ThresholdForm(formdata=None),
        criterion_form=CriterionForm(formdata=None),
    ), status


@bp.get("/curator/naik-kelas")
@curator_required
def levels():
    return _render_levels()


@bp.get("/curator/naik-kelas/sellers.csv")
@curator_required
def sellers_csv():
    """Every approved shop's level and measures, for a spreadsheet in the reader's language:
    named columns (percentages marked "%"), ";" and "87,5" in Indonesian, UTF-8 with a BOM."""
    lang = current_language()
    style = csv_style(lang)
    _levels, sellers, metrics, cards = _sellers_by_level(lang)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=style.delimiter, lineterminator="\r\n")
    codes = list(services.METRICS)
    writer.writerow(
        [_("Shop id"), _("Shop"), _("Level code"), _("Level")]
        + [presenters.metric_header(code) for code in codes]
    )
    for s in sellers:
        level = cards[s.id].level
        values = metrics[s.id]
        writer.writerow(
            [
                s.id,
                safe_cell(s.name),
                level.code if level else "",
                safe_cell(presenters.level_name(level, lang)),
            ]
            + [style.number(values[c]) for c in codes]
        )
    return Response(
        (BOM + out.getvalue()).encode("utf-8"),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="naik-kelas.csv"',
            "Cache-Control": "no-store",
        },
    )


def _done(message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("naikkelas.levels"), code=303)


@bp.post("/curator/naik-kelas/levels")
@curator_required
def add_level():
    form = LevelForm()
    if not form.validate_on_submit():
        abort(400)
    position = (form.position.data or "").strip()
    with domain_errors() as outcome:
        services.add_level(
            db.session,
            code=form.code.data or "",
            position=params.find_int(position, low=0, high=99_999),
            name_id=form.name_id.data or "",
            name_en=form.name_en.data or "",
            description_id=form.description_id.data or "",
            description_en=form.description_en.data or "",
            actor=current_user,
        )
    if not outcome.ok:
        return _render_levels({"level": outcome.message}, 400, forms={"level": form})
    return _done(_("Level added."))


@bp.post("/curator/naik-kelas/levels/<int:level_id>/remove")
@curator_required
def remove_level(level_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    services.remove_level(db.session, level=services.get_level(db.session, level_id), actor=current_user)
    return _done(_("Level removed."))


@bp.post("/curator/naik-kelas/levels/<int:level_id>/criteria")
@curator_required
def add_criterion(level_id: int):
    form = CriterionForm()
    if not form.validate_on_submit():
        abort(400)
    level = services.get_level(db.session, level_id)
    with domain_errors() as outcome:
        services.add_criterion(
            db.session,
            level=level,
            metric=form.metric.data or "",
            threshold=form.threshold.data or "",
            name_id=form.name_id.data or "",
            name_en=form.name_en.data or "",
            hint_id=form.hint_id.data or "",
            hint_en=form.hint_en.data or "",
            actor=current_user,
        )
    if not outcome.ok:
        return _render_levels({f"level-{level_id}": outcome.message}, 400)
    return _done(_("Target added."))


@bp.post("/curator/naik-kelas/criteria/<int:criterion_id>")
@curator_required
def change_threshold(criterion_id: int):
    form = ThresholdForm()
    if not form.validate_on_submit():
        abort(400)
    criterion = services.get_criterion(db.session, criterion_id)
    with domain_errors() as outcome:
        changed = services.change_threshold(
            db.session, criterion=criterion, threshold=form.threshold.data or "", actor=current_user
        )
    if not outcome.ok:
        return _render_levels({f"criterion-{criterion_id}": outcome.message}, 400)
    return _done(_("Target changed.") if changed else _("Nothing changed."))


@bp.post("/curator/naik-kelas/criteria/<int:criterion_id>/remove")
@curator_required
def remove_criterion(criterion_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    services.remove_criterion(
        db.session, criterion=services.get_criterion(db.session, criterion_id), actor=current_user
    )
    return _done(_("Target removed."))
