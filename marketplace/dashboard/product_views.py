"""Seller pages for listings and their photos (routes on the seller blueprint)."""

from __future__ import annotations

import hashlib

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from marketplace import params
from marketplace.accounts.access import list_managed_sellers, seller_area, user_seller_ids
from marketplace.catalogue.models import Product, ProductStatus
from marketplace.catalogue.photos import PhotoEntry, photo_view
from marketplace.catalogue.variants import is_offered, offered_stock, option_names, variant_values_text
from marketplace.curation import revisions
from marketplace.dashboard import photos as dashboard_photos
from marketplace.dashboard import presenters
from marketplace.dashboard import products as dashboard_products
from marketplace.dashboard.forms import ActionForm, NewProductForm, PhotoForm, ProductForm
from marketplace.dashboard.views import (
    PHOTO_TOKEN,
    add_missing_errors,
    bp,
    delete_files_after_commit,
    own_product,
)
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.i18n import current_language, localized
from marketplace.media import get_storage
from marketplace.media.images import upload_limits
from marketplace.money import money_text
from marketplace.seller import application, common
from marketplace.seller.models import SellerStatus
from marketplace.types import utcnow
from marketplace.views_support import apply_error, asks_for_json, domain_errors, json_error


def _product_filter(clusters) -> tuple[dashboard_products.ProductFilter, dict[str, str]]:
    """The list's filters from ?status=&cluster=&q=; a value that names nothing is ignored."""
    status = request.args.get("status", "")
    status = status if status in {s.value for s in ProductStatus} else ""
    cluster = request.args.get("cluster", "")
    cluster_id = next((c.id for c in clusters if c.slug == cluster), None)
    query = " ".join(request.args.get("q", "")[: dashboard_products.MAX_QUERY_LENGTH].split())
    args = {"status": status, "cluster": cluster if cluster_id else "", "q": query}
    filters = dashboard_products.ProductFilter(
        status=ProductStatus(status) if status else None, cluster_id=cluster_id, query=query
    )
    return filters, {name: value for name, value in args.items() if value}


