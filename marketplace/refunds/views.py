"""Curator refund pages: what must go back, a search by order number, and one order's refund form."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.access import curator_required
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.orders import services as orders
from marketplace.refunds import presenters, services
from marketplace.refunds.cancel_presenters import cancelled_rows
from marketplace.refunds.cancellation import list_open_bank_requests
from marketplace.refunds.forms import RefundForm, new_token, parse_checked, parse_payment_id, parse_units
from marketplace.types import utcnow
from marketplace.views_support import domain_errors

bp = Blueprint("refunds", __name__, url_prefix="/curator")


@bp.get("/refunds")
@curator_required
def index():
    lang = current_language()
    query = request.args.get("q", "").strip()[:24]
    return render_template(
        "refunds/index.html",
        due=presenters.due_rows(services.list_refunds_due(db.session), lang),
        query=query,
        found=presenters.search_rows(services.search_orders(db.session, query), lang) if query else None,
        cancelled=cancelled_rows(list_open_bank_requests(db.session), lang),
    )


def _render(number: str, form: RefundForm | None = None, errors: list[str] | None = None, status: int = 200):
    order, payments = services.get_order_for_refund(db.session, number)
    paying = services.paying_payment(payments)
    flagged = [p for p in payments if p.needs_refund]
    pending = services.pending_minor(db.session, [p.id for p in payments])
    view = presenters.order_view(
        order,
        paying=paying,
        flagged=flagged,
        pending=pending,
        done=services.refunded_so_far(db.session, order),
        refunds=services.list_order_refunds(db.session, order),
        lang=current_language(),
    )
    if form is None:
        form = RefundForm(formdata=None)
        form.token.data = new_token()
    return render_template(
        "refunds/order.html",
        order=view,
        form=form,
        by_lines=order.status in orders.PAID_STATUSES,
        payment_token=new_token(),
        errors=errors or [],
        posted=request.form if request.method == "POST" else {},
    ), status


@bp.get("/orders/<number>/refund")
@curator_required
def order(number: str):
    return _render(number)


@bp.post("/orders/<number>/refund")
@curator_required
def create(number: str):
    form = RefundForm()
    order, _payments = services.get_order_for_refund(db.session, number)
    if not form.validate():
        messages = [m for field_errors in form.errors.values() for m in field_errors]
        return _render(number, form, messages, 400)
    try:
        with domain_errors() as outcome:
            request_data = services.RefundRequest(
                reason=form.reason.data or "",
                token=form.token.data or "",
                full=bool(form.full.data),
                quantities=parse_units(request.form, "units", [line.id for line in order.lines]),
                restock=parse_units(request.form, "back", [line.id for line in order.lines]),
                shipping=parse_checked(request.form, "shipping", [f.id for f in order.fulfilments]),
                bank_reference=form.bank_reference.data or "",
                payment_id=parse_payment_id(form.payment_id.data),
            )
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
        if services.find_refund_by_token(db.session, form.token.data or "") is None:
            raise
        created = False
    if not outcome.ok:
        status = outcome.error.status
        return _render(number, form, [outcome.message], status if status < 500 else 503)
    if created:
        flash(_("The refund of order %(number)s is recorded.", number=order.number), "success")
    else:
        flash(_("This refund was already recorded: nothing was refunded twice."), "info")
    return redirect(url_for("refunds.order", number=order.number), code=303)


from marketplace.refunds import cancel_views  # noqa: E402,F401  (registers the cancelled-part refunds)
