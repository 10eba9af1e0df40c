"""Facilitators (pendamping): owners grant access at /seller/facilitators; curators link offline artisans.

Blueprint "facilitators" (no prefix: it serves seller pages and a few curator pages). A facilitator
sees the shops they help here but cannot grant or revoke access, nor change the payout bank account
of a shop that has its own account (/seller/shops/<id>/payout-account): 403 with a message, nothing
written. For an artisan without an account, the facilitator (or a curator, at
/curator/sellers/<id>/payout-account) records it with the artisan's signed consent
(`seller.payout_accounts`); the consent scan is downloaded from `…/payout-account/consent`.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
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

from marketplace.accounts.access import curator_required, seller_area
from marketplace.accounts.models import ActorRole
from marketplace.audit import tracking as audit_tracking
from marketplace.dashboard.facilitator_forms import (
    ArtisanPayoutAccountForm,
    CuratorLinkForm,
    GrantForm,
    PayoutAccountForm,
)
from marketplace.dashboard.forms import ActionForm
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.media.images import upload_limits
from marketplace.media.storage import get_storage
from marketplace.seller import facilitators as services
from marketplace.seller import payout_accounts
from marketplace.seller.application import find_payout_account
from marketplace.seller.models import Seller
from marketplace.timezones import jakarta_time, market_today
from marketplace.types import utcnow
from marketplace.views_support import apply_error, domain_errors, private_file

bp = Blueprint("facilitators", __name__)


def _link_row(row: services.FacilitatorRow, lang: str, revoke_url: str) -> dict:
    link = row.link
    return {
        "id": link.id,
        "email": row.email,
        "name": row.name,
        "granted": jakarta_time(link.granted_at, lang),
        "granted_by": row.granted_by_email,
        "via_curator": link.granted_via == "curator",
        "consent_note": link.consent_note,
        "revoked": jakarta_time(link.revoked_at, lang) if link.revoked_at else "",
        "revoke_url": revoke_url if link.revoked_at is None else "",
    }


# ---------------------------------------------------------------------------------------------
# Seller side
# ---------------------------------------------------------------------------------------------


def _render_manage(forms: dict[int, GrantForm] | None = None, status: int = 200, message: str = ""):
    lang = current_language()
    shops = list(db.session.scalars(sa.select(Seller).where(Seller.id.in_(g.seller_ids)).order_by(Seller.id)))
    owned_ids = [s.id for s in shops if g.seller_roles.get(s.id) == ActorRole.SELLER]
    rows_by_shop: dict[int, list[dict]] = {}
    for row in services.list_facilitator_rows(db.session, owned_ids):
        url = url_for("facilitators.revoke", link_id=row.link.id)
        rows_by_shop.setdefault(row.link.seller_id, []).append(_link_row(row, lang, url))
    forms = forms or {}
    owned = []
    for shop in shops:
        if shop.id not in owned_ids:
            continue
        form = forms.get(shop.id) or GrantForm(formdata=None, prefix=f"s{shop.id}")
        owned.append({"id": shop.id, "name": shop.name, "rows": rows_by_shop.get(shop.id, []), "form": form})
    helped = [{"name": s.name} for s in shops if s.id not in owned_ids]
    return render_template(
        "facilitators/manage.html",
        owned=owned,
        helped=helped,
        message=message,
        action_form=ActionForm(formdata=None),
    ), status


@bp.get("/seller/facilitators")
@seller_area
def manage():
    return _render_manage()


def _refuse_facilitator(seller_id: int):
    """A facilitator may not pass access on: 403 and the page with the reason; nothing written."""
    db.session.rollback()
    return _render_manage(status=403, message=_("Only the shop's owner can choose its facilitators."))


@bp.post("/seller/facilitators/shops/<int:seller_id>")
@seller_area
def grant(seller_id: int):
    if seller_id not in g.seller_ids:
        abort(404)
    if g.seller_roles.get(seller_id) != ActorRole.SELLER:
        return _refuse_facilitator(seller_id)
    form = GrantForm(prefix=f"s{seller_id}")
    if form.validate_on_submit():
        seller = db.session.get(Seller, seller_id)
        with domain_errors() as outcome:
            services.grant_by_owner(
                db.session, seller=seller, owner=current_user, email=form.email.data or "", now=utcnow()
            )
            db.session.commit()
        if not outcome.ok and outcome.error.status == 403:
            return _refuse_facilitator(seller_id)
        if not outcome.ok:
            apply_error(form, outcome.error, default_field="email")
        else:
            flash(
                _("Done. The facilitator can now manage %(shop)s and has been emailed.", shop=seller.name),
                "success",
            )
            return redirect(url_for("facilitators.manage"), code=303)
    return _render_manage({seller_id: form}, status=400)


@bp.post("/seller/facilitators/<int:link_id>/revoke")
@seller_area
def revoke(link_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        link = services.get_active_link(db.session, link_id, g.seller_ids)
    except NotFound:
        abort(404)
    if g.seller_roles.get(link.seller_id) != ActorRole.SELLER:
        return _refuse_facilitator(link.seller_id)
    services.revoke_link(db.session, link=link, actor=current_user, actor_role=ActorRole.SELLER, now=utcnow())
    db.session.commit()
    flash(_("Access removed. The facilitator can no longer manage the shop."), "success")
    return redirect(url_for("facilitators.manage"), code=303)


@bp.route("/seller/shops/<int:seller_id>/payout-account", methods=["GET", "POST"])
@seller_area
def payout_account(seller_id: int):
    if seller_id not in g.seller_ids:
        abort(404)
    seller = db.session.get(Seller, seller_id)
    if g.seller_roles.get(seller_id) == ActorRole.FACILITATOR and seller.user_id is None:
        # An artisan without an account: the facilitator records it, with the signed consent.
        return _artisan_account(seller, curator=False)
    if g.seller_roles.get(seller_id) != ActorRole.SELLER:
        db.session.rollback()
        message = _("Only the shop's owner can change its bank account for payouts.")
        return render_template(
            "facilitators/payout_account.html", shop=seller.name, form=None, message=message
        ), 403
    form = PayoutAccountForm()
    if request.method == "GET":
        account = find_payout_account(db.session, seller_id)
        if account is not None:
            form.bank_name.data = account.bank_name
            form.account_number.data = account.account_number
            form.account_holder.data = account.account_holder
        return render_template("facilitators/payout_account.html", shop=seller.name, form=form, message="")
    if form.validate_on_submit():
        with domain_errors(form) as outcome:
            services.update_payout_account(
                db.session,
                seller=seller,
                owner=current_user,
                bank_name=form.bank_name.data or "",
                account_number=form.account_number.data or "",
                account_holder=form.account_holder.data or "",
                now=utcnow(),
            )
            db.session.commit()
        if outcome.ok:
            flash(_("Saved. Payouts go to the new bank account from now on."), "success")
            return redirect(url_for("seller.dashboard"), code=303)
    return render_template("facilitators/payout_account.html", shop=seller.name, form=form, message=""), 400


# ---------------------------------------------------------------------------------------------
# Curator side: artisans without an account of their own
# ---------------------------------------------------------------------------------------------


def _curator_seller(seller_id: int) -> Seller:
    seller = db.session.get(Seller, seller_id)
    if seller is None:
        abort(404)
    return seller


def _render_curator(seller: Seller, form: CuratorLinkForm, status: int = 200):
    lang = current_language()
    rows = [
        _link_row(row, lang, url_for("facilitators.curator_revoke", seller_id=seller.id, link_id=row.link.id))
        for row in services.list_facilitator_rows(db.session, [seller.id], include_revoked=True, limit=100)
    ]
    return render_template(
        "facilitators/curator.html",
        seller={"id": seller.id, "name": seller.name, "village": seller.village.name},
        has_account=seller.user_id is not None,
        rows=rows,
        form=form,
        action_form=ActionForm(formdata=None),
    ), status


@bp.get("/curator/facilitators")
@curator_required
def curator_index():
    """Every shop with who helps it; artisans without an account first (only curators link those)."""
    shops = list(
        db.session.execute(
            sa.select(Seller.id, Seller.name, Seller.user_id).order_by(
                Seller.user_id.is_not(None), Seller.name
            )
        )
    )
    helpers: dict[int, list[str]] = {}
    for row in services.list_facilitator_rows(db.session, [s.id for s in shops], limit=5000):
        helpers.setdefault(row.link.seller_id, []).append(row.email)
    rows = [
        {
            "name": name,
            "has_account": user_id is not None,
            "facilitators": ", ".join(helpers.get(seller_id, [])),
            "url": url_for("facilitators.curator_links", seller_id=seller_id),
        }
        for seller_id, name, user_id in shops
    ]
    return render_template("facilitators/curator_index.html", rows=rows)


@bp.route("/curator/sellers/<int:seller_id>/facilitators", methods=["GET", "POST"])
@curator_required
def curator_links(seller_id: int):
    seller = _curator_seller(seller_id)
    form = CuratorLinkForm()
    if not form.is_submitted():
        return _render_curator(seller, CuratorLinkForm(formdata=None))
    if form.validate_on_submit():
        with domain_errors(form) as outcome:
            services.link_by_curator(
                db.session,
                seller=seller,
                curator=current_user,
                email=form.email.data or "",
                consent=bool(form.consent.data),
                consent_note=form.consent_note.data or "",
                now=utcnow(),
            )
            db.session.commit()
        if not outcome.ok:
            seller = _curator_seller(seller_id)
        else:
            flash(
                _("The facilitator can now manage %(shop)s and has been emailed.", shop=seller.name),
                "success",
            )
            return redirect(url_for("facilitators.curator_links", seller_id=seller_id), code=303)
    return _render_curator(seller, form, status=400)


@bp.post("/curator/sellers/<int:seller_id>/facilitators/<int:link_id>/revoke")
@curator_required
def curator_revoke(seller_id: int, link_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        link = services.get_active_link(db.session, link_id, [seller_id])
    except NotFound:
        abort(404)
    services.revoke_link(
        db.session, link=link, actor=current_user, actor_role=ActorRole.CURATOR, now=utcnow()
    )
    db.session.commit()
    flash(_("Access removed."), "success")
    return redirect(url_for("facilitators.curator_links", seller_id=seller_id), code=303)


# ---------------------------------------------------------------------------------------------
# Artisans without an account: their payout bank account, recorded with their signed consent
# ---------------------------------------------------------------------------------------------


def _artisan_page(seller: Seller, form: ArtisanPayoutAccountForm, *, curator: bool, status: int = 200):
    lang = current_language()
    account = find_payout_account(db.session, seller.id)
    if curator:
        action = url_for("facilitators.curator_payout_account", seller_id=seller.id)
        consent_url = url_for("facilitators.curator_consent", seller_id=seller.id)
    else:
        action = url_for("facilitators.payout_account", seller_id=seller.id)
        consent_url = url_for("facilitators.seller_consent", seller_id=seller.id)
    may_view = payout_accounts.may_view_consent(account, current_user, getattr(g, "seller_ids", []))
    current = None
    if account is not None:
        current = {
            "bank": f"{account.bank_name} {account.account_number}",
            "holder": account.account_holder,
            "via": account.recorded_via,
            "consent_on": account.consent_on.isoformat() if account.consent_on else "",
            "explanation": account.holder_explanation,
            "updated": jakarta_time(account.updated_at, lang),
            "consent_url": consent_url if may_view else "",
        }
    return render_template(
        "facilitators/artisan_payout_account.html",
        layout="curation/_layout.html" if curator else "seller/_layout.html",
        shop=seller.name,
        artisan_name=seller.artisan_name,
        curator=curator,
        action=action,
        current=current,
        form=form,
        back_url=url_for("payouts.index") if curator else url_for("seller.dashboard"),
        max_mb=payout_accounts.CONSENT_MAX_BYTES // (1024 * 1024),
    ), status


def _artisan_account(seller: Seller, *, curator: bool):
    """GET: the form; POST: record the account (the service checks who may, and everything else)."""
    form = ArtisanPayoutAccountForm()
    if request.method == "GET":
        form = ArtisanPayoutAccountForm(formdata=None)
        form.artisan_name.data = seller.artisan_name
        account = find_payout_account(db.session, seller.id)
        if account is not None:
            form.bank_name.data = account.bank_name
            form.account_number.data = account.account_number
            form.account_holder.data = account.account_holder
        return _artisan_page(seller, form, curator=curator)
    if form.validate_on_submit():
        upload = request.files.get("consent_file")
        # One byte past the cap: enough to know the file is too large, never more.
        data = upload.read(payout_accounts.CONSENT_MAX_BYTES + 1) if upload else b""
        # The service writes its own audit row (with the consent): not the seller area's tracker too.
        audit_tracking.stop_tracking(db.session)
        with domain_errors(form) as outcome:
            payout_accounts.record_artisan_payout_account(
                db.session,
                get_storage(current_app),
                seller=seller,
                actor=current_user,
                data=payout_accounts.ArtisanAccountInput(
                    bank_name=form.bank_name.data or "",
                    account_number=form.account_number.data or "",
                    account_holder=form.account_holder.data or "",
                    holder_explanation=form.holder_explanation.data or "",
                    consent_on=form.consent_on.data,
                    artisan_name=(form.artisan_name.data or "") if curator else None,
                ),
                consent_file=data,
                today=market_today(),
                now=utcnow(),
                max_pixels=upload_limits(current_app.config)["max_pixels"],
            )
            db.session.commit()
        if outcome.ok:
            flash(
                _(
                    "Saved. The curators have been told; payouts for %(shop)s go to this account.",
                    shop=seller.name,
                ),
                "success",
            )
            if curator:
                return redirect(url_for("facilitators.curator_payout_account", seller_id=seller.id), code=303)
            return redirect(url_for("seller.dashboard"), code=303)
        if outcome.error.status == 404:
            abort(404)
        seller = db.session.get(Seller, seller.id)
    return _artisan_page(seller, form, curator=curator, status=400)


@bp.route("/curator/sellers/<int:seller_id>/payout-account", methods=["GET", "POST"])
@curator_required
def curator_payout_account(seller_id: int):
    seller = _curator_seller(seller_id)
    if seller.user_id is not None:
        flash(_("This shop has its own account: its owner sets the bank account for payouts."), "error")
        return redirect(url_for("payouts.index"), code=303)
    return _artisan_account(seller, curator=True)


def _consent_response(seller_id: int, seller_ids):
    account = find_payout_account(db.session, seller_id)
    if not payout_accounts.may_view_consent(account, current_user, seller_ids):
        abort(404)
    try:
        data, content_type, extension = payout_accounts.read_consent(get_storage(current_app), account)
    except NotFound:
        abort(404)
    return private_file(
        data,
        mimetype=content_type,
        as_attachment=True,
        download_name=f"payout-consent-{seller_id}.{extension}",
    )


@bp.get("/curator/sellers/<int:seller_id>/payout-account/consent")
@curator_required
def curator_consent(seller_id: int):
    return _consent_response(seller_id, [seller_id])


@bp.get("/seller/shops/<int:seller_id>/payout-account/consent")
@seller_area
def seller_consent(seller_id: int):
    if g.seller_roles.get(seller_id) != ActorRole.FACILITATOR:
        abort(404)
    return _consent_response(seller_id, g.seller_ids)
