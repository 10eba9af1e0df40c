"""Curator review of shop profile changes under /curator/shop-profiles (rules: shop_profiles.py).

Routes are registered on the curation blueprint (marketplace/curation/views.py imports this module).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import curator_required
from marketplace.curation import profile_presenters as presenters
from marketplace.curation import shop_profiles as services
from marketplace.curation.forms import DecisionForm
from marketplace.curation.views import bp
from marketplace.errors import Conflict, InvalidInput
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.media import get_storage
from marketplace.seller import common as seller_common
from marketplace.seller.models import Seller
from marketplace.types import utcnow
from marketplace.views_support import domain_errors


@bp.get("/shop-profiles")
@curator_required
def shop_profiles():
    lang = current_language()
    rows = [presenters.profile_queue_row(item, lang) for item in services.list_profile_queue(db.session)]
    return render_template("curation/shop_profiles.html", rows=rows)


def _render_review(seller_id: int, *, error: str = "", note: str = "", status: int = 200):
    review = services.get_profile_review(db.session, seller_id)
    return (
        render_template(
            "curation/shop_profile_review.html",
            review=presenters.profile_review_view(review, current_language()),
            error=error,
            note=note,
        ),
        status,
    )


@bp.get("/shop-profiles/<int:seller_id>")
@curator_required
def shop_profile_review(seller_id: int):
    return _render_review(seller_id)


@bp.post("/shop-profiles/<int:seller_id>/decision")
@curator_required
def decide_shop_profile(seller_id: int):
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        abort(400)
    approve = decision == "approve"
    seller = db.session.get(Seller, seller_id)
    if seller is None:
        abort(404)
    name = seller.name
    with domain_errors() as outcome:
        result = services.decide_profile(
            db.session,
            seller=seller,
            approve=approve,
            curator=current_user,
            note=form.note.data or "",
            now=utcnow(),
            version=(form.version.data or "").strip()[:40],
        )
    if isinstance(outcome.error, Conflict):
        flash(outcome.error.message, "error")
        return redirect(url_for("curation.shop_profile_review", seller_id=seller_id), code=303)
    if not outcome.ok:
        error = outcome.error
        message = (
            error.errors.get("note", error.message) if isinstance(error, InvalidInput) else error.message
        )
        return _render_review(seller_id, error=message, note=form.note.data or "", status=400)
    db.session.commit()
    if result.files:
        seller_common.delete_files(get_storage(current_app), result.files)
    if not result.done:
        flash(
            _("The profile changes of %(name)s were already decided: nothing changed.", name=name), "warning"
        )
    elif approve:
        flash(_("The profile changes of %(name)s are live. The shop has been emailed.", name=name), "success")
    else:
        flash(
            _(
                "The profile changes of %(name)s are not approved. The shop has been emailed your reason.",
                name=name,
            ),
            "success",
        )
    return redirect(url_for("curation.shop_profiles"), code=303)
