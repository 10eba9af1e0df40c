"""The buyer's side of a bank transfer: the panel on the order page, "I have transferred", the receipt.

Routes are registered on the payments blueprint (marketplace/payments/views.py imports this module).
A guest acts through the order's signed link: its token travels in the form and the receipt URL.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request
from flask_babel import gettext as _

from marketplace.contact import office_contact
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.media import get_storage
from marketplace.media.images import upload_limits
from marketplace.media.storage import InvalidKey
from marketplace.orders.models import Order, OrderStatus, PaymentMethod
from marketplace.payments import transfers
from marketplace.payments.forms import TransferClaimForm
from marketplace.payments.presenters import present_bank_transfer
from marketplace.payments.receipts import receipt_response
from marketplace.payments.views import _order_for_visitor, _order_page, bp
from marketplace.types import utcnow
from marketplace.views_support import domain_errors


def _panel(order: Order, token: str | None, form: TransferClaimForm | None = None) -> dict:
    claim = transfers.find_claim(db.session, order.id)
    panel = present_bank_transfer(order, claim, lang=current_language(), now=utcnow(), token=token)
    if form is not None:
        panel["form"] = form
    return panel


@bp.app_context_processor
def bank_transfer_context():
    """`bank_transfer_panel(number, token)` for templates/payments/_bank_transfer.html, included
    by the order page (orders sits below payments, so its view cannot build this itself)."""

    def bank_transfer_panel(number: str, token: str | None = None) -> dict | None:
        order = _order_for_visitor(number, token)
        if order.payment_method != PaymentMethod.BANK_TRANSFER:
            return None
        return _panel(order, token)

    return {"bank_transfer_panel": bank_transfer_panel}


def _not_waiting(order: Order) -> str | None:
    """What to tell a buyer whose "I have transferred" (a stale tab, an old page) comes after the
    order stopped waiting for a transfer: what happened to it, in one message (None: it waits)."""
    if order.payment_method != PaymentMethod.BANK_TRANSFER or order.status == OrderStatus.AWAITING_PAYMENT:
        return None
    if order.status == OrderStatus.CANCELLED:
        office = office_contact(current_app.config)["email"]
        if office:
            return _(
                "Order %(number)s was cancelled, so it no longer waits for a transfer. If you have "
                "already transferred the money, write to the district office at %(email)s with the "
                "order number and it is sent back to you.",
                number=order.number,
                email=office,
            )
        return _(
            "Order %(number)s was cancelled, so it no longer waits for a transfer. If you have "
            "already transferred the money, tell the district office the order number and it is "
            "sent back to you.",
            number=order.number,
        )
    if order.status == OrderStatus.REFUNDED:
        return _("Order %(number)s was refunded: there is nothing to transfer for it.", number=order.number)
    return _(
        "Order %(number)s is already paid: we received your transfer, there is nothing more to do.",
        number=order.number,
    )


def _to_order_page(order: Order, message: str):
    """Say once what happened and go on to the order page, where its state and history are."""
    flash(message, "warning" if order.status == OrderStatus.CANCELLED else "info")
    return redirect(_order_page(order), 303)


def _render_claim_page(order: Order, token: str | None, form: TransferClaimForm, status: int = 200):
    return (
        render_template(
            "payments/transfer_claim.html",
            panel=_panel(order, token, form),
            order_url=_order_page(order),
            awaiting=order.status == OrderStatus.AWAITING_PAYMENT,
        ),
        status,
        {"Cache-Control": "no-store"},
    )


@bp.get("/transfer/<number>")
def transfer_claim_page(number: str):
    """The "I have transferred" form on a page of its own (the order page shows the same panel)."""
    token = request.args.get("token")
    order = _order_for_visitor(number, token)
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        return redirect(_order_page(order), 303)
    done = _not_waiting(order)
    if done:
        return _to_order_page(order, done)
    claim = transfers.find_claim(db.session, order.id)
    form = TransferClaimForm(
        formdata=None,
        data={
            "sender_name": claim.sender_name if claim else "",
            "sender_bank": claim.sender_bank if claim else "",
            "token": token or "",
        },
    )
    return _render_claim_page(order, token, form)


@bp.post("/transfer/<number>")
def transfer_claim(number: str):
    """Record (or update) "I have transferred"; the order goes to the top of the curators' queue."""
    form = TransferClaimForm()
    token = form.token.data or None
    order = _order_for_visitor(number, token)
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        return redirect(_order_page(order), 303)
    done = _not_waiting(order)
    if done:  # cancelled or paid since this tab was opened: nothing to correct in the form
        return _to_order_page(order, done)
    if not form.validate_on_submit():
        return _render_claim_page(order, token, form, status=400)
    limits = upload_limits(current_app.config)
    upload = request.files.get("receipt")
    # Read one byte past the cap: enough to know the file is too large, never more.
    data = upload.read(limits["max_bytes"] + 1) if upload else b""
    storage = get_storage(current_app)
    with domain_errors(form) as outcome:
        result = transfers.claim_transfer(
            db.session,
            storage,
            order,
            sender_name=form.sender_name.data or "",
            sender_bank=form.sender_bank.data or "",
            receipt=data or None,
            now=utcnow(),
            **limits,
        )
        try:
            db.session.commit()
        except BaseException:
            if result.stored_key:
                _delete_quietly(storage, result.stored_key)
            raise
    if not outcome.ok:
        order = _order_for_visitor(number, token)
        done = _not_waiting(order)
        if done:  # it stopped waiting while this request ran (the expiry job, a curator, a tab)
            return _to_order_page(order, done)
        return _render_claim_page(order, token, form, status=400)
    if result.replaced_key:
        _delete_quietly(storage, result.replaced_key)
    flash(_("Thank you. A curator will check the transfer and confirm your order soon."), "success")
    return redirect(_order_page(order), 303)


def _delete_quietly(storage, key: str) -> None:
    try:
        storage.delete(key)
    except (OSError, InvalidKey):
        pass  # an orphan private file with a random name is harmless


@bp.get("/transfer/<number>/receipt")
def transfer_receipt(number: str):
    """The buyer's own receipt photo (their account, or the guest link's token)."""
    order = _order_for_visitor(number, request.args.get("token"))
    return receipt_response(transfers.find_claim(db.session, order.id), order_number=order.number)