@bp.get("/products")
@seller_area
def products():
    lang = current_language()
    clusters = application.list_clusters(db.session)
    filters, args = _product_filter(clusters)
    total = dashboard_products.count_seller_products(db.session, g.seller_ids, filters)
    pages = max(1, -(-total // dashboard_products.PAGE_SIZE))
    page = min(params.find_id(request.args.get("page")) or 1, pages)
    items = dashboard_products.list_seller_products(
        db.session,
        g.seller_ids,
        filters,
        limit=dashboard_products.PAGE_SIZE,
        offset=(page - 1) * dashboard_products.PAGE_SIZE,
    )
    pending = dashboard_products.products_with_pending_changes(db.session, [p.id for p in items])
    rows = [presenters.product_row(p, lang, has_pending_change=p.id in pending) for p in items]
    managed = list_managed_sellers(db.session, current_user.id)
    return render_template(
        "seller/products.html",
        rows=rows,
        can_create=any(s.status == SellerStatus.APPROVED for s in managed),
        new_links=presenters.new_product_links(managed),
        multi_shop=len(g.seller_ids) > 1,
        filter_form=presenters.product_filter_form(
            args.get("status", ""), args.get("cluster", ""), args.get("q", ""), clusters, lang
        ),
        summary=ngettext("%(num)d product", "%(num)d products", total),
        pagination=presenters.page_links(
            page, pages, lambda number: url_for("seller.products", **args, page=number)
        ),
    )


def _cluster_choices(form: ProductForm) -> None:
    form.cluster_id.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(c.id, localized(c, "name")) for c in application.list_clusters(db.session)
    ]


def _product_input(form: ProductForm) -> dashboard_products.ProductInput:
    return dashboard_products.ProductInput(
        cluster_id=form.cluster_id.data,
        title_id=form.title_id.data or "",
        title_en=form.title_en.data or "",
        description_id=form.description_id.data or "",
        description_en=form.description_en.data or "",
        price_minor=form.price.data,
        weight_grams=form.weight_grams.data,
        length_cm=form.length_cm.data,
        width_cm=form.width_cm.data,
        height_cm=form.height_cm.data,
        processing_days=form.processing_days.data,
        exportable=bool(form.exportable.data),
        hs_code=form.hs_code.data or "",
        low_stock_threshold=form.low_stock_threshold.data,
        stock=getattr(getattr(form, "stock", None), "data", None),
    )


PRODUCT_FIELD_NAMES = {"price_minor": "price"}


def _chosen_shop_id() -> int | None:
    """The shop the form names (its `shop` field), else the link's ?shop=; None when neither does.

    A value that is no id at all names no shop the account runs: 404, as for someone else's.
    """
    raw = request.form.get("shop") if request.method == "POST" and "shop" in request.form else None
    if raw is None:
        raw = request.args.get("shop")
    if not raw:
        return None
    shop_id = params.find_id(raw)
    if shop_id is None:
        abort(404)
    return shop_id


@bp.route("/products/new", methods=["GET", "POST"])
@seller_area
def new_product():
    shops = list_managed_sellers(db.session, current_user.id)
    approved = [s for s in shops if s.status == SellerStatus.APPROVED]
    if not approved:
        flash(_("You can add products once a curator has approved your shop."), "warning")
        return redirect(url_for("seller.dashboard"), code=303)
    # Someone else's shop: 404 (the app's DomainError handler); None: several shops, none chosen.
    shop = dashboard_products.choose_shop(shops, _chosen_shop_id())
    form = NewProductForm()
    _cluster_choices(form)
    form.shop.choices = [SelectChoice("", _("Choose…"))] + [SelectChoice(s.id, s.name) for s in approved]
    form.shop.data = shop.id if shop else None
    if form.validate_on_submit() and shop is not None:
        with domain_errors(form, renames=PRODUCT_FIELD_NAMES) as outcome:
            product = dashboard_products.create_product(
                db.session,
                seller=shop,
                data=_product_input(form),
                actor_id=current_user.id,
                now=utcnow(),
            )
            db.session.commit()
        if outcome.ok:
            flash(_("Saved. Add photos now; a curator checks the product before buyers see it."), "success")
            return redirect(url_for("seller.edit_product", product_id=product.id), code=303)
    elif form.is_submitted():
        errors = dashboard_products.check_product_input(db.session, _product_input(form), creating=True)
        if shop is None:
            errors["shop"] = _("Choose which shop this product is for.")
        add_missing_errors(form, errors, PRODUCT_FIELD_NAMES)
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "seller/product_form.html",
        form=form,
        product=None,
        new_shop=presenters.new_product_shop(shop, shops),
    ), status


def _fill_product_form(form: ProductForm, product: Product) -> None:
    values = dashboard_products.proposed_values(db.session, product)

    def cm(mm):
        return mm // 10 if mm else None

    form.cluster_id.data = product.cluster_id
    form.title_id.data = values["title_id"]
    form.title_en.data = values["title_en"]
    form.description_id.data = values["description_id"]
    form.description_en.data = values["description_en"]
    form.price.data = values["price_minor"]
    form.weight_grams.data = product.weight_grams
    form.length_cm.data = cm(product.length_mm)
    form.width_cm.data = cm(product.width_mm)
    form.height_cm.data = cm(product.height_mm)
    form.processing_days.data = product.processing_days
    form.low_stock_threshold.data = product.low_stock_threshold
    form.exportable.data = product.exportable
    form.hs_code.data = product.hs_code or ""


def values_seen(product: Product) -> str:
    """A short fingerprint of the values the edit form shows for `product` (its saved or proposed
    values, not stock or photos), so that a save from an out-of-date page can be told apart."""
    shown = ProductForm(formdata=None, meta={"csrf": False})
    _fill_product_form(shown, product)
    values = repr([(field.name, field.data) for field in shown if field.name != "seen"])
    return hashlib.sha256(values.encode()).hexdigest()[:16]


