"""The buyer cancels an order or one seller's part: a confirm page, then the POST (routes on `bp`)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _

from marketplace.cart.current import request_user
from marketplace.errors import InvalidInput
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.orders import cancellation
from marketplace.orders.cancel_forms import BuyerCancelForm
from marketplace.orders.cancel_presenters import confirm_view
from marketplace.orders.views import _order_for_request, bp, order_url
from marketplace.params import find_id
from marketplace.types import utcnow
from marketplace.views_support import domain_errors


def _refund_account(form: BuyerCancelForm) -> cancellation.BankAccount:
    """The account a bank-transfer refund goes to, checked as a problem report's refund account is
    (InvalidInput naming every wrong part), so the buyer meets one rule and one set of words."""
    # cycle: refunds imports orders at module level (layering orders < refunds); the rule for a
    # buyer's refund account is the refunds domain's, and this form asks for one.
    from marketplace.refunds.accounts import check_refund_account

    account = check_refund_account(form.bank_name.data, form.account_number.data, form.account_holder.data)
    return cancellation.BankAccount(account.bank_name, account.account_number, account.account_holder)


def _part(raw: str | None) -> str:
    raw = (raw or "").strip()
    if raw == "all":
        return raw
    found = find_id(raw)
    return str(found) if found is not None else ""


def _render(order, form: BuyerCancelForm, token: str | None, status: int = 200):
    view = confirm_view(order, form.part.data or "", token=token, lang=current_language())
    if not view["found"]:
        part = form.part.data or ""
        done = cancellation.already_cancelled(order, None if part in ("", "all") else [int(part)])
        flash(done or _("Nothing left to cancel here: it may have been shipped already."), "warning")
        return redirect(order_url(order), code=303)
    return render_template("orders/cancel.html", view=view, form=form), status, {"Cache-Control": "no-store"}


@bp.get("/orders/<number>/cancel")
def cancel(number: str):
    order, token = _order_for_request(number)
    form = BuyerCancelForm(formdata=None)
    form.part.data = _part(request.args.get("part")) or "all"
    return _render(order, form, token)


@bp.post("/orders/<number>/cancel")
def cancel_post(number: str):
    order, token = _order_for_request(number)
    form = BuyerCancelForm()
    part = _part(form.part.data)
    if not part:
        abort(400)
    form.part.data = part
    if not form.validate_on_submit():
        return _render(order, form, token, status=400)
    user = request_user()
    with domain_errors(form) as outcome:
        account = None
        if cancellation.needs_bank_account(order):
            account = _refund_account(form)
        rows = cancellation.cancel_by_buyer(
            db.session,
            order,
            fulfilment_ids=None if part == "all" else [int(part)],
            reason=form.reason.data or "",
            bank_account=account,
            actor_id=user.id if user else None,
            actor_label="buyer" if user else "guest buyer",
            now=utcnow(),
        )
        db.session.commit()
    if not outcome.ok:
        order, token = _order_for_request(number)
        if isinstance(outcome.error, InvalidInput):
            return _render(order, form, token, status=400)
        # Cancelled already (from another tab): what the buyer wanted, so not an error.
        done = cancellation.already_cancelled(order, None if part == "all" else [int(part)])
        flash(outcome.message, "warning" if done else "error")
        return redirect(order_url(order), code=303)
    if rows and order.payment_method.value == "bank_transfer":
        flash(_("Cancelled. Our team transfers your money back within 3 working days."), "success")
    elif rows:
        flash(_("Cancelled. Your money goes back to your card."), "success")
    else:
        flash(_("Your order is cancelled."), "success")
    return redirect(order_url(order), code=303)
