"""Product questions over HTTP: a buyer asks (/products/<id>/questions), the shop answers
(/seller/questions), anyone logged in reports, curators hide (/curator/questions).

The product page (storefront) shows the answered questions and the ask form; asking from there
posts here, and a refused question comes back on this page's form with its message.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.access import curator_required, seller_area, user_seller_ids
from marketplace.accounts.redirects import safe_next_url
from marketplace.errors import Conflict, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.i18n import current_language, localized
from marketplace.questions import presenters, services
from marketplace.questions.forms import ActionForm, AnswerForm, AskForm, EditAnswerForm, HideForm, ReportForm
from marketplace.types import utcnow
from marketplace.views_support import domain_errors

bp = Blueprint("questions", __name__)


def _public_product(product_id: int):
    try:
        return services.get_public_product(db.session, product_id)
    except NotFound:
        abort(404)


def _product_url(product) -> str:
    return url_for("storefront.product", product_id=product.id, slug=product.slug)


# --- buyers ----------------------------------------------------------------------------------


@bp.route("/products/<int:product_id>/questions", methods=["GET", "POST"])
@login_required
def ask(product_id: int):
    product = _public_product(product_id)
    form = AskForm()
    if form.validate_on_submit():
        with domain_errors(form) as outcome:
            services.ask_question(
                db.session,
                product,
                asker=current_user,
                body=form.body.data or "",
                lang=current_language(),
                asker_seller_ids=user_seller_ids(db.session, current_user),
                now=utcnow(),
            )
            db.session.commit()
        if outcome.ok:
            flash(_("Your question is sent to the maker. We will email you the answer."), "success")
            return redirect(_product_url(product) + "#questions", code=303)
        product = _public_product(product_id)
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "questions/ask.html",
        form=form,
        product=localized(product, "title"),
        product_url=_product_url(product),
        shop=product.seller.name,
    ), status


@bp.post("/questions/<int:question_id>/report")
@login_required
def report(question_id: int):
    form = ReportForm()
    back = safe_next_url(form.next.data) or url_for("storefront.home")
    if not form.validate():
        flash(_("The report could not be sent: the reason is too long."), "error")
        return redirect(back, code=303)
    question = services.get_question(db.session, question_id)  # NotFound → 404 (app handler)
    new = False
    try:
        with domain_errors(catch=ValidationError, flash_category="error") as outcome:
            new = services.report_question(
                db.session,
                question,
                reporter=current_user,
                reason=form.reason.data or "",
                reporter_seller_ids=user_seller_ids(db.session, current_user),
                now=utcnow(),
            )
            db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same account's report sent twice at once: one counts
    if outcome.ok:
        flash(
            _("Thank you. A curator will look at it.") if new else _("You have reported this already."),
            "success",
        )
    return redirect(back, code=303)


# --- the shop --------------------------------------------------------------------------------


def _render_seller(
    forms: dict[int, AnswerForm] | None = None,
    edits: dict[int, EditAnswerForm] | None = None,
    status: int = 200,
):
    lang = current_language()
    waiting, answered = services.list_seller_questions(db.session, g.seller_ids)
    forms = forms or {}
    edits = edits or {}
    return render_template(
        "questions/seller.html",
        waiting=[
            {
                **presenters.seller_row(q, lang),
                "form": forms.get(q.id) or AnswerForm(formdata=None, prefix=f"q{q.id}"),
            }
            for q in waiting
        ],
        answered=[
            {**presenters.seller_row(q, lang), "edit": edits.get(q.id) or _edit_form(q)} for q in answered
        ],
        back=url_for("questions.seller_questions"),
    ), status


def _edit_form(question, formdata=None) -> EditAnswerForm:
    """The correction form of an answered question, filled with its answer as it is now."""
    return EditAnswerForm(
        formdata=formdata, prefix=f"e{question.id}", answer=question.answer, previous=question.answer
    )


@bp.get("/seller/questions")
@seller_area
def seller_questions():
    return _render_seller()


@bp.post("/seller/questions/<int:question_id>/answer")
@seller_area
def answer(question_id: int):
    form = AnswerForm(prefix=f"q{question_id}")
    if form.validate():
        with domain_errors(form, catch=(ValidationError, Conflict)) as outcome:
            services.answer_question(
                db.session,
                question_id,
                seller_ids=g.seller_ids,
                author=current_user,
                answer=form.answer.data or "",
                now=utcnow(),
            )
            db.session.commit()
        if outcome.ok:
            flash(_("Your answer is on the product page, and the buyer is emailed."), "success")
            return redirect(url_for("questions.seller_questions"), code=303)
        if isinstance(outcome.error, Conflict):
            flash(outcome.message, "info")
            return redirect(url_for("questions.seller_questions"), code=303)
    return _render_seller({question_id: form}, status=400)


@bp.post("/seller/questions/<int:question_id>/answer/edit")
@seller_area
def edit_answer(question_id: int):
    form = EditAnswerForm(prefix=f"e{question_id}")
    if form.validate():
        with domain_errors(form, catch=(ValidationError, Conflict)) as outcome:
            edited = services.edit_answer(
                db.session,
                question_id,
                seller_ids=g.seller_ids,
                answer=form.answer.data or "",
                previous=form.previous.data or "",
                now=utcnow(),
            )
            db.session.commit()
        if outcome.ok:
            if edited is None:
                flash(_("The answer is unchanged."), "info")
            else:
                flash(
                    _(
                        "Your corrected answer is on the product page, marked as edited, "
                        "and the buyer is emailed."
                    ),
                    "success",
                )
            return redirect(url_for("questions.seller_questions") + f"#answer-{question_id}", code=303)
        if isinstance(outcome.error, Conflict):
            # The answer as it is now, with the message: the shop corrects that, not its stale copy.
            current = services.get_question(db.session, question_id)
            fresh = _edit_form(current)
            fresh.answer.errors = [outcome.message]
            return _render_seller(edits={question_id: fresh}, status=409)
    return _render_seller(edits={question_id: form}, status=400)


# --- curators --------------------------------------------------------------------------------


def _render_curator(forms: dict[int, HideForm] | None = None, status: int = 200):
    lang = current_language()
    reported = services.list_reported(db.session)
    reasons = services.report_reasons(db.session, [q.id for q in reported])
    forms = forms or {}
    return render_template(
        "questions/curator.html",
        rows=[
            {
                **presenters.curator_row(q, reasons.get(q.id, []), lang),
                "form": forms.get(q.id) or HideForm(formdata=None, prefix=f"q{q.id}"),
            }
            for q in reported
        ],
    ), status


@bp.get("/curator/questions")
@curator_required
def curator_questions():
    return _render_curator()


@bp.post("/curator/questions/<int:question_id>/hide")
@curator_required
def hide(question_id: int):
    form = HideForm(prefix=f"q{question_id}")
    if form.validate():
        with domain_errors(form, catch=(ValidationError, Conflict)) as outcome:
            services.hide_question(
                db.session, question_id, curator=current_user, reason=form.reason.data or "", now=utcnow()
            )
            db.session.commit()
        if outcome.ok:
            flash(_("The question is hidden and the asker is told why."), "success")
            return redirect(url_for("questions.curator_questions"), code=303)
        if isinstance(outcome.error, Conflict):
            flash(outcome.message, "info")
            return redirect(url_for("questions.curator_questions"), code=303)
    return _render_curator({question_id: form}, status=400)


@bp.post("/curator/questions/<int:question_id>/keep")
@curator_required
def keep(question_id: int):
    if not ActionForm().validate():
        abort(400)
    services.keep_question(db.session, question_id, curator=current_user, now=utcnow())
    db.session.commit()
    flash(_("The question stays on the product page; its reports are closed."), "success")
    return redirect(url_for("questions.curator_questions"), code=303)