def _render_product_page(
    product: Product, form: ProductForm, photo_form: PhotoForm | None = None, status=200
):
    lang = current_language()
    revision = revisions.find_pending_revision(db.session, product)
    title = localized(product, "title", lang)
    photos = [photo_view(e, title) for e in revisions.list_photos(db.session, product)]
    for index, photo in enumerate(photos):
        photo["first"] = index == 0
        photo["last"] = index == len(photos) - 1
    return (
        render_template(
            "seller/product_form.html",
            form=form,
            product={
                "id": product.id,
                "title": title,
                # An account running several shops is told whose product this is.
                "shop_name": product.seller.name if len(g.seller_ids) > 1 else "",
                "status": str(product.status),
                "status_label": presenters.product_status_label(product.status),
                "stock": product.stock,
                "price": money_text(product.price_minor, product.currency, lang),
                "is_active": product.status == ProductStatus.ACTIVE,
                "is_archived": product.status == ProductStatus.ARCHIVED,
                "is_draft": product.status == ProductStatus.DRAFT,
                "pending_change": revision is not None and bool(revision.changes),
                "variants_url": url_for("seller.variants", product_id=product.id),
                "variant_count": len(product.variants),
                "has_options": bool(product.options),
                "rejection_note": dashboard_products.find_last_rejection_note(db.session, product),
                "public_url": url_for("storefront.product", product_id=product.id, slug=product.slug)
                if product.status == ProductStatus.ACTIVE
                else "",
            },
            photos=photos,
            can_add_photo=len(photos) < common.MAX_PHOTOS and product.status != ProductStatus.ARCHIVED,
            max_photos=common.MAX_PHOTOS,
            photo_form=photo_form or PhotoForm(formdata=None),
            action_form=ActionForm(formdata=None),
        ),
        status,
    )


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@seller_area
def edit_product(product_id: int):
    product = own_product(product_id)
    form = ProductForm()
    _cluster_choices(form)
    if request.method == "GET":
        _fill_product_form(form, product)
        form.seen.data = values_seen(product)
    elif form.seen.data and form.seen.data != values_seen(product):
        # Saved meanwhile in another tab (or by the shop's facilitator): keep what was typed, say so,
        # and let a second Save apply it over the newer values.
        form.form_errors.append(
            _(
                "This product was changed in another window after you opened this page. Your entries "
                "are still below: check them and press Save changes again."
            )
        )
        form.seen.data = values_seen(product)
        return _render_product_page(product, form, status=409)
    elif form.validate_on_submit():
        with domain_errors() as saving:
            outcome = dashboard_products.update_product(
                db.session, product=product, data=_product_input(form), actor_id=current_user.id, now=utcnow()
            )
            db.session.commit()
        if saving.ok:
            if outcome == "review":
                flash(
                    _("Saved. Changes to the name, description or price show after a curator approves them."),
                    "success",
                )
            else:
                flash(_("Saved."), "success")
            return redirect(url_for("seller.edit_product", product_id=product.id), code=303)
        product = own_product(product_id)
        if isinstance(saving.error, Conflict):  # e.g. archived meanwhile: the form is not shown then
            flash(saving.error.message, "error")
            form.form_errors.append(saving.error.message)
        else:
            apply_error(form, saving.error, renames=PRODUCT_FIELD_NAMES)
    else:
        errors = dashboard_products.check_product_input(db.session, _product_input(form), creating=False)
        add_missing_errors(form, errors, PRODUCT_FIELD_NAMES)
    status = 400 if form.errors or form.form_errors else 200
    return _render_product_page(product, form, status=status)


