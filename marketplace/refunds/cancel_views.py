"""Curators transfer back the money of cancelled bank-transfer parts (routes on the refunds `bp`)."""

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
from marketplace.refunds.views import bp
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
    if not form.validate_on_submit():
        flash(_("Enter the reference of your transfer back to the buyer."), "error")
        return redirect(url_for("refunds.index"), code=303)
    with domain_errors(flash_category="error") as outcome:
        complete_bank_request(
            db.session, request, bank_reference=form.bank_reference.data, actor=current_user, now=utcnow()
        )
        db.session.commit()
    if outcome.ok:
        flash(_("The transfer back is recorded; the buyer has been emailed."), "success")
    return redirect(url_for("refunds.index"), code=303)
