"""Seller CSV routes: download listings and stock, upload an edited file, preview, confirm.

Adds its routes to the seller blueprint (imported at the bottom of marketplace.dashboard.views).
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import seller_area
from marketplace.dashboard import bulk, bulk_export
from marketplace.dashboard.bulk_forms import CsvConfirmForm, CsvUploadForm
from marketplace.dashboard.views import bp
from marketplace.extensions import db
from marketplace.types import utcnow
from marketplace.views_support import domain_errors, streamed_csv

#: Werkzeug keeps at most 500 kB of form fields in memory; the confirmation must fit in that.
MAX_CONFIRM_CHARS = 400_000


@bp.get("/products/export.csv")
@seller_area
def export_products_csv():
    return streamed_csv(
        bulk_export.iter_export_csv(db.session, g.seller_ids),
        "products.csv",
        **{"Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store"},
    )


def _preview_rows(plan: bulk.ImportPlan) -> list[dict]:
    return [
        {
            "row": change.row,
            "product_id": change.product.id,
            "title": " – ".join(part for part in (change.after["title_id"], change.after["variant"]) if part),
            "url": url_for("seller.edit_product", product_id=change.product.id),
            "fields": [
                {"column": name, "old": old, "new": new} for name, (old, new) in change.fields.items()
            ],
        }
        for change in plan.changes
    ]


@bp.route("/products/import", methods=["GET", "POST"])
@seller_area
def import_products():
    upload_form = CsvUploadForm(formdata=None)
    confirm_form = CsvConfirmForm(formdata=None)
    plan = None
    if request.method == "POST":
        if request.form.get("action") == "confirm":
            confirm_form = CsvConfirmForm()
            if not confirm_form.validate_on_submit():
                abort(400)
            parsed = bulk.parse_csv((confirm_form.csv.data or "").encode("utf-8"))
            plan = bulk.plan_import(db.session, parsed, seller_ids=g.seller_ids)
            if plan.valid and plan.changes and plan.token == confirm_form.token.data:
                with domain_errors(catch=bulk.InvalidImport) as outcome:
                    result = bulk.apply_import(db.session, plan=plan, actor=current_user, now=utcnow())
                    db.session.commit()
                if not outcome.ok:
                    plan.errors = outcome.error.errors
                else:
                    flash(
                        _(
                            "Done: %(n)d products changed. %(review)d changes wait for a curator.",
                            n=result.changed,
                            review=result.sent_for_review,
                        ),
                        "success",
                    )
                    return redirect(url_for("seller.products"), code=303)
            elif plan.valid and plan.changes:
                flash(
                    _("Your products changed since the preview (an order, or another edit). Check again."),
                    "warning",
                )
        else:
            upload_form = CsvUploadForm()
            if not upload_form.validate_on_submit():
                abort(400)
            upload = upload_form.file.data
            data = upload.read(bulk.MAX_BYTES + 1) if upload else b""
            plan = bulk.plan_import(db.session, bulk.parse_csv(data), seller_ids=g.seller_ids)
    changes_text = bulk.changes_csv(plan) if plan is not None and plan.valid and plan.changes else ""
    too_big = len(changes_text) > MAX_CONFIRM_CHARS
    if changes_text and not too_big:
        confirm_form.csv.data = changes_text
        confirm_form.token.data = plan.token
    status = 400 if plan is not None and not plan.valid else 200
    errors = plan.errors if plan is not None else []
    return render_template(
        "seller/bulk_import.html",
        upload_form=upload_form,
        confirm_form=confirm_form,
        checked=plan is not None,
        rows=plan.rows if plan is not None else 0,
        # Whole-file problems (row 0: too big, not CSV, empty) read as sentences, not as table rows.
        file_errors=[error.message for error in errors if not error.row],
        row_errors=[error for error in errors if error.row],
        changes=_preview_rows(plan) if plan is not None and plan.valid else [],
        can_confirm=bool(changes_text) and not too_big,
        too_big=too_big,
        max_rows=bulk.MAX_ROWS,
        columns=bulk.COLUMNS,
    ), status