@bp.get("/products/<int:product_id>/preview")
@seller_area
def preview(product_id: int):
    product = own_product(product_id)
    lang = current_language()
    values = dashboard_products.proposed_values(db.session, product)
    english = lang == "en"
    title = (values["title_en"] if english and values["title_en"] else values["title_id"]) or ""
    description = (
        values["description_en"] if english and values["description_en"] else values["description_id"]
    ) or ""
    photos = [photo_view(e, title, width=640) for e in revisions.list_photos(db.session, product)]
    return render_template(
        "seller/preview.html",
        product_id=product.id,
        title=title,
        description_paragraphs=[p for p in description.split("\n") if p.strip()],
        price=money_text(values["price_minor"], product.currency, lang),
        photos=photos,
        seller_name=product.seller.name,
        village=product.seller.village.name,
        weight=product.weight_grams,
        processing_days=product.processing_days,
        # As the product page: a variant missing a value for an option is not shown, nor counted.
        in_stock=offered_stock(product) > 0,
        awaiting_values=offered_stock(product) <= 0 < product.stock,
        variants_legend=" / ".join(option_names(product.options, lang)),
        variants=[
            {
                "name": variant_values_text(product.options, v),
                "price": money_text(v.effective_price_minor, product.currency, lang),
                "in_stock": v.stock > 0,
            }
            for v in product.variants
            if is_offered(product.options, v)
        ]
        if product.options
        else [],
        hidden_variants=sum(not is_offered(product.options, v) for v in product.variants)
        if product.options
        else 0,
    )


def _status_action(product_id: int, action, message: str):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    product = own_product(product_id)
    with domain_errors(catch=Conflict, flash_category="error") as outcome:
        files = action(product)
        db.session.commit()
    if outcome.ok:
        delete_files_after_commit(files)
        flash(message, "success")
    return redirect(url_for("seller.edit_product", product_id=product_id), code=303)


@bp.post("/products/<int:product_id>/archive")
@seller_area
def archive(product_id: int):
    return _status_action(
        product_id,
        lambda p: dashboard_products.archive_product(db.session, product=p, now=utcnow()),
        _("The product is archived: buyers no longer see it."),
    )


@bp.post("/products/<int:product_id>/restore")
@seller_area
def restore(product_id: int):
    return _status_action(
        product_id,
        lambda p: dashboard_products.restore_product(db.session, product=p, now=utcnow()),
        _("The product is back in the review queue."),
    )


@bp.post("/products/<int:product_id>/submit")
@seller_area
def submit(product_id: int):
    return _status_action(
        product_id,
        lambda p: dashboard_products.submit_for_review(db.session, product=p, now=utcnow()),
        _("Sent for review."),
    )


def _file_name(name: str | None) -> str:
    # Shown back in messages (escaped by Jinja and JSON): the last part of the name, kept short.
    return (name or "").replace("\\", "/").rsplit("/", 1)[-1][:80]


def _refusal_text(refusal: dashboard_photos.Refusal) -> str:
    if not refusal.name:
        return refusal.message
    return _("%(file)s: %(message)s", file=refusal.name, message=refusal.message)


def _added_text(added: list[PhotoEntry]) -> str:
    waiting = any(entry.awaiting_review for entry in added)
    if len(added) == 1:
        return _("Photo added. Buyers see it after a curator approves it.") if waiting else _("Photo added.")
    if waiting:
        return ngettext(
            "%(num)d photo added. Buyers see them after a curator approves them.",
            "%(num)d photos added. Buyers see them after a curator approves them.",
            len(added),
        )
    return ngettext("%(num)d photo added.", "%(num)d photos added.", len(added))


