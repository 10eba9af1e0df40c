"""Curator refund pages: what must go back, a search by order number, and one order's refund form."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.access import curator_required
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.money import money_text
from marketplace.orders.models import PaymentMethod
from marketplace.refunds import presenters, queries, services
from marketplace.refunds.cancel_presenters import cancelled_rows
from marketplace.refunds.cancellation import list_open_transfers
from marketplace.refunds.forms import (
    RefundForm,
    new_token,
    parse_checked,
    parse_expected,
    parse_payment_id,
    parse_units,
)
from marketplace.types import utcnow
from marketplace.views_support import apply_error, domain_errors

bp = Blueprint("refunds", __name__, url_prefix="/curator")


def render_index(*, refused: dict | None = None, status: int = 200):
    """The refunds page; `refused` ({"id", "message", "value"}): a cancelled part's "transferred
    back" form the service refused, shown again with its message at the top and its typed value."""
    lang = current_language()
    query = request.args.get("q", "").strip()[:24]
    return render_template(
        "refunds/index.html",
        failed=presenters.failed_rows(queries.list_failed_card_refunds(db.session), lang),
        waiting=presenters.waiting_rows(queries.list_waiting_card_refunds(db.session), lang, now=utcnow()),
        due=_due_rows(lang),
        query=query,
        found=presenters.search_rows(queries.search_orders(db.session, query), lang) if query else None,
        cancelled=cancelled_rows(list_open_transfers(db.session), lang),
        refused=refused,
    ), status


def _due_rows(lang: str) -> list[dict]:
    due = queries.list_refunds_due(db.session)
    pending = queries.pending_minor(db.session, [payment.id for _order, payment in due if payment])
    return presenters.due_rows(due, lang, pending=pending)


@bp.get("/refunds")
@curator_required
def index():
    return render_index()


def _render(
    number: str,
    form: RefundForm | None = None,
    status: int = 200,
    preview: dict | None = None,
):
    """The order's refund page; what `form` refused is listed at its top (the shared error summary)."""
    order, payments = queries.get_order_for_refund(db.session, number)
    paying = queries.paying_payment(payments)
    flagged = [p for p in payments if p.needs_refund]
    pending = queries.pending_minor(db.session, [p.id for p in payments])
    view = presenters.order_view(
        order,
        paying=paying,
        flagged=flagged,
        pending=pending,
        bank=queries.bank_refunded_minor(db.session, [p.id for p in payments]),
        done=queries.refunded_so_far(db.session, order),
        refunds=queries.list_order_refunds(db.session, order),
        lang=current_language(),
    )
    if form is None:
        form = RefundForm(formdata=None)
        form.token.data = new_token()
    # A card payment whose refund failed at Stripe may go back by a bank transfer instead.
    bank_instead = (
        paying is not None
        and paying.method == PaymentMethod.STRIPE
        and queries.has_failed_card_refund(db.session, paying)
    )
    if request.method == "POST":
        by_bank = request.form.get("refund_method") == "bank"
    else:
        by_bank = request.args.get("by") == "bank"
    return render_template(
        "refunds/order.html",
        order=view,
        form=form,
        bank_instead=bank_instead,
        open_failure=bank_instead and bool(queries.list_failed_card_refunds(db.session, order_id=order.id)),
        by_bank=bank_instead and by_bank,
        by_lines=order.status in services.LINE_STATUSES,
        payment_token=new_token(),
        posted=request.form if request.method == "POST" else {},
        preview=preview,
    ), status


@bp.get("/orders/<number>/refund")
@curator_required
def order(number: str):
    return _render(number)


def _refund_request(order, form: RefundForm) -> services.RefundRequest:
    """The posted form as a request (ValidationError for malformed numbers)."""
    line_ids = [line.id for line in order.lines]
    parcel_ids = [f.id for f in order.fulfilments]
    return services.RefundRequest(
        reason=form.reason.data or "",
        token=form.token.data or "",
        full=bool(form.full.data),
        quantities=parse_units(request.form, "units", line_ids),
        restock=parse_units(request.form, "back", line_ids),
        came_back=parse_checked(request.form, "came-back", parcel_ids),
        shipping=parse_checked(request.form, "shipping", parcel_ids),
        bank_reference=form.bank_reference.data or "",
        payment_id=parse_payment_id(form.payment_id.data),
        expected_minor=parse_expected(form.expected_minor.data),
        by_bank=request.form.get("refund_method") == "bank",
    )


def _preview(order, form: RefundForm) -> dict:
    """{"amount", "amount_minor", "restocked"} of what the form would refund; DomainError."""
    result = services.preview_refund(db.session, order, _refund_request(order, form))
    return {
        "amount": money_text(result.amount_minor, result.currency, current_language()),
        "amount_minor": result.amount_minor,
        "restocked": result.restocked,
    }


@bp.post("/orders/<number>/refund/preview")
@curator_required
def preview(number: str):
    """The amount the refund form would refund, as JSON (static/js/refund-preview.js)."""
    form = RefundForm()
    order, _payments = queries.get_order_for_refund(db.session, number)
    if not form.validate():
        messages = [m for field_errors in form.errors.values() for m in field_errors]
        return jsonify(ok=False, message=" ".join(messages)), 400
    try:
        values = _preview(order, form)
    except DomainError as error:
        db.session.rollback()
        return jsonify(ok=False, message=str(error.message)), 400 if error.status < 500 else 503
    db.session.rollback()  # a preview writes nothing
    text = _("This refund gives back %(amount)s.", amount=values["amount"])
    if values["restocked"]:
        text += " " + ngettext(
            "%(num)d unit goes back on sale.", "%(num)d units go back on sale.", values["restocked"]
        )
    return jsonify(ok=True, text=text, confirm=_("Refund %(amount)s", amount=values["amount"]), **values)


@bp.post("/orders/<number>/refund")
@curator_required
def create(number: str):
    form = RefundForm()
    order, _payments = queries.get_order_for_refund(db.session, number)
    if not form.validate():
        return _render(number, form, status=400)  # the summary lists the fields' own messages
    if request.form.get("preview"):
        # Without JavaScript: the same form again, with the amount and a button to confirm it.
        with domain_errors(form) as outcome:
            values = _preview(order, form)
        db.session.rollback()
        if not outcome.ok:
            status = outcome.error.status
            return _render(number, form, status=status if status < 500 else 503)
        form.expected_minor.data = str(values["amount_minor"])
        return _render(number, form, preview=values)
    try:
        with domain_errors() as outcome:
            request_data = _refund_request(order, form)
            refund, created = services.create_refund(
                db.session,
                order,
                request_data,
                actor=current_user,
                now=utcnow(),
            )
            db.session.commit()
    except IntegrityError:
        # The same form submitted twice at once: the other submit recorded it.
        db.session.rollback()
        if queries.find_refund_by_token(db.session, form.token.data or "") is None:
            raise
        created = False
    if not outcome.ok:
        apply_error(form, outcome.error)  # beside the field it names, else at the top
        status = outcome.error.status
        return _render(number, form, status=status if status < 500 else 503)
    if created:
        flash(_("The refund of order %(number)s is recorded.", number=order.number), "success")
    else:
        flash(_("This refund was already recorded: nothing was refunded twice."), "info")
    return redirect(url_for("refunds.order", number=order.number), code=303)


from marketplace.refunds import cancel_views  # noqa: E402,F401  (registers the cancelled-part refunds)
