"""Problem cases over HTTP: the buyer's report, the case page for its three sides, photos, the
curators' queue. Everyone else gets 404 (as for curator pages: nothing says a case exists).

A guest buyer (an order placed without an account) comes with the order's signed token
(`?token=`, as on the order page): it opens their part's report and their case, and every link and
form on those pages carries it on."""

from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.access import curator_required, user_seller_ids
from marketplace.cases import presenters, services
from marketplace.cases.forms import RefundAccountForm, ReplyForm, ReportForm, ResolveForm
from marketplace.cases.models import Case, CaseStatus
from marketplace.errors import InvalidInput, PermissionDenied
from marketplace.extensions import db, login_manager
from marketplace.i18n import current_language
from marketplace.media.images import upload_limits
from marketplace.media.storage import get_storage
from marketplace.orders.models import FulfilmentStatus
from marketplace.orders.queries import get_order_by_guest_token, get_order_for_buyer, guest_order_token
from marketplace.refunds.accounts import check_refund_account
from marketplace.types import utcnow
from marketplace.views_support import apply_error, domain_errors, private_file

bp = Blueprint("cases", __name__)


def _buyer_part(number: str, fulfilment_id: int):
    """(order, fulfilment, token): the part of the visitor's order, by the order page's rules
    (orders.views._order_for_request): a guest order through its signed `?token=` (a wrong one:
    404), else the logged-in buyer's own order. `token` is None for an account's order."""
    order, token = None, request.args.get("token")
    if token:
        try:
            order = get_order_by_guest_token(
                db.session, number, token, secret_key=current_app.config["SECRET_KEY"]
            )
            token = guest_order_token(order, secret_key=current_app.config["SECRET_KEY"])
        except PermissionDenied:
            token = None  # an account's order: only its buyer, logged in (below)
    if order is None:
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        order = get_order_for_buyer(db.session, number, current_user)
    fulfilment = next((f for f in order.fulfilments if f.id == fulfilment_id), None)
    if fulfilment is None:
        abort(404)
    return order, fulfilment, token


def _render_report(
    order, fulfilment, form: ReportForm, token: str | None, status: int = 200, *, photos_dropped: bool = False
):
    return render_template(
        "cases/report.html",
        form=form,
        number=order.number,
        fulfilment_id=fulfilment.id,
        seller_name=fulfilment.seller.name,
        token=token,
        # A part no longer on its way (received, completed, cancelled): no form, say why.
        can_report=fulfilment.status == FulfilmentStatus.SHIPPED,
        needs_account=services.needs_refund_account(order),
        photos_dropped=photos_dropped,
    ), status


def _to_open_case(fulfilment, token: str | None, message: str, *, unsent: str = ""):
    """The part's open report, if there is one (another tab, a double click, an old link). `unsent`:
    the words of a report that came second; when they differ from the first, the report's page
    shows them in its reply box (409: this report was not made), so nothing typed is lost."""
    case = services.find_open_case(db.session, fulfilment.id)
    if case is None:
        return None
    flash(message, "info")
    unsent = (unsent or "").strip()
    if unsent and case.messages and unsent != case.messages[0].body:
        return _render_case(
            case, "buyer", token, reply_form=ReplyForm(formdata=None, body=unsent), status=409
        )
    return redirect(url_for("cases.show", case_id=case.id, token=token), code=303)


