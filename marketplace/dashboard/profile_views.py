"""The shop's own profile (/seller/shops/<id>/profile): name, stories, desa, phone, workshop photos.

Any account running the shop (owner or facilitator) edits it; another shop's page is 404. Changes
to what buyers read wait for a curator (marketplace/seller/profile.py); every change is audited by
the seller area's tracking. The WhatsApp number keeps its own page (contact_views.py), linked here.
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from marketplace.accounts.access import seller_area
from marketplace.dashboard.forms import ActionForm
from marketplace.dashboard.profile_forms import PhotoDescriptionForm, ProfileForm, WorkshopPhotoForm
from marketplace.dashboard.profile_presenters import profile_page
from marketplace.dashboard.views import bp, delete_files_after_commit
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.media import get_storage
from marketplace.media.images import upload_limits
from marketplace.seller import profile as shop_profile
from marketplace.seller.application import find_payout_account, list_villages
from marketplace.seller.models import Seller
from marketplace.seller.payout_accounts import may_record_account
from marketplace.types import utcnow
from marketplace.views_support import domain_errors


def _own_shop(seller_id: int) -> Seller:
    shop = db.session.get(Seller, seller_id) if seller_id in g.seller_ids else None
    if shop is None:
        abort(404)
    return shop


def _payout_url(shop: Seller) -> str:
    # The last part of a complete profile, offered to whoever may set it (an owner, or the
    # facilitator of an artisan without an account), only while it is missing.
    if not may_record_account(shop.user_id, current_user.id) or find_payout_account(db.session, shop.id):
        return ""
    return url_for("facilitators.payout_account", seller_id=shop.id)


def _fill(form: ProfileForm, shop: Seller, pending) -> None:
    values = shop_profile.proposed_values(shop, pending)
    form.name.data = values["name"]
    form.story_id.data = values["story_id"]
    form.story_en.data = values["story_en"]
    form.village_id.data = values["village_id"]
    form.phone.data = shop.phone
    form.address_line.data = shop.address_line


def _render(
    shop: Seller,
    form: ProfileForm | None = None,
    photo_form: WorkshopPhotoForm | None = None,
    photo_errors: dict[int, PhotoDescriptionForm] | None = None,
    status: int = 200,
):
    pending = shop_profile.find_pending_profile(db.session, shop.id)
    if form is None:
        form = ProfileForm(formdata=None)
        _fill(form, shop, pending)
    form.village_id.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(v.id, v.name) for v in list_villages(db.session)
    ]
    photos = shop_profile.list_workshop_photos(db.session, shop.id)
    page = profile_page(
        shop,
        pending=pending,
        decision=shop_profile.find_latest_decision(db.session, shop.id),
        photos=photos,
        payout_url=_payout_url(shop),
        lang=current_language(),
    )
    # One description form per photo, prefixed so their fields' ids differ on the page.
    for view, photo in zip(page["photos"], photos, strict=True):
        described = (photo_errors or {}).get(photo.id)
        if described is None:
            described = PhotoDescriptionForm(formdata=None, prefix=f"photo-{photo.id}")
            alt = ((pending.changes or {}).get("photo_alts") or {}).get(str(photo.id)) if pending else None
            described.alt_id.data = (alt or {}).get("alt_id", photo.alt_id)
            described.alt_en.data = (alt or {}).get("alt_en", photo.alt_en)
        view["form"] = described
    return render_template(
        "seller/profile.html",
        shop=page,
        form=form,
        photo_form=photo_form or WorkshopPhotoForm(formdata=None),
        action_form=ActionForm(formdata=None),
    ), status


@bp.route("/shops/<int:seller_id>/profile", methods=["GET", "POST"], endpoint="shop_profile")
@seller_area
def profile(seller_id: int):
    shop = _own_shop(seller_id)
    if request.method == "GET":
        return _render(shop)
    form = ProfileForm()
    if not form.validate():
        return _render(shop, form, status=400)
    data = shop_profile.ProfileInput(
        name=form.name.data or "",
        story_id=form.story_id.data or "",
        story_en=form.story_en.data or "",
        village_id=form.village_id.data,
        phone=form.phone.data or "",
        address_line=form.address_line.data or "",
    )
    with domain_errors(form) as outcome:
        saved = shop_profile.save_profile(db.session, shop, data=data, actor_id=current_user.id, now=utcnow())
        db.session.commit()
    if not outcome.ok:
        return _render(_own_shop(seller_id), form, status=400)
    if saved.waiting:
        message = _(
            "Saved. A curator checks the changes to your public profile; buyers see the previous "
            "version until then."
        )
        flash(message, "success")
    else:
        flash(_("Your shop profile is saved."), "success")
    return redirect(url_for("seller.shop_profile", seller_id=seller_id), code=303)


@bp.post("/shops/<int:seller_id>/profile/photos")
@seller_area
def upload_workshop_photo(seller_id: int):
    shop = _own_shop(seller_id)
    photo_form = WorkshopPhotoForm()
    if not photo_form.validate():
        return _render(shop, photo_form=photo_form, status=400)
    upload = request.files.get("photo")
    with domain_errors(photo_form, default_field="photo") as outcome:
        shop_profile.add_workshop_photo(
            db.session,
            get_storage(current_app),
            seller=shop,
            data=upload.read() if upload else b"",
            alt_id=photo_form.alt_id.data or "",
            alt_en=photo_form.alt_en.data or "",
            actor_id=current_user.id,
            now=utcnow(),
            limits=upload_limits(current_app.config),
        )
        db.session.commit()
    if not outcome.ok:
        return _render(_own_shop(seller_id), photo_form=photo_form, status=400)
    flash(_("Photo added. Buyers see it after a curator approves it."), "success")
    return redirect(url_for("seller.shop_profile", seller_id=seller_id, _anchor="workshop"), code=303)


@bp.post("/shops/<int:seller_id>/profile/photos/<int:photo_id>")
@seller_area
def describe_workshop_photo(seller_id: int, photo_id: int):
    shop = _own_shop(seller_id)
    form = PhotoDescriptionForm(prefix=f"photo-{photo_id}")
    if not form.validate():
        return _render(shop, photo_errors={photo_id: form}, status=400)
    with domain_errors(form) as outcome:
        waits = shop_profile.describe_workshop_photo(
            db.session,
            seller=shop,
            photo_id=photo_id,
            alt_id=form.alt_id.data or "",
            alt_en=form.alt_en.data or "",
            actor_id=current_user.id,
            now=utcnow(),
        )
        db.session.commit()
    if not outcome.ok:
        if outcome.error.status == 404:
            abort(404)
        return _render(_own_shop(seller_id), photo_errors={photo_id: form}, status=400)
    if waits:
        flash(
            _("Saved. A curator checks the new description; buyers see the previous one until then."),
            "success",
        )
    else:
        flash(_("The description is saved."), "success")
    return redirect(url_for("seller.shop_profile", seller_id=seller_id, _anchor="workshop"), code=303)


@bp.post("/shops/<int:seller_id>/profile/photos/<int:photo_id>/delete")
@seller_area
def delete_workshop_photo(seller_id: int, photo_id: int):
    shop = _own_shop(seller_id)
    if not ActionForm().validate():
        abort(400)
    # Another shop's photo is NotFound: the app answers 404 and rolls back.
    files = shop_profile.delete_workshop_photo(
        db.session, seller=shop, photo_id=photo_id, actor_id=current_user.id, now=utcnow()
    )
    db.session.commit()
    delete_files_after_commit(files)
    flash(_("Photo removed."), "success")
    return redirect(url_for("seller.shop_profile", seller_id=seller_id, _anchor="workshop"), code=303)
