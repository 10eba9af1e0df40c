"""Seller pages for orders to ship: the list, one order, processing, shipping, the packing slip."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from marketplace.accounts.access import seller_area
from marketplace.cases import presenters as case_presenters
from marketplace.cases import services as case_services
from marketplace.contact import phone_text
from marketplace.dashboard import fulfilments as services
from marketplace.dashboard import presenters
from marketplace.dashboard.forms import ActionForm, ShipForm
from marketplace.dashboard.views import actor_label, bp
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.orders import cancellation, lateness
from marketplace.orders.cancel_presenters import seller_cancel_view
from marketplace.refunds.parcels import parcel_refunds
from marketplace.seller.models import Seller
from marketplace.types import utcnow
from marketplace.views_support import domain_errors


@bp.get("/orders")
@seller_area
def orders():
    lang = current_language()
    parcels = services.list_fulfilments(db.session, g.seller_ids)
    refunds = parcel_refunds(db.session, [f.id for f in parcels])
    dues = _send_by(parcels)
    now = utcnow()
    rows = [
        presenters.fulfilment_row(f, lang, refunds.get(f.id), due=dues.get(f.id), now=now) for f in parcels
    ]
    # Open problem reports first, whatever the list's order: the buyer waits for an answer.
    reports = case_presenters.seller_open_cases(
        case_services.list_open_cases_for_sellers(db.session, g.seller_ids), lang
    )
    reported = {report["fulfilment_id"]: report for report in reports}
    return render_template(
        "seller/orders.html",
        rows=rows,
        sections=presenters.order_sections([{**row, "report": reported.get(row["id"])} for row in rows]),
        reports=reports,
        multi_shop=len(g.seller_ids) > 1,
    )


def _send_by(parcels) -> dict:
    """{parcel id: when it must be sent} for the paid parcels not sent yet, in one query (the day
    buyers read "The shop sends it by …": no grace days)."""
    order_ids = sorted({f.order_id for f in parcels if f.status in lateness.OPEN_STATUSES})
    dues = lateness.open_part_dues(db.session, order_ids, grace_days=0)
    return {fulfilment_id: due for fulfilment_id, (_order_id, due) in dues.items()}


def _ship_form(formdata=None) -> ShipForm:
    form = ShipForm() if formdata else ShipForm(formdata=None)
    form.courier.choices = (
        [SelectChoice("", _("Choose…"))]
        + [SelectChoice(code, name) for code, name in services.courier_choices(db.session)]
        + [SelectChoice(services.OTHER_COURIER, _("Another courier (type its name below)"))]
    )
    return form


def _render_order(fulfilment, ship_form: ShipForm, status: int = 200):
    lang = current_language()
    return render_template(
        "seller/order.html",
        parcel=presenters.fulfilment_detail(
            fulfilment, lang, parcel_refunds(db.session, [fulfilment.id]).get(fulfilment.id)
        ),
        ship_by=presenters.ship_by(_send_by([fulfilment]).get(fulfilment.id), now=utcnow(), lang=lang),
        ship_form=ship_form,
        action_form=ActionForm(formdata=None),
        parcel_cases=case_presenters.parcel_cases(
            case_services.list_cases_for_fulfilments(db.session, [fulfilment.id]), lang
        ),
        cancel=seller_cancel_view(
            fulfilment, cancellation.list_cancellations(db.session, fulfilment.order), lang
        ),
    ), status


@bp.get("/orders/<int:fulfilment_id>")
@seller_area
def order(fulfilment_id: int):
    fulfilment = services.get_seller_fulfilment(db.session, fulfilment_id, g.seller_ids)
    return _render_order(fulfilment, _ship_form())


@bp.post("/orders/<int:fulfilment_id>/processing")
@seller_area
def mark_processing(fulfilment_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    fulfilment = services.get_seller_fulfilment(db.session, fulfilment_id, g.seller_ids)
    if services.mark_processing(
        db.session,
        fulfilment=fulfilment,
        actor_id=current_user.id,
        actor_label=actor_label(fulfilment),
        now=utcnow(),
    ):
        flash(_("Marked as being prepared."), "success")
    else:
        flash(_("This parcel cannot be marked as being prepared now: nothing changed."), "warning")
    db.session.commit()
    return redirect(url_for("seller.order", fulfilment_id=fulfilment_id), code=303)


@bp.post("/orders/<int:fulfilment_id>/ship")
@seller_area
def ship(fulfilment_id: int):
    fulfilment = services.get_seller_fulfilment(db.session, fulfilment_id, g.seller_ids)
    form = _ship_form(request.form)
    if form.validate_on_submit():
        with domain_errors(form) as outcome:
            shipped = services.ship_fulfilment(
                db.session,
                fulfilment=fulfilment,
                courier=form.courier.data or "",
                courier_other=form.courier_other.data or "",
                tracking_number=form.tracking_number.data or "",
                actor_id=current_user.id,
                actor_label=actor_label(fulfilment),
                now=utcnow(),
            )
            db.session.commit()
        if not outcome.ok:
            fulfilment = services.get_seller_fulfilment(db.session, fulfilment_id, g.seller_ids)
        else:
            if shipped:
                flash(_("Marked as shipped. The buyer has been emailed the tracking number."), "success")
            else:
                flash(
                    _("This parcel is not ready to ship (not paid, or already shipped): nothing changed."),
                    "warning",
                )
            return redirect(url_for("seller.order", fulfilment_id=fulfilment_id), code=303)
    return _render_order(fulfilment, form, status=400)


@bp.get("/orders/<int:fulfilment_id>/slip")
@seller_area
def packing_slip(fulfilment_id: int):
    fulfilment = services.get_seller_fulfilment(db.session, fulfilment_id, g.seller_ids)
    parcel = presenters.fulfilment_detail(
        fulfilment, current_language(), parcel_refunds(db.session, [fulfilment.id]).get(fulfilment.id)
    )
    shop = db.session.get(Seller, fulfilment.seller_id)
    return render_template(
        "seller/packing_slip.html",
        parcel=parcel,
        shop={"name": shop.name, "village": shop.village.name, "phone": phone_text(shop.phone)},
    )