@bp.route("/orders/<number>/parts/<int:fulfilment_id>/problem", methods=["GET", "POST"])
def report(number: str, fulfilment_id: int):
    order, fulfilment, token = _buyer_part(number, fulfilment_id)
    form = ReportForm()
    if not form.is_submitted():
        if fulfilment.has_open_case:
            already = _to_open_case(
                fulfilment, token, _("You already reported a problem with this part: here is your report.")
            )
            if already is not None:
                return already
        return _render_report(order, fulfilment, form, token)
    uploads = [f.read() for f in request.files.getlist("photos") if f and f.filename]
    needs_account = services.needs_refund_account(order)
    # Everything wrong at once (the service checks one thing after another).
    problems = services.report_problems(
        problem=form.problem.data or "",
        description=form.description.data or "",
        needs_account=needs_account,
        bank_name=form.bank_name.data or "",
        account_number=form.account_number.data or "",
        account_holder=form.account_holder.data or "",
    )
    if not form.validate() or problems:
        if problems:
            apply_error(form, InvalidInput(problems), only_if_empty=True)
    else:
        account = (
            check_refund_account(form.bank_name.data, form.account_number.data, form.account_holder.data)
            if needs_account
            else None
        )
        with domain_errors(form) as outcome:
            case = services.open_case(
                db.session,
                fulfilment,
                buyer=None if token else current_user,
                problem=form.problem.data or "",
                description=form.description.data or "",
                photos=uploads,
                storage=get_storage(current_app),
                now=utcnow(),
                max_pixels=upload_limits(current_app.config)["max_pixels"],
                refund_account=account,
            )
            db.session.commit()
        if outcome.ok:
            flash(_("Your report is sent. The seller and the curators will answer here."), "success")
            return redirect(url_for("cases.show", case_id=case.id, token=token), code=303)
        order, fulfilment, token = _buyer_part(number, fulfilment_id)
        if fulfilment.has_open_case:
            # The same report sent twice (two tabs, a double click): the first one counts.
            already = _to_open_case(
                fulfilment,
                token,
                _(
                    "Your report on this part was already sent (from another tab or a second click): "
                    "here it is. Add anything more as a message below."
                ),
                unsent=form.description.data or "",
            )
            if already is not None:
                return already
    return _render_report(order, fulfilment, form, token, 400, photos_dropped=bool(uploads))


@bp.get("/orders/<number>/parts/<int:fulfilment_id>/case")
def for_part(number: str, fulfilment_id: int):
    """The buyer's latest case on this part (the order page links here)."""
    _order, fulfilment, token = _buyer_part(number, fulfilment_id)
    cases = services.list_cases_for_fulfilments(db.session, [fulfilment.id])
    if not cases:
        abort(404)
    return redirect(url_for("cases.show", case_id=cases[-1].id, token=token), code=303)


