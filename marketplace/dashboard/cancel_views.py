"""The seller cancels units of a paid parcel they cannot send, with a reason (routes on `bp`)."""

from __future__ import annotations

import re

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import seller_area
from marketplace.dashboard import fulfilments as services
from marketplace.dashboard.views import actor_label, bp
from marketplace.errors import InvalidInput
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.orders import cancellation
from marketplace.orders.cancel_forms import SellerCancelForm
from marketplace.types import utcnow
from marketplace.views_support import domain_errors

_WHOLE = re.compile(r"^[0-9]{1,6}$")


def _lines(fulfilment, lang: str, posted=None) -> list[dict]:
    return [
        {
            "id": line.id,
            "name": f"units-{line.id}",
            "title": line.title_in(lang),
            "left": line.quantity - line.cancelled_quantity,
            "value": (posted or {}).get(f"units-{line.id}", ""),
        }
        for line in fulfilment.lines
        if line.quantity - line.cancelled_quantity > 0
    ]


def _render(fulfilment, form: SellerCancelForm, status: int = 200, posted=None):
    lang = current_language()
    return render_template(
        "seller/cancel.html",
        parcel={"id": fulfilment.id, "number": fulfilment.order.number},
        lines=_lines(fulfilment, lang, posted),
        form=form,
        can_cancel=fulfilment in cancellation.open_parts(fulfilment.order)
        and fulfilment.order.status.value == "paid",
    ), status


def _units(formdata, fulfilment) -> dict[int, int]:
    result = {}
    for line in fulfilment.lines:
        raw = (formdata.get(f"units-{line.id}") or "").strip()
        if not raw:
            continue
        if not _WHOLE.match(raw):
            raise InvalidInput({"units": _("Enter whole numbers of units.")})
        result[line.id] = int(raw)
    return result


@bp.get("/orders/<int:fulfilment_id>/cancel")
@seller_area
def cancel_units(fulfilment_id: int):
    fulfilment = services.get_seller_fulfilment(db.session, fulfilment_id, g.seller_ids)
    return _render(fulfilment, SellerCancelForm(formdata=None))


@bp.post("/orders/<int:fulfilment_id>/cancel")
@seller_area
def cancel_units_post(fulfilment_id: int):
    fulfilment = services.get_seller_fulfilment(db.session, fulfilment_id, g.seller_ids)
    form = SellerCancelForm()
    if not form.validate_on_submit():
        return _render(fulfilment, form, 400, request.form)
    with domain_errors(form) as outcome:
        cancellation.cancel_by_seller(
            db.session,
            fulfilment,
            quantities=_units(request.form, fulfilment),
            reason=form.reason.data or "",
            actor_id=current_user.id,
            actor_label=actor_label(fulfilment),
            now=utcnow(),
        )
        db.session.commit()
    if not outcome.ok:
        fulfilment = services.get_seller_fulfilment(db.session, fulfilment_id, g.seller_ids)
        return _render(fulfilment, form, 400, request.form)
    flash(_("Cancelled. The buyer has been told why and will be refunded."), "success")
    return redirect(url_for("seller.order", fulfilment_id=fulfilment_id), code=303)
