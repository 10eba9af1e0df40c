"""The mentoring log under /curator/: recent notes, who needs a visit, one seller's log and form."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import params
from marketplace.accounts.access import curator_required
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.mentoring import presenters, services
from marketplace.mentoring.forms import MentoringNoteForm
from marketplace.timezones import jakarta_date
from marketplace.types import utcnow
from marketplace.views_support import domain_errors

bp = Blueprint("mentoring", __name__)


@bp.get("/curator/mentoring")
@curator_required
def index():
    lang = current_language()
    today = jakarta_date(utcnow())
    village = None
    village_slug = request.args.get("village", "").strip()
    if village_slug:
        village = services.find_village(db.session, village_slug[:140])
        if village is None:
            abort(404)
    seller = None
    raw_seller = request.args.get("seller", "").strip()
    if raw_seller:
        seller_id = params.find_id(raw_seller)
        if seller_id is None:
            abort(404)
        seller = services.get_seller(db.session, seller_id)
    village_id = village.id if village else None
    notes = services.list_notes(db.session, village_id=village_id, seller_id=seller.id if seller else None)
    due = services.sellers_needing_visit(db.session, today=today, village_id=village_id)
    follow_ups = services.follow_ups_due(db.session, today=today, village_id=village_id)
    villages = [
        {"slug": v.slug, "name": v.name, "selected": village is not None and v.id == village.id}
        for v in services.list_villages(db.session)
    ]
    return render_template(
        "mentoring/index.html",
        notes=[presenters.present_note(note, lang=lang) for note in notes],
        due=[presenters.present_visit_due(row, lang=lang) for row in due],
        follow_ups=[presenters.present_follow_up(row, today=today, lang=lang) for row in follow_ups],
        follow_up_days=services.FOLLOW_UP_WITHIN_DAYS,
        villages=villages,
        village=village,
        seller=seller,
        interval=services.VISIT_INTERVAL_DAYS,
        monitoring_url=url_for("monitoring.dashboard", village=village.slug if village else None),
    )


@bp.route("/curator/sellers/<int:seller_id>/mentoring", methods=["GET", "POST"])
@curator_required
def seller_log(seller_id: int):
    lang = current_language()
    seller = services.get_seller(db.session, seller_id)
    today = jakarta_date(utcnow())
    form = MentoringNoteForm()
    if request.method == "GET":
        form.visited_on.data = today
    if form.validate_on_submit():
        with domain_errors(form, catch=ValidationError) as outcome:
            services.add_note(
                db.session,
                seller=seller,
                author=current_user,
                kind=form.kind.data,
                visited_on=form.visited_on.data,
                body=form.body.data,
                follow_up_on=form.follow_up_on.data,
                today=today,
            )
        if not outcome.ok:
            seller = services.get_seller(db.session, seller_id)
        else:
            db.session.commit()
            flash(_("The note is saved in %(seller)s's mentoring log.", seller=seller.name), "success")
            return redirect(url_for("mentoring.seller_log", seller_id=seller_id), code=303)
    elif form.is_submitted():
        # The form's own checks stopped it: name what the log would refuse too (a future day
        # beside an empty text), each field keeping its own message first.
        problems = services.note_problems(
            kind=form.kind.data,
            visited_on=form.visited_on.data,
            body=form.body.data,
            follow_up_on=form.follow_up_on.data,
            today=today,
        )
        for name, problem in problems.items():
            field = getattr(form, name)
            if not field.errors:
                field.errors = [problem]
    # cycle: naikkelas sits above mentoring (layering mentoring < naikkelas) and places sellers
    # on its levels; the log shows the seller's standing so the visit can work on what is missing.
    from marketplace.naikkelas.presenters import seller_standing

    status = 400 if form.errors or form.form_errors else 200
    notes = services.list_notes(db.session, seller_id=seller.id, limit=200)
    return (
        render_template(
            "mentoring/seller.html",
            form=form,
            seller=seller,
            notes=[presenters.present_note(note, lang=lang) for note in notes],
            village_url=url_for("mentoring.index", village=seller.village.slug),
            monitoring_url=url_for("monitoring.dashboard", village=seller.village.slug),
            standing=seller_standing(db.session, seller.id, lang, utcnow()),
        ),
        status,
    )
