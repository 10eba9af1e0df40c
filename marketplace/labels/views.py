"""Quality-label pages: sellers request labels (/seller/labels…), curators verify them (/curator/labels…).

Evidence files are private: they are sent only by `seller_evidence` (to the shop's own accounts)
and `curator_evidence`, always as a download (Content-Disposition: attachment, nosniff, sandbox).
"""

from __future__ import annotations

import csv
import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from marketplace import params
from marketplace.accounts.access import curator_required, seller_area, user_seller_ids
from marketplace.extensions import db
from marketplace.i18n import current_language, localized
from marketplace.labels import common, presenters, requests, review
from marketplace.labels import evidence as labels_evidence
from marketplace.labels import label_types as labels_label_types
from marketplace.labels.forms import ApproveForm, LabelRequestForm, LabelTypeForm, RejectForm
from marketplace.media import get_storage
from marketplace.media.images import upload_limits
from marketplace.timezones import market_today
from marketplace.types import utcnow
from marketplace.views_support import domain_errors, error_messages, private_file

bp = Blueprint("labels", __name__)


# ---------------------------------------------------------------------------------------------
# Seller
# ---------------------------------------------------------------------------------------------


@bp.get("/seller/labels")
@seller_area
def seller_labels():
    lang = current_language()
    today = market_today()
    rows = [
        presenters.seller_row(label, today, lang)
        for label in requests.list_seller_labels(db.session, g.seller_ids)
    ]
    products = [
        {
            "title": localized(product, "title", lang),
            "request_url": url_for("labels.request_label", product_id=product.id),
        }
        for product in requests.list_requestable_products(db.session, g.seller_ids)
    ]
    return render_template(
        "labels/seller_labels.html",
        rows=rows,
        warnings=[row for row in rows if row["warn"]],
        products=products,
    )


def _type_choices(form: LabelRequestForm, label_types) -> None:
    lang = current_language()
    form.label_type_id.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(t.id, localized(t, "name", lang)) for t in label_types
    ]


def _render_request(product, form: LabelRequestForm, label_types, status: int = 200):
    lang = current_language()
    types = [
        {
            "name": localized(t, "name", lang),
            "description": localized(t, "description", lang),
            "issuer": t.issuer,
            "requires_certificate": t.requires_certificate,
        }
        for t in label_types
    ]
    return render_template(
        "labels/request.html",
        form=form,
        product={"id": product.id, "title": localized(product, "title", lang)},
        types=types,
        max_mb=labels_evidence.EVIDENCE_MAX_BYTES // (1024 * 1024),
    ), status


