"""The curators' bank-transfer queue at /curator/transfers: confirm with the bank reference, undo
within a day, see the buyer's "I have transferred" and their receipt.

Routes are registered on the curation blueprint (marketplace/curation/views.py imports this module).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import curator_required
from marketplace.curation import services
from marketplace.curation.views import bp
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.money import Money
from marketplace.orders import services as orders
from marketplace.payments import transfers as bank_transfers
from marketplace.payments.receipts import receipt_response
from marketplace.timezones import jakarta_time
from marketplace.types import utcnow


def _awaiting_row(order, claim, lang: str, now) -> dict:
    return {
        "number": order.number,
        "email": order.email,
        "total": Money(order.total_minor, order.currency).format(lang),
        "created": jakarta_time(order.created_at, lang),
        "due": jakarta_time(order.payment_due_at, lang),
        "overdue": order.payment_due_at < now,
        "claimed": claim is not None,
        "claimed_at": jakarta_time(claim.updated_at, lang) if claim else "",
        "sender": " · ".join(p for p in (claim.sender_name, claim.sender_bank) if p) if claim else "",
        "receipt_url": url_for("curation.transfer_receipt", number=order.number)
        if claim is not None and claim.receipt_key
        else None,
        "received_url": url_for("curation.mark_received", number=order.number),
        "error": "",
        "reference": "",
    }


def _confirmed_row(order, payment, lang: str) -> dict:
    return {
        "number": order.number,
        "total": Money(order.total_minor, order.currency).format(lang),
        "paid": jakarta_time(order.paid_at, lang),
        "reference": payment.bank_reference if payment is not None else "",
        "undo_until": jakarta_time(bank_transfers.undo_deadline(order), lang),
        "undo_url": url_for("curation.undo_received", number=order.number),
    }


def _render(query: str, *, errors: dict | None = None, typed: dict | None = None, status: int = 200):
    lang = current_language()
    now = utcnow()
    rows = [
        _awaiting_row(order, claim, lang, now)
        for order, claim in services.list_awaiting_transfers(db.session, query=query)
    ]
    errors = errors or {}
    for row in rows:
        row["error"] = errors.get(row["number"], "")
        row["reference"] = (typed or {}).get(row["number"], "")
    # A refused confirmation is named at the top of the page too, linked to its reference field.
    listed = {row["number"] for row in rows}
    refused = [
        {"id": f"reference-{number}", "label": f"{number} · {_('Bank reference')}", "message": message}
        if number in listed
        else {"message": f"{number}: {message}"}
        for number, message in errors.items()
    ]
    recent = services.list_recent_confirmations(db.session, now=now)
    payments = bank_transfers.find_bank_payments(db.session, [order.id for order in recent])
    confirmed = [_confirmed_row(order, payments.get(order.id), lang) for order in recent]
    return (
        render_template(
            "curation/transfers.html", transfers=rows, confirmed=confirmed, query=query, refused=refused
        ),
        status,
    )


def _back(query: str | None):
    return redirect(url_for("curation.transfers", q=query or None), code=303)


@bp.get("/transfers")
@curator_required
def transfers():
    return _render(request.args.get("q", "").strip()[:60])


@bp.post("/transfers/<number>/received")
@curator_required
def mark_received(number: str):
    """Mark a transfer received; the bank reference is required. Two curators at once: one wins."""
    order = orders.get_order(db.session, number)
    query = (request.form.get("q") or "").strip()[:60]
    reference = request.form.get("reference", "")
    try:
        confirmed = bank_transfers.confirm_bank_transfer(
            db.session, order, reference=reference, actor=current_user, now=utcnow()
        )
    except DomainError as error:
        db.session.rollback()
        return _render(query, errors={number: error.message}, typed={number: reference[:120]}, status=400)
    db.session.commit()
    if confirmed:
        flash(_("Order %(number)s is marked paid.", number=number), "success")
    else:
        flash(_("Order %(number)s was not awaiting payment: nothing changed.", number=number), "warning")
    return _back(query)


@bp.post("/transfers/<number>/undo")
@curator_required
def undo_received(number: str):
    """Undo a confirmation made less than a day ago, if nothing happened to the order since."""
    order = orders.get_order(db.session, number)
    window = timedelta(hours=int(current_app.config.get("PAYMENT_WINDOW_HOURS", 24)))
    try:
        bank_transfers.undo_bank_transfer(
            db.session, order, actor=current_user, now=utcnow(), payment_window=window
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(request.form.get("q"))
    db.session.commit()
    flash(_("Order %(number)s is awaiting payment again.", number=number), "success")
    return _back(request.form.get("q"))


@bp.get("/transfers/<number>/receipt")
@curator_required
def transfer_receipt(number: str):
    """The buyer's receipt photo (private: curators and the buyer only)."""
    order = orders.get_order(db.session, number)
    return receipt_response(bank_transfers.find_claim(db.session, order.id), order_number=order.number)