@bp.post("/products/<int:product_id>/photos")
@seller_area
def upload_photo(product_id: int):
    """Add one or several photos (the field `photo`, `multiple`), each checked on its own.

    The plain form gets a redirect when every file was stored, else the product page again naming
    each refused file (the others are stored). The uploader script sends one resized photo per
    request with `Accept: application/json`: 201 with the stored photo, or a 4xx JSON error whose
    message is in the seller's language.
    """
    wants_json = asks_for_json()  # the uploader script (static/js/photo-upload.js)
    product = own_product(product_id)  # another shop's: 404, in JSON for the script (web.py)
    photo_form = PhotoForm()
    if not photo_form.validate_on_submit():
        abort(400)
    # An empty file input still sends one part (no name, no bytes): "The file is empty."
    uploads = [
        dashboard_photos.Upload(_file_name(item.filename), item.read())
        for item in request.files.getlist("photo")
    ] or [dashboard_photos.Upload("", b"")]
    with domain_errors() as outcome:
        added, refused = dashboard_photos.add_photos(
            db.session,
            get_storage(current_app),
            product=product,
            uploads=uploads,
            actor_id=current_user.id,
            now=utcnow(),
            limits=upload_limits(current_app.config),
        )
        db.session.commit()
    if not outcome.ok:  # an archived product: its page has no upload form to show the message in
        if wants_json:
            return json_error(outcome.error.status, outcome.error.message)
        flash(outcome.error.message, "error")
        return redirect(url_for("seller.edit_product", product_id=product_id), code=303)
    if wants_json:
        title = localized(product, "title", current_language())
        photos = [photo_view(entry, title) for entry in added]
        if refused:
            first = refused[0]
            body = {"status": first.status, "message": first.message, "file": first.name}
            return jsonify(error=body, photos=photos), first.status  # and the photos stored before it
        return jsonify(photos=photos, message=_added_text(added)), 201
    if added:
        flash(_added_text(added), "success")
    if not refused:
        return redirect(url_for("seller.edit_product", product_id=product_id, _anchor="photos"), code=303)
    product = own_product(product_id)
    photo_form.photo.errors = [_refusal_text(refusal) for refusal in refused]
    form = ProductForm(formdata=None)
    _cluster_choices(form)
    _fill_product_form(form, product)
    return _render_product_page(product, form, photo_form, status=400)


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    """A request over MAX_CONTENT_LENGTH: the product page again with the message (JSON for the script)."""
    db.session.rollback()
    product_id = (request.view_args or {}).get("product_id")
    message = _("The upload is too large: at most %(mb)d MB at once. Please choose fewer or smaller photos.",
                mb=current_app.config.get("MAX_CONTENT_LENGTH", 0) // (1024 * 1024))  # fmt: skip
    if request.endpoint == "seller.upload_photo" and asks_for_json():
        return json_error(413, message)
    if request.endpoint != "seller.upload_photo" or not current_user.is_authenticated or product_id is None:
        return render_template("errors/error.html", status=413, message=message), 413
    g.seller_ids = user_seller_ids(db.session, current_user)
    product = own_product(product_id)
    form = ProductForm(formdata=None)
    _cluster_choices(form)
    _fill_product_form(form, product)
    photo_form = PhotoForm(formdata=None)
    photo_form.photo.errors = [message]
    return _render_product_page(product, form, photo_form, status=413)


def _photo_action(product_id: int, token: str, action):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    product = own_product(product_id)
    if not PHOTO_TOKEN.match(token):
        abort(404)
    with domain_errors(catch=Conflict, flash_category="error") as outcome:
        files = action(product)
        db.session.commit()
    if outcome.ok:
        delete_files_after_commit(files)
    return redirect(url_for("seller.edit_product", product_id=product_id, _anchor="photos"), code=303)


@bp.post("/products/<int:product_id>/photos/<token>/up")
@seller_area
def photo_up(product_id: int, token: str):
    return _photo_action(
        product_id,
        token,
        lambda p: dashboard_photos.move_photo(
            db.session, product=p, token=token, offset=-1, actor_id=current_user.id, now=utcnow()
        ),
    )


@bp.post("/products/<int:product_id>/photos/<token>/down")
@seller_area
def photo_down(product_id: int, token: str):
    return _photo_action(
        product_id,
        token,
        lambda p: dashboard_photos.move_photo(
            db.session, product=p, token=token, offset=1, actor_id=current_user.id, now=utcnow()
        ),
    )


@bp.post("/products/<int:product_id>/photos/<token>/delete")
@seller_area
def photo_delete(product_id: int, token: str):
    def action(product):
        files = dashboard_photos.delete_photo(
            db.session, product=product, token=token, actor_id=current_user.id, now=utcnow()
        )
        flash(_("Photo removed."), "success")
        return files

    return _photo_action(product_id, token, action)
