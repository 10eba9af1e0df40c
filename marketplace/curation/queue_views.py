"""Curator review queues under /curator/: seller applications, new products and changes to products.

Routes are registered on the curation blueprint (marketplace/curation/views.py imports this module).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import curator_required
from marketplace.catalogue.models import Product
from marketplace.curation import presenters, reviews
from marketplace.curation.forms import DecisionForm
from marketplace.curation.views import bp
from marketplace.errors import Conflict, DomainError, InvalidInput
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.media import get_storage
from marketplace.params import MAX_ID
from marketplace.seller import common as seller_services
from marketplace.types import utcnow
from marketplace.views_support import domain_errors


def _check_id(value: int) -> int:
    # Ids past the column's range would make PostgreSQL fail the query: they exist nowhere.
    if not 0 < value <= MAX_ID:
        abort(404)
    return value


def _decision() -> bool:
    value = request.form.get("decision")
    if value not in ("approve", "reject"):
        abort(400)
    return value == "approve"


def _note_error(error: DomainError) -> str:
    if isinstance(error, InvalidInput):
        return error.errors.get("note", error.message)
    return error.message


# ---------------------------------------------------------------------------------------------
# Seller applications
# ---------------------------------------------------------------------------------------------


def _render_applications(
    errors: dict[int, str] | None = None, notes: dict[int, str] | None = None, status=200
):
    lang = current_language()
    rows = [presenters.application_row(item, lang) for item in reviews.list_applications(db.session)]
    for row in rows:
        row["error"] = (errors or {}).get(row["id"], "")
        row["note"] = (notes or {}).get(row["id"], "")
    return render_template("curation/applications.html", rows=rows), status


@bp.get("/applications")
@curator_required
def applications():
    return _render_applications()


@bp.post("/applications/<int:seller_id>/decision")
@curator_required
def decide_application(seller_id: int):
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    approve = _decision()
    seller = reviews.get_seller(db.session, _check_id(seller_id))
    name = seller.name
    with domain_errors() as outcome:
        done = reviews.decide_application(
            db.session,
            seller=seller,
            approve=approve,
            curator=current_user,
            note=form.note.data or "",
            now=utcnow(),
        )
    if not outcome.ok:
        return _render_applications(
            {seller_id: _note_error(outcome.error)}, {seller_id: form.note.data or ""}, 400
        )
    db.session.commit()
    if not done:
        flash(_("The application of %(name)s was already decided: nothing changed.", name=name), "warning")
    elif approve:
        flash(_("%(name)s is approved. The seller has been emailed.", name=name), "success")
    else:
        flash(_("%(name)s is not approved. The seller has been emailed your reason.", name=name), "success")
    return redirect(url_for("curation.applications"), code=303)


# ---------------------------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------------------------


@bp.get("/products")
@curator_required
def products():
    lang = current_language()
    rows = [presenters.queue_row(item, lang) for item in reviews.list_product_queue(db.session)]
    return render_template("curation/products.html", rows=rows)


def _render_review(product_id: int, *, error: str = "", note: str = "", status: int = 200):
    review = reviews.get_product_review(db.session, product_id)
    return (
        render_template(
            "curation/product_review.html",
            review=presenters.review_view(review, current_language()),
            error=error,
            note=note,
        ),
        status,
    )


@bp.get("/products/<int:product_id>")
@curator_required
def product_review(product_id: int):
    return _render_review(_check_id(product_id))


@bp.post("/products/<int:product_id>/decision")
@curator_required
def decide_product(product_id: int):
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    approve = _decision()
    revision_text = (form.revision_id.data or "").strip()
    if revision_text and not (revision_text.isdigit() and len(revision_text) <= 10):
        abort(400)
    if revision_text:
        _check_id(int(revision_text))
    product = db.session.get(Product, _check_id(product_id))
    if product is None:
        abort(404)
    title = product.title_id
    with domain_errors() as outcome:
        decision = reviews.decide_product(
            db.session,
            product=product,
            approve=approve,
            curator=current_user,
            note=form.note.data or "",
            now=utcnow(),
            revision_id=int(revision_text) if revision_text else None,
            version=(form.version.data or "").strip()[:40],
        )
    if isinstance(outcome.error, Conflict):
        flash(outcome.error.message, "error")
        return redirect(url_for("curation.product_review", product_id=product_id), code=303)
    if not outcome.ok:
        return _render_review(
            product_id, error=_note_error(outcome.error), note=form.note.data or "", status=400
        )
    db.session.commit()
    if decision.files:
        seller_services.delete_files(get_storage(current_app), decision.files)
    if not decision.done:
        flash(_("“%(title)s” was already decided: nothing changed.", title=title), "warning")
    elif approve:
        flash(_("“%(title)s” is approved. The seller has been emailed.", title=title), "success")
    else:
        flash(_("“%(title)s” is sent back. The seller has been emailed your reason.", title=title), "success")
    return redirect(url_for("curation.products"), code=303)
