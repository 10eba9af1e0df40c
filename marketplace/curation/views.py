"""HTTP views of the curation domain: the console's overview and confirming bank transfers.

Other domains add their own curator pages under /curator/ (labels, monitoring, payouts…); they
extend templates/curation/_layout.html, which shows the console menu with the waiting counts.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import curator_required
from marketplace.audit.services import record_action
from marketplace.curation import services
from marketplace.curation.console import console_menu
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.money import Money
from marketplace.orders import services as orders
from marketplace.timezones import jakarta_time
from marketplace.types import utcnow

bp = Blueprint("curation", __name__, url_prefix="/curator")


@bp.app_context_processor
def curator_console():
    # Only curator pages pay for the counts query; everything else gets no menu.
    if request.path.startswith("/curator") and getattr(current_user, "is_curator", False):
        return {"curator_menu": console_menu(db.session)}
    return {"curator_menu": None}


@bp.get("/")
@curator_required
def overview():
    return render_template("curation/overview.html")


@bp.get("/transfers")
@curator_required
def transfers():
    lang = current_language()
    query = request.args.get("q", "").strip()[:60]
    rows = [
        {
            "number": order.number,
            "email": order.email,
            "total": Money(order.total_minor, order.currency).format(lang),
            "created": jakarta_time(order.created_at, lang),
            "due": jakarta_time(order.payment_due_at, lang),
            "overdue": order.payment_due_at < utcnow(),
        }
        for order in services.list_awaiting_transfers(db.session, query=query)
    ]
    return render_template("curation/transfers.html", transfers=rows, query=query)


@bp.post("/transfers/<number>/received")
@curator_required
def mark_received(number: str):
    order = orders.get_order(db.session, number)
    label = f"curator {current_user.email}"
    if orders.mark_order_paid(db.session, order, actor_id=current_user.id, actor_label=label, now=utcnow()):
        record_action(
            db.session,
            actor=current_user,
            action="transfer.confirm",
            target_type="order",
            target_id=order.id,
            target_label=order.number,
            before={"status": "awaiting_payment"},
            after={"status": "paid", "amount_minor": order.total_minor, "currency": order.currency},
        )
        flash(_("Order %(number)s is marked paid.", number=number), "success")
    else:
        flash(_("Order %(number)s was not awaiting payment: nothing changed.", number=number), "warning")
    db.session.commit()
    return redirect(url_for("curation.transfers", q=request.form.get("q") or None), code=303)


from marketplace.curation import featured_views, late_views, queue_views  # noqa: E402,F401  (register their routes)