def _guest_token_opens(case: Case | None, token: str) -> bool:
    """Whether `token` is the signed token of this guest order's case (constant-time compare)."""
    if case is None or not services.is_guest_case(case):
        return False
    expected = services.guest_case_token(case)
    return hmac.compare_digest(token.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


def _case_and_side(case_id: int, *, guest: bool = True):
    """(case, side, token): the case and how this visitor sees it; 404 for anyone else. A guest
    with their order's `?token=` is the buyer side (`token` then is that token, else None); a
    token that does not open the case is 404 to a logged-out visitor. `guest=False`: accounts only."""
    case = db.session.get(Case, case_id)
    token = request.args.get("token") if guest else None
    if token:
        if _guest_token_opens(case, token):
            return case, services.BUYER, token
        if not current_user.is_authenticated:
            abort(404)
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    side = (
        services.case_side(case, user=current_user, seller_ids=user_seller_ids(db.session, current_user))
        if case
        else None
    )
    if side is None:
        abort(404)
    return case, side, None


def _render_case(
    case, side, token, *, reply_form=None, resolve_form=None, account_form=None, status: int = 200
):
    view = presenters.present_case(case, side=side, lang=current_language())
    if resolve_form is None:
        resolve_form = ResolveForm.for_case(case, formdata=None)
        resolve_form.token.data = secrets.token_urlsafe(24)
    # Always the account this page shows: a refused decision shows the account as it is now.
    resolve_form.account_seen.data = view["account_seen"]
    if account_form is None:
        account_form = RefundAccountForm(formdata=None)
        if view["account"] is not None:
            account_form.bank_name.data = view["account"].bank_name
            account_form.account_number.data = view["account"].account_number
            account_form.account_holder.data = view["account"].account_holder
    return render_template(
        "cases/show.html",
        case=view,
        reply_form=reply_form or ReplyForm(formdata=None),
        resolve_form=resolve_form,
        account_form=account_form,
        token=token,
    ), status


@bp.get("/cases/<int:case_id>")
def show(case_id: int):
    case, side, token = _case_and_side(case_id)
    return _render_case(case, side, token)


@bp.post("/cases/<int:case_id>/reply")
def reply(case_id: int):
    case, side, token = _case_and_side(case_id)
    if side not in ("buyer", "seller"):
        abort(404)
    form = ReplyForm()
    if form.validate():
        with domain_errors(form) as outcome:
            services.reply_case(
                db.session,
                case,
                author=None if token else current_user,
                side=side,
                body=form.body.data or "",
                now=utcnow(),
            )
            db.session.commit()
        if outcome.ok:
            flash(_("Your answer is sent."), "success")
            return redirect(url_for("cases.show", case_id=case_id, token=token), code=303)
        case, side, token = _case_and_side(case_id)
    return _render_case(case, side, token, reply_form=form, status=400)


@bp.post("/cases/<int:case_id>/account")
def account(case_id: int):
    """The buyer gives or corrects the bank account a refund goes to (bank-transfer orders)."""
    case, side, token = _case_and_side(case_id)
    if side != "buyer":
        abort(404)
    form = RefundAccountForm()
    if form.validate():
        with domain_errors(form) as outcome:
            services.set_refund_account(
                db.session,
                case,
                account=check_refund_account(
                    form.bank_name.data, form.account_number.data, form.account_holder.data
                ),
            )
            db.session.commit()
        if outcome.ok:
            flash(_("Saved. A refund will be transferred to this account."), "success")
            return redirect(
                url_for("cases.show", case_id=case_id, token=token, _anchor="refund-account"), 303
            )
        case, side, token = _case_and_side(case_id)
    return _render_case(case, side, token, account_form=form, status=400)


@bp.post("/cases/<int:case_id>/resolve")
@curator_required
def resolve(case_id: int):
    case, side, _token = _case_and_side(case_id, guest=False)
    form = ResolveForm.for_case(case)
    if not form.validate():
        # Everything wrong at once: the service's checks too, beside the fields the form accepted.
        problems = services.resolution_problems(
            case,
            resolution=form.resolution.data or "",
            note=form.note.data or "",
            amount_minor=form.amount.data,
            bank_reference=form.bank_reference.data or "",
        )
        if problems:
            apply_error(form, InvalidInput(problems), only_if_empty=True)
    else:
        try:
            with domain_errors(form) as outcome:
                services.resolve_case(
                    db.session,
                    case,
                    curator=current_user,
                    resolution=form.resolution.data or "",
                    note=form.note.data or "",
                    token=form.token.data or "",
                    amount_minor=form.amount.data,
                    bank_reference=form.bank_reference.data or "",
                    account_seen=form.account_seen.data or None,
                    now=utcnow(),
                )
                db.session.commit()
        except IntegrityError:
            db.session.rollback()  # the same form twice at once: the other submit decided
            flash(_("This case was already decided."), "info")
            return redirect(url_for("cases.show", case_id=case_id), code=303)
        if outcome.ok:
            flash(_("The decision is recorded and both sides are told."), "success")
            return redirect(url_for("cases.queue"), code=303)
        case, side, _token = _case_and_side(case_id, guest=False)
        if case.status != CaseStatus.OPEN:
            flash(outcome.message, "info")
            return redirect(url_for("cases.show", case_id=case_id), code=303)
    return _render_case(case, side, None, resolve_form=form, status=400)


@bp.get("/cases/<int:case_id>/photos/<int:photo_id>")
def photo(case_id: int, photo_id: int):
    case, _side, _token = _case_and_side(case_id)
    stored = next((p for p in case.photos if p.id == photo_id), None)
    if stored is None:
        abort(404)
    try:
        data = get_storage(current_app).read(stored.storage_key)
    except FileNotFoundError:
        abort(404)
    return private_file(data, mimetype="image/webp")


@bp.get("/curator/cases")
@curator_required
def queue():
    rows = presenters.queue_rows(services.list_open_cases(db.session), current_language())
    return render_template("cases/queue.html", cases=rows)
