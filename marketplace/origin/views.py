"""Origin-tag pages: the seller's printable sheet, the public page a tag's QR opens, and the
curator's list with revoke and reinstate (blueprint `origin`).

`/t/<code>` is not in the anonymous page cache: it states what holds *today* (a label that expired
this morning, a tag revoked a minute ago), and neither an expiry nor a revocation bumps the catalogue
generation. It runs a fixed four queries, and tells browsers and proxies to ask again each time.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import curator_required, seller_area
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.origin import presenters, services
from marketplace.origin.forms import MakeTagsForm, ReinstateForm, RevokeForm
from marketplace.timezones import market_today
from marketplace.types import utcnow
from marketplace.views_support import domain_errors

bp = Blueprint("origin", __name__)

#: The public page may be kept by nobody without asking the server again (see the module docstring).
VERIFY_CACHE_CONTROL = "no-cache"
STATES = ("", "active", "revoked")


# ---------------------------------------------------------------------------------------------
# Seller: the sheet of hang-tags
# ---------------------------------------------------------------------------------------------


def _render_sheet(product, status: int = 200):
    tag = services.find_product_tag(db.session, product.id)
    view = presenters.sheet(product, tag, market_today(), current_language())
    return render_template("origin/sheet.html", sheet=view, make_form=MakeTagsForm(formdata=None)), status


@bp.get("/seller/products/<int:product_id>/tags")
@seller_area
def sheet(product_id: int):
    return _render_sheet(services.get_seller_product(db.session, product_id, g.seller_ids))


@bp.post("/seller/products/<int:product_id>/tags")
@seller_area
def make_tags(product_id: int):
    if not MakeTagsForm().validate_on_submit():
        abort(400)
    product = services.get_seller_product(db.session, product_id, g.seller_ids)
    with domain_errors(flash_category="error") as making:
        services.ensure_tag(
            db.session,
            product=product,
            actor=current_user,
            actor_role=g.seller_roles[product.seller_id],
            now=utcnow(),
        )
        db.session.commit()
    if not making.ok:
        return _render_sheet(services.get_seller_product(db.session, product_id, g.seller_ids), status=409)
    return redirect(url_for("origin.sheet", product_id=product_id), code=303)


# ---------------------------------------------------------------------------------------------
# Public: what a scanned tag opens
# ---------------------------------------------------------------------------------------------


@bp.get("/t/<code>")
def verify(code: str):
    tag = services.find_tag_by_code(db.session, code)
    if tag is None:
        abort(404)
    view = presenters.verification(tag, market_today(), current_language())
    return (
        render_template("origin/verify.html", tag=view),
        200,
        {"Cache-Control": VERIFY_CACHE_CONTROL},
    )


# ---------------------------------------------------------------------------------------------
# Curator: list, revoke, reinstate
# ---------------------------------------------------------------------------------------------


@bp.get("/curator/origin-tags")
@curator_required
def curator_tags():
    state = request.args.get("state", "")
    state = state if state in STATES else ""
    text = (request.args.get("q") or "")[:100]
    lang = current_language()
    tags = services.list_tags(db.session, state=state, text=text)
    return render_template(
        "origin/curator_tags.html",
        rows=[presenters.curator_row(tag, lang) for tag in tags],
        state_options=presenters.state_options(state),
        q=text,
        limited=len(tags) >= services.LIST_LIMIT,
    )


def _render_tag(tag_id: int, *, revoke_form=None, reinstate_form=None, status: int = 200):
    tag = services.get_tag(db.session, tag_id)
    return render_template(
        "origin/curator_tag.html",
        row=presenters.curator_row(tag, current_language()),
        revoke_form=revoke_form or RevokeForm(formdata=None),
        reinstate_form=reinstate_form or ReinstateForm(formdata=None),
    ), status


@bp.get("/curator/origin-tags/<int:tag_id>")
@curator_required
def curator_tag(tag_id: int):
    return _render_tag(tag_id)


@bp.post("/curator/origin-tags/<int:tag_id>/revoke")
@curator_required
def revoke(tag_id: int):
    form = RevokeForm()
    if not form.validate_on_submit():
        if form.errors.keys() - {"reason"}:
            abort(400)  # a missing CSRF token, not a too-long reason
        return _render_tag(tag_id, revoke_form=form, status=400)
    tag = services.get_tag(db.session, tag_id)
    with domain_errors(form) as outcome:
        done = services.revoke_tag(
            db.session, tag=tag, curator=current_user, reason=form.reason.data or "", now=utcnow()
        )
    if not outcome.ok:
        return _render_tag(tag_id, revoke_form=form, status=400)
    db.session.commit()
    if done:
        flash(_("Tag revoked: whoever scans it is told it no longer vouches for the product."), "success")
    else:
        flash(_("This tag was already revoked: nothing changed."), "warning")
    return redirect(url_for("origin.curator_tag", tag_id=tag_id), code=303)


@bp.post("/curator/origin-tags/<int:tag_id>/reinstate")
@curator_required
def reinstate(tag_id: int):
    form = ReinstateForm()
    if not form.validate_on_submit():
        if form.errors.keys() - {"note"}:
            abort(400)
        return _render_tag(tag_id, reinstate_form=form, status=400)
    tag = services.get_tag(db.session, tag_id)
    done = services.reinstate_tag(db.session, tag=tag, curator=current_user, note=form.note.data or "")
    db.session.commit()
    if done:
        flash(_("Tag reinstated: it vouches for the product again."), "success")
    else:
        flash(_("This tag was not revoked: nothing changed."), "warning")
    return redirect(url_for("origin.curator_tag", tag_id=tag_id), code=303)
