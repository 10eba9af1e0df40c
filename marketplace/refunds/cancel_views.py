"""Curators transfer back the money of cancelled bank-transfer parts (routes on the refunds `bp`).

A refused "transferred back" (no reference, an earlier cancellation first) shows the refunds page
again with the shared error summary at the top, the message beside that row's field and what the
curator typed, as the other curator forms do."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from marketplace.accounts.access import curator_required
from marketplace.extensions import db
from marketplace.refunds.cancellation import complete_bank_request, get_bank_request
from marketplace.refunds.views import bp, render_index
from marketplace.types import utcnow
from marketplace.views_support import domain_errors


class BankRefundDoneForm(FlaskForm):
    bank_reference = StringField(
        _l("Reference of your transfer"), validators=[DataRequired(), Length(max=120)]
    )


@bp.post("/refunds/cancelled/<int:request_id>")
@curator_required
def cancelled_done(request_id: int):
    request = get_bank_request(db.session, request_id)
    form = BankRefundDoneForm()
    typed = (form.bank_reference.data or "").strip()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            message = _("The form expired. Please open the page again.")
        elif typed:
            message = _("The bank reference is too long.")
        else:
            message = _("Enter the reference of your transfer back to the buyer.")
        return render_index(refused={"id": request_id, "message": message, "value": typed}, status=400)
    with domain_errors() as outcome:
        complete_bank_request(
            db.session, request, bank_reference=form.bank_reference.data, actor=current_user, now=utcnow()
        )
        db.session.commit()
    if not outcome.ok:
        return render_index(
            refused={"id": request_id, "message": outcome.message, "value": typed},
            status=outcome.error.status,
        )
    flash(_("The transfer back is recorded; the buyer has been emailed."), "success")
    return redirect(url_for("refunds.index"), code=303)