@bp.route("/seller/products/<int:product_id>/labels/new", methods=["GET", "POST"])
@seller_area
def request_label(product_id: int):
    product = requests.get_seller_product(db.session, product_id, g.seller_ids)
    label_types = requests.list_label_types(db.session)
    form = LabelRequestForm()
    _type_choices(form, label_types)
    if request.method == "GET":
        wanted = params.find_id(request.args.get("type"))
        if any(t.id == wanted for t in label_types):
            form.label_type_id.data = wanted
        return _render_request(product, form, label_types)
    if form.validate_on_submit():
        upload = request.files.get("evidence")
        # Read one byte past the cap: enough to know the file is too large, never more.
        data = upload.read(labels_evidence.EVIDENCE_MAX_BYTES + 1) if upload else b""
        with domain_errors(form) as outcome:
            requests.request_label(
                db.session,
                get_storage(current_app),
                product=product,
                data=requests.LabelRequestInput(
                    label_type_id=form.label_type_id.data,
                    certificate_number=form.certificate_number.data or "",
                    issuer=form.issuer.data or "",
                    valid_until=form.valid_until.data,
                ),
                evidence=data,
                actor=current_user,
                today=market_today(),
                now=utcnow(),
                max_pixels=upload_limits(current_app.config)["max_pixels"],
            )
            db.session.commit()
        if not outcome.ok:
            product = requests.get_seller_product(db.session, product_id, g.seller_ids)
        else:
            flash(_("Thank you. A curator will check the label and the evidence soon."), "success")
            return redirect(url_for("labels.seller_labels"), code=303)
    return _render_request(product, form, label_types, status=400)


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    """A body over MAX_CONTENT_LENGTH: show the request form again with the message."""
    db.session.rollback()
    message = _("The file is too large. Please upload a file of at most %(mb)d MB.",
                mb=labels_evidence.EVIDENCE_MAX_BYTES // (1024 * 1024))  # fmt: skip
    product_id = (request.view_args or {}).get("product_id")
    if request.endpoint != "labels.request_label" or not current_user.is_authenticated or product_id is None:
        return render_template("errors/error.html", status=413, message=message), 413
    g.seller_ids = user_seller_ids(db.session, current_user)
    product = requests.get_seller_product(db.session, product_id, g.seller_ids)
    label_types = requests.list_label_types(db.session)
    form = LabelRequestForm(formdata=None)
    _type_choices(form, label_types)
    form.evidence.errors = [message]
    return _render_request(product, form, label_types, status=413)


def _evidence_response(label):
    data = labels_evidence.read_evidence(get_storage(current_app), label)
    content_type = labels_evidence.evidence_content_type(label.evidence_key)
    extension = label.evidence_key.rsplit(".", 1)[-1]
    return private_file(
        data,
        mimetype=content_type,
        as_attachment=True,
        download_name=f"label-{label.id}-evidence.{extension}",
    )


@bp.get("/seller/labels/<int:label_id>/evidence")
@seller_area
def seller_evidence(label_id: int):
    return _evidence_response(requests.get_seller_label(db.session, label_id, g.seller_ids))


# ---------------------------------------------------------------------------------------------
# Curator: queue
# ---------------------------------------------------------------------------------------------


def _render_queue(
    reject_forms: dict | None = None, refused_verify: tuple[int, dict] | None = None, status: int = 200
):
    """The queue; `reject_forms` keeps a refused rejection's reason, `refused_verify` is the label
    whose verification was just refused and why (its row says so, and so does the page's top)."""
    lang = current_language()
    today = market_today()
    labels = review.list_requested(db.session)
    reject_forms = reject_forms or {}
    refused_id, refused_problems = refused_verify or (None, {})
    rows, refused = [], []
    for label in labels:
        # What the curator can see before clicking; a missing end date is a box to tick instead.
        problems = review.verification_problems(label, today=today, no_end_date=True)
        row = presenters.queue_row(label, lang, problems=problems)
        form = reject_forms.get(label.id) or RejectForm(formdata=None)
        row["reject_form"] = form
        row["verify_errors"] = refused_problems if label.id == refused_id else {}
        rows.append(row)
        name = f"{row['label']} · {row['product']}"
        if form.errors:
            message = " ".join([*form.form_errors, *form.note.errors])
            refused.append({"id": f"note-{row['id']}", "label": name, "message": message})
        if row["verify_errors"] and row["problems"]:
            # What is missing, as the row lists it (a missing end date matters only once all is there).
            refused.append({"id": f"verify-{row['id']}", "label": name, "message": " ".join(row["problems"])})
        elif row["verify_errors"]:  # only the box saying the certificate has no end date was left unticked
            message = " ".join(map(str, row["verify_errors"].values()))
            refused.append({"id": f"no-end-date-{row['id']}", "label": name, "message": message})
    return render_template(
        "labels/queue.html",
        rows=rows,
        refused=refused,
        # A refused verification has nothing to correct on the page: it says what happened instead.
        refused_title=_("The label was not verified.") if refused_id is not None else "",
        approve_form=ApproveForm(formdata=None),
        limited=len(labels) >= common.QUEUE_LIMIT,
    ), status


@bp.get("/curator/labels")
@curator_required
def queue():
    return _render_queue()


@bp.post("/curator/labels/<int:label_id>/verify")
@curator_required
def verify(label_id: int):
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    label = requests.get_label(db.session, label_id)
    with domain_errors() as outcome:
        done = review.decide_label(
            db.session,
            label=label,
            approve=True,
            curator=current_user,
            note="",
            now=utcnow(),
            no_end_date=bool(form.no_end_date.data),
        )
    if not outcome.ok:
        return _render_queue(refused_verify=(label_id, error_messages(outcome.error)), status=400)
    db.session.commit()
    if done:
        flash(_("Label verified: buyers see it on the product page now."), "success")
    else:
        flash(_("This label was not waiting for a decision: nothing changed."), "warning")
    return redirect(url_for("labels.queue"), code=303)


@bp.post("/curator/labels/<int:label_id>/reject")
@curator_required
def reject(label_id: int):
    form = RejectForm()
    if not form.validate_on_submit():
        if form.errors.keys() - {"note"}:
            abort(400)  # a missing CSRF token, not a too-long reason
        return _render_queue(reject_forms={label_id: form}, status=400)
    label = requests.get_label(db.session, label_id)
    with domain_errors(form) as outcome:
        done = review.decide_label(
            db.session,
            label=label,
            approve=False,
            curator=current_user,
            note=form.note.data or "",
            now=utcnow(),
        )
    if not outcome.ok:
        return _render_queue(reject_forms={label_id: form}, status=400)
    db.session.commit()
    if done:
        flash(_("Label request rejected. The seller has been told why."), "success")
    else:
        flash(_("This label was not waiting for a decision: nothing changed."), "warning")
    return redirect(url_for("labels.queue"), code=303)


@bp.get("/curator/labels/<int:label_id>/evidence")
@curator_required
def curator_evidence(label_id: int):
    return _evidence_response(requests.get_label(db.session, label_id))


# ---------------------------------------------------------------------------------------------
# Curator: registry
# ---------------------------------------------------------------------------------------------


def _page_number() -> int:
    return params.find_int(request.args.get("page"), low=1, high=99_999) or 1


@bp.get("/curator/labels/registry")
@curator_required
def registry():
    lang = current_language()
    today = market_today()
    filters = review.parse_registry_filter(request.args)
    page = _page_number()
    labels, has_next = review.list_registry(db.session, filters, today=today, page=page)
    args = {"type": filters.type_code, "village": filters.village, "state": filters.state}
    args = {key: value for key, value in args.items() if value}
    return render_template(
        "labels/registry.html",
        rows=[presenters.registry_row(label, today, lang) for label in labels],
        filters=filters,
        type_options=[
            {"value": t.code, "label": localized(t, "name", lang), "selected": t.code == filters.type_code}
            for t in requests.list_label_types(db.session)
        ],
        village_options=[
            {"value": v.slug, "label": v.name, "selected": v.slug == filters.village}
            for v in review.list_villages(db.session)
        ],
        state_options=[
            {"value": value, "label": label, "selected": value == filters.state}
            for value, label in (
                ("", _("All verified")),
                ("valid", _("Valid now")),
                ("expiring", _("Expiring within %(n)d days", n=common.EXPIRY_WARNING_DAYS)),
                ("expired", _("Expired")),
            )
        ],
        csv_url=url_for("labels.registry_csv", **args),
        prev_url=url_for("labels.registry", page=page - 1, **args) if page > 1 else "",
        next_url=url_for("labels.registry", page=page + 1, **args) if has_next else "",
        page=page,
    )


@bp.get("/curator/labels/registry.csv")
@curator_required
def registry_csv():
    lang = current_language()
    today = market_today()
    filters = review.parse_registry_filter(request.args)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(presenters.CSV_HEADER)
    for label in review.iter_registry(db.session, filters, today=today):
        writer.writerow(presenters.registry_csv_row(label, today, lang))
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="label-registry-{today.isoformat()}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------------------
# Curator: label types
# ---------------------------------------------------------------------------------------------


def _type_input(form: LabelTypeForm) -> labels_label_types.LabelTypeInput:
    return labels_label_types.LabelTypeInput(
        code=form.code.data or "",
        name_id=form.name_id.data or "",
        name_en=form.name_en.data or "",
        description_id=form.description_id.data or "",
        description_en=form.description_en.data or "",
        issuer=form.issuer.data or "",
        requires_certificate=bool(form.requires_certificate.data),
        position=form.position.data,
    )


@bp.get("/curator/label-types")
@curator_required
def types():
    lang = current_language()
    usage = labels_label_types.label_type_usage(db.session)
    rows = [presenters.type_row(t, usage.get(t.id, 0), lang) for t in requests.list_label_types(db.session)]
    return render_template("labels/types.html", rows=rows)


@bp.route("/curator/label-types/new", methods=["GET", "POST"])
@curator_required
def new_type():
    form = LabelTypeForm()
    if request.method == "GET":
        form.requires_certificate.data = True
    elif form.validate_on_submit():
        with domain_errors(form) as outcome:
            label_type = labels_label_types.create_label_type(
                db.session, data=_type_input(form), curator=current_user
            )
            db.session.commit()
        if outcome.ok:
            flash(_("Label type “%(code)s” added.", code=label_type.code), "success")
            return redirect(url_for("labels.types"), code=303)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("labels/type_form.html", form=form, label_type=None), status


@bp.route("/curator/label-types/<int:type_id>", methods=["GET", "POST"])
@curator_required
def edit_type(type_id: int):
    label_type = labels_label_types.get_label_type(db.session, type_id)
    form = LabelTypeForm(obj=label_type) if request.method == "GET" else LabelTypeForm()
    if request.method == "POST" and form.validate_on_submit():
        with domain_errors(form) as outcome:
            changed = labels_label_types.update_label_type(
                db.session, label_type=label_type, data=_type_input(form), curator=current_user
            )
            db.session.commit()
        if outcome.ok:
            flash(_("Saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("labels.types"), code=303)
    status = 400 if form.errors or form.form_errors else 200
    label_type = labels_label_types.get_label_type(db.session, type_id)
    return render_template(
        "labels/type_form.html", form=form, label_type={"id": label_type.id, "code": label_type.code}
    ), status
