"""The seller dashboard under /seller/: apply, listings, photos, stock, orders to ship.

A seller reaches only the shops their account runs: anything else answers 404, exactly like a
product that does not exist. Curators review applications and listings in the curation console
(marketplace/curation/queue_views.py).
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from marketplace.accounts.access import list_managed_sellers, seller_area, user_seller_ids, user_seller_roles
from marketplace.catalogue.models import Product, ProductStatus, Seller, SellerStatus
from marketplace.errors import Conflict, DomainError, InvalidInput
from marketplace.extensions import db
from marketplace.i18n import current_language, localized
from marketplace.media import get_storage
from marketplace.media.images import upload_limits
from marketplace.money import money_text
from marketplace.orders.models import FulfilmentStatus
from marketplace.seller import presenters, services
from marketplace.seller.forms import (
    ActionForm,
    AdjustStockForm,
    ApplicationForm,
    NewProductForm,
    PhotoForm,
    ProductForm,
    SetStockForm,
    ShipForm,
)
from marketplace.seller.menu import seller_menu
from marketplace.timezones import market_today
from marketplace.types import utcnow

bp = Blueprint("seller", __name__, url_prefix="/seller")

PHOTO_TOKEN = re.compile(r"^[ip][0-9]{1,12}$")


@bp.app_context_processor
def seller_menu_context():
    # Only seller pages pay for the menu's counts query; everything else gets no menu.
    if request.path.startswith("/seller") and current_user.is_authenticated:
        roles = g.get("seller_roles")
        if roles is None:
            roles = user_seller_roles(db.session, current_user)
        return {"seller_menu": seller_menu(db.session, roles)}
    return {"seller_menu": None}


# ---------------------------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------------------------


def _own_product(product_id: int) -> Product:
    return services.get_seller_product(db.session, product_id, g.seller_ids)


def _actor_label(fulfilment) -> str:
    # Shown to the buyer in the order's history: the shop's name, never the owner's email.
    shop = fulfilment.lines[0].seller_name if fulfilment.lines else ""
    return f"seller {shop}".strip()[:60]


def _apply_errors(form, error: DomainError, renames: dict[str, str] | None = None) -> None:
    """Put a service's messages next to their fields (or above the form when there is none)."""
    renames = renames or {}
    errors = error.errors if isinstance(error, InvalidInput) else {error.field: error.message}
    for name, message in errors.items():
        field = getattr(form, renames.get(name, name) or "", None) if name else None
        if field is not None:
            field.errors = [*(field.errors or []), message]
        else:
            form.form_errors.append(message)


def _add_missing_errors(form, errors: dict[str, str], renames: dict[str, str] | None = None) -> None:
    """After the form refused a field, still show the service's other complaints: all at once."""
    renames = renames or {}
    for name, message in errors.items():
        field = getattr(form, renames.get(name, name), None)
        if field is not None and not field.errors:
            field.errors = [message]


def _delete_files_after_commit(files) -> None:
    if files:
        services.delete_files(get_storage(current_app), files)


# ---------------------------------------------------------------------------------------------
# Dashboard and onboarding
# ---------------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def dashboard():
    sellers = list_managed_sellers(db.session, current_user.id)  # owned and facilitated shops
    if not sellers:
        return redirect(url_for("seller.apply"))
    ids = [s.id for s in sellers]
    lang = current_language()
    approved_ids = [s.id for s in sellers if s.status == SellerStatus.APPROVED]
    to_ship = [
        presenters.fulfilment_row(f, lang)
        for f in services.list_fulfilments(db.session, ids)
        if f.status == FulfilmentStatus.PROCESSING
    ]
    shops = [
        {
            "name": s.name,
            "status": str(s.status),
            "status_label": presenters.seller_status_label(s.status),
            "village": s.village.name,
            "public_url": url_for("catalogue.seller", slug=s.slug)
            if s.status == SellerStatus.APPROVED
            else "",
            "payout": presenters.payout_text(services.find_payout_account(db.session, s.id)),
            # Only the owner changes where the money goes (never a facilitator).
            "payout_url": url_for("facilitators.payout_account", seller_id=s.id)
            if s.user_id == current_user.id
            else "",
            "review_note": s.review_note if s.status == SellerStatus.REJECTED else "",
        }
        for s in sellers
    ]
    return render_template(
        "seller/dashboard.html",
        shops=shops,
        any_approved=bool(approved_ids),
        all_rejected=all(s.status == SellerStatus.REJECTED for s in sellers),
        product_count=len(services.list_seller_products(db.session, ids)),
        to_ship=to_ship[:5],
        to_ship_count=len(to_ship),
        low_stock_count=len(services.list_low_stock(db.session, ids)),
        label_warnings=_label_warnings(ids, lang),
        decisions=_recent_decisions(ids, lang),
    )


def _recent_decisions(seller_ids, lang):
    # The curators' latest decisions on these shops' products, with their notes (curation console).
    from marketplace.curation.presenters import seller_decision_rows

    return seller_decision_rows(db.session, seller_ids, lang)


def _label_warnings(seller_ids, lang):
    # Labels expiring within 30 days (marketplace/labels): imported here, labels.views imports us.
    from marketplace.labels.presenters import dashboard_warnings

    return dashboard_warnings(db.session, seller_ids, today=market_today(), lang=lang)


def _application_choices(form: ApplicationForm) -> None:
    form.village_id.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(v.id, v.name) for v in services.list_villages(db.session)
    ]
    form.cluster_ids.choices = [
        SelectChoice(c.id, localized(c, "name")) for c in services.list_clusters(db.session)
    ]


def _application_input(form: ApplicationForm) -> services.ApplicationInput:
    return services.ApplicationInput(
        name=form.name.data or "",
        kind=form.kind.data or "",
        village_id=form.village_id.data,
        cluster_ids=form.cluster_ids.data or [],
        story_id=form.story_id.data or "",
        story_en=form.story_en.data or "",
        phone=form.phone.data or "",
        bank_name=form.bank_name.data or "",
        account_number=form.account_number.data or "",
        account_holder=form.account_holder.data or "",
    )


@bp.route("/apply", methods=["GET", "POST"])
@login_required
def apply():
    sellers = services.list_user_sellers(db.session, current_user.id)
    if any(s.status != SellerStatus.REJECTED for s in sellers):
        return redirect(url_for("seller.dashboard"))
    form = ApplicationForm()
    _application_choices(form)
    if form.validate_on_submit():
        data = _application_input(form)
        try:
            services.apply_to_sell(db.session, user=current_user, data=data, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            _apply_errors(form, error)
        else:
            db.session.commit()
            flash(_("Thank you! A curator will check your application soon."), "success")
            return redirect(url_for("seller.dashboard"), code=303)
    elif form.is_submitted():
        _add_missing_errors(form, services.check_application(db.session, _application_input(form)))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("seller/apply.html", form=form), status


# ---------------------------------------------------------------------------------------------
# Listings
# ---------------------------------------------------------------------------------------------


@bp.get("/products")
@seller_area
def products():
    lang = current_language()
    items = services.list_seller_products(db.session, g.seller_ids)
    pending = services.products_with_pending_changes(db.session, [p.id for p in items])
    rows = [presenters.product_row(p, lang, has_pending_change=p.id in pending) for p in items]
    managed = list_managed_sellers(db.session, current_user.id)
    approved = [s for s in managed if s.status == SellerStatus.APPROVED]
    # With several shops, one "add" link per shop (?shop=<id>) so the product lands in the right one.
    new_links = (
        [{"shop": s.name, "url": url_for("seller.new_product", shop=s.id)} for s in approved]
        if len(approved) > 1
        else []
    )
    return render_template(
        "seller/products.html",
        rows=rows,
        can_create=bool(approved),
        new_links=new_links,
        multi_shop=len(g.seller_ids) > 1,
    )


def _cluster_choices(form: ProductForm) -> None:
    form.cluster_id.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(c.id, localized(c, "name")) for c in services.list_clusters(db.session)
    ]


def _product_input(form: ProductForm) -> services.ProductInput:
    return services.ProductInput(
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


@bp.route("/products/new", methods=["GET", "POST"])
@seller_area
def new_product():
    sellers = [
        s for s in list_managed_sellers(db.session, current_user.id) if s.status == SellerStatus.APPROVED
    ]
    if not sellers:
        flash(_("You can add products once a curator has approved your shop."), "warning")
        return redirect(url_for("seller.dashboard"), code=303)
    # Several shops (an owner's, or a facilitator's): ?shop=<id> picks which one gets the product.
    shop_id = request.args.get("shop", type=int)
    sellers = [s for s in sellers if s.id == shop_id] or sellers
    form = NewProductForm()
    _cluster_choices(form)
    if form.validate_on_submit():
        try:
            product = services.create_product(
                db.session,
                seller=sellers[0],
                data=_product_input(form),
                actor_id=current_user.id,
                now=utcnow(),
            )
        except DomainError as error:
            db.session.rollback()
            _apply_errors(form, error, PRODUCT_FIELD_NAMES)
        else:
            db.session.commit()
            flash(_("Saved. Add photos now; a curator checks the product before buyers see it."), "success")
            return redirect(url_for("seller.edit_product", product_id=product.id), code=303)
    elif form.is_submitted():
        errors = services.check_product_input(db.session, _product_input(form), creating=True)
        _add_missing_errors(form, errors, PRODUCT_FIELD_NAMES)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("seller/product_form.html", form=form, product=None), status


def _fill_product_form(form: ProductForm, product: Product) -> None:
    values = services.proposed_values(db.session, product)

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


def _render_product_page(
    product: Product, form: ProductForm, photo_form: PhotoForm | None = None, status=200
):
    lang = current_language()
    revision = services.find_pending_revision(db.session, product)
    title = localized(product, "title", lang)
    photos = [presenters.photo_view(e, title) for e in services.list_photos(db.session, product)]
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
                "status": str(product.status),
                "status_label": presenters.product_status_label(product.status),
                "stock": product.stock,
                "price": money_text(product.price_minor, product.currency, lang),
                "is_active": product.status == ProductStatus.ACTIVE,
                "is_archived": product.status == ProductStatus.ARCHIVED,
                "is_draft": product.status == ProductStatus.DRAFT,
                "pending_change": revision is not None and bool(revision.changes),
                "rejection_note": services.find_last_rejection_note(db.session, product),
                "public_url": url_for("catalogue.product", product_id=product.id, slug=product.slug)
                if product.status == ProductStatus.ACTIVE
                else "",
            },
            photos=photos,
            can_add_photo=len(photos) < services.MAX_PHOTOS and product.status != ProductStatus.ARCHIVED,
            max_photos=services.MAX_PHOTOS,
            photo_form=photo_form or PhotoForm(formdata=None),
            action_form=ActionForm(formdata=None),
        ),
        status,
    )


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@seller_area
def edit_product(product_id: int):
    product = _own_product(product_id)
    form = ProductForm()
    _cluster_choices(form)
    if request.method == "GET":
        _fill_product_form(form, product)
    elif form.validate_on_submit():
        try:
            outcome = services.update_product(
                db.session, product=product, data=_product_input(form), actor_id=current_user.id, now=utcnow()
            )
        except DomainError as error:
            db.session.rollback()
            product = _own_product(product_id)
            if isinstance(error, Conflict):  # e.g. archived meanwhile: the form is not shown then
                flash(error.message, "error")
                form.form_errors.append(error.message)
            else:
                _apply_errors(form, error, PRODUCT_FIELD_NAMES)
        else:
            db.session.commit()
            if outcome == "review":
                flash(
                    _("Saved. Changes to the name, description or price show after a curator approves them."),
                    "success",
                )
            else:
                flash(_("Saved."), "success")
            return redirect(url_for("seller.edit_product", product_id=product.id), code=303)
    else:
        errors = services.check_product_input(db.session, _product_input(form), creating=False)
        _add_missing_errors(form, errors, PRODUCT_FIELD_NAMES)
    status = 400 if form.errors or form.form_errors else 200
    return _render_product_page(product, form, status=status)


@bp.get("/products/<int:product_id>/preview")
@seller_area
def preview(product_id: int):
    product = _own_product(product_id)
    lang = current_language()
    values = services.proposed_values(db.session, product)
    english = lang == "en"
    title = (values["title_en"] if english and values["title_en"] else values["title_id"]) or ""
    description = (
        values["description_en"] if english and values["description_en"] else values["description_id"]
    ) or ""
    photos = [presenters.photo_view(e, title, width=640) for e in services.list_photos(db.session, product)]
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
        in_stock=product.stock > 0,
    )


def _status_action(product_id: int, action, message: str):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    product = _own_product(product_id)
    try:
        files = action(product)
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        _delete_files_after_commit(files)
        flash(message, "success")
    return redirect(url_for("seller.edit_product", product_id=product_id), code=303)


@bp.post("/products/<int:product_id>/archive")
@seller_area
def archive(product_id: int):
    return _status_action(
        product_id,
        lambda p: services.archive_product(db.session, product=p, now=utcnow()),
        _("The product is archived: buyers no longer see it."),
    )


@bp.post("/products/<int:product_id>/restore")
@seller_area
def restore(product_id: int):
    return _status_action(
        product_id,
        lambda p: services.restore_product(db.session, product=p, now=utcnow()),
        _("The product is back in the review queue."),
    )


@bp.post("/products/<int:product_id>/submit")
@seller_area
def submit(product_id: int):
    return _status_action(
        product_id,
        lambda p: services.submit_for_review(db.session, product=p, now=utcnow()),
        _("Sent for review."),
    )


# ---------------------------------------------------------------------------------------------
# Photos
# ---------------------------------------------------------------------------------------------


@bp.post("/products/<int:product_id>/photos")
@seller_area
def upload_photo(product_id: int):
    product = _own_product(product_id)
    photo_form = PhotoForm()
    if not photo_form.validate_on_submit():
        abort(400)
    upload = request.files.get("photo")
    data = upload.read() if upload else b""
    try:
        entry = services.add_photo(
            db.session,
            get_storage(current_app),
            product=product,
            data=data,
            actor_id=current_user.id,
            now=utcnow(),
            limits=upload_limits(current_app.config),
        )
    except DomainError as error:
        db.session.rollback()
        product = _own_product(product_id)
        photo_form.photo.errors = [error.message]
        form = ProductForm(formdata=None)
        _cluster_choices(form)
        _fill_product_form(form, product)
        return _render_product_page(product, form, photo_form, status=400)
    db.session.commit()
    if entry.awaiting_review:
        flash(_("Photo added. Buyers see it after a curator approves it."), "success")
    else:
        flash(_("Photo added."), "success")
    return redirect(url_for("seller.edit_product", product_id=product_id, _anchor="photos"), code=303)


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    """A file over MAX_CONTENT_LENGTH: show the product page again with the message."""
    db.session.rollback()
    product_id = (request.view_args or {}).get("product_id")
    message = _("The file is too large. Please choose a photo smaller than %(mb)d MB.",
                mb=current_app.config.get("MAX_CONTENT_LENGTH", 0) // (1024 * 1024))  # fmt: skip
    if request.endpoint != "seller.upload_photo" or not current_user.is_authenticated or product_id is None:
        return render_template("errors/error.html", status=413, message=message), 413
    g.seller_ids = user_seller_ids(db.session, current_user)
    product = _own_product(product_id)
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
    product = _own_product(product_id)
    if not PHOTO_TOKEN.match(token):
        abort(404)
    try:
        files = action(product)
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
        files = []
    else:
        db.session.commit()
        _delete_files_after_commit(files)
    return redirect(url_for("seller.edit_product", product_id=product_id, _anchor="photos"), code=303)


@bp.post("/products/<int:product_id>/photos/<token>/up")
@seller_area
def photo_up(product_id: int, token: str):
    return _photo_action(
        product_id,
        token,
        lambda p: services.move_photo(
            db.session, product=p, token=token, offset=-1, actor_id=current_user.id, now=utcnow()
        ),
    )


@bp.post("/products/<int:product_id>/photos/<token>/down")
@seller_area
def photo_down(product_id: int, token: str):
    return _photo_action(
        product_id,
        token,
        lambda p: services.move_photo(
            db.session, product=p, token=token, offset=1, actor_id=current_user.id, now=utcnow()
        ),
    )


@bp.post("/products/<int:product_id>/photos/<token>/delete")
@seller_area
def photo_delete(product_id: int, token: str):
    def action(product):
        files = services.delete_photo(
            db.session, product=product, token=token, actor_id=current_user.id, now=utcnow()
        )
        flash(_("Photo removed."), "success")
        return files

    return _photo_action(product_id, token, action)


# ---------------------------------------------------------------------------------------------
# Stock
# ---------------------------------------------------------------------------------------------


@bp.route("/products/<int:product_id>/stock", methods=["GET", "POST"])
@seller_area
def stock(product_id: int):
    product = _own_product(product_id)
    adjust_form = AdjustStockForm(prefix="adjust", formdata=None)
    count_form = SetStockForm(prefix="count", formdata=None)
    action = request.form.get("action")
    if request.method == "POST":
        if action == "adjust":
            form = adjust_form = AdjustStockForm(prefix="adjust")
        elif action == "count":
            form = count_form = SetStockForm(prefix="count")
        else:
            abort(400)
        if form.validate_on_submit():
            try:
                if action == "adjust":
                    new_stock = services.adjust_stock(
                        db.session,
                        product=product,
                        delta=adjust_form.delta.data,
                        reason=adjust_form.reason.data or "",
                        actor_id=current_user.id,
                        now=utcnow(),
                    )
                else:
                    new_stock = services.set_stock(
                        db.session,
                        product=product,
                        new_stock=count_form.new_stock.data,
                        expected_stock=count_form.expected_stock.data,
                        reason=count_form.reason.data or "",
                        actor_id=current_user.id,
                        now=utcnow(),
                    )
            except DomainError as error:
                db.session.rollback()
                product = _own_product(product_id)
                _apply_errors(form, error)
            else:
                db.session.commit()
                flash(_("Stock is now %(stock)d.", stock=new_stock), "success")
                return redirect(url_for("seller.stock", product_id=product_id), code=303)
    count_form.expected_stock.data = product.stock
    count_form.expected_stock.raw_text = ""
    lang = current_language()
    ledger = [presenters.ledger_row(r, lang) for r in services.list_stock_movements(db.session, product)]
    status = (
        400
        if adjust_form.errors or adjust_form.form_errors or count_form.errors or count_form.form_errors
        else 200
    )
    return render_template(
        "seller/stock.html",
        product={
            "id": product.id,
            "title": localized(product, "title", lang),
            "stock": product.stock,
            "threshold": product.low_stock_threshold,
            "low": services.is_low(product),
        },
        adjust_form=adjust_form,
        count_form=count_form,
        ledger=ledger,
    ), status


@bp.get("/stock/low")
@seller_area
def low_stock():
    lang = current_language()
    rows = [
        {**presenters.product_row(p, lang, has_pending_change=False), "threshold": p.low_stock_threshold}
        for p in services.list_low_stock(db.session, g.seller_ids)
    ]
    return render_template("seller/low_stock.html", rows=rows)


# ---------------------------------------------------------------------------------------------
# Orders to ship
# ---------------------------------------------------------------------------------------------


@bp.get("/orders")
@seller_area
def orders():
    lang = current_language()
    rows = [presenters.fulfilment_row(f, lang) for f in services.list_fulfilments(db.session, g.seller_ids)]
    return render_template("seller/orders.html", rows=rows, multi_shop=len(g.seller_ids) > 1)


def _ship_form(formdata=None) -> ShipForm:
    form = ShipForm() if formdata else ShipForm(formdata=None)
    form.courier.choices = [SelectChoice("", _("Choose…"))] + [SelectChoice(c, c) for c in services.COURIERS]
    return form


def _render_order(fulfilment, ship_form: ShipForm, status: int = 200):
    lang = current_language()
    return render_template(
        "seller/order.html",
        parcel=presenters.fulfilment_detail(fulfilment, lang),
        ship_form=ship_form,
        action_form=ActionForm(formdata=None),
    ), status


@bp.get("/orders/<int:fulfilment_id>")
@seller_area
def order(fulfilment_id: int):
    fulfilment = services.get_seller_fulfilment(db.session, fulfilment_id, g.seller_ids)
    return _render_order(fulfilment, _ship_form())


@bp.post("/orders/<int:fulfilment_id>/processing")
@seller_area
def mark_processing(fulfilment_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    fulfilment = services.get_seller_fulfilment(db.session, fulfilment_id, g.seller_ids)
    if services.mark_processing(
        db.session,
        fulfilment=fulfilment,
        actor_id=current_user.id,
        actor_label=_actor_label(fulfilment),
        now=utcnow(),
    ):
        flash(_("Marked as being prepared."), "success")
    else:
        flash(_("This parcel cannot be marked as being prepared now: nothing changed."), "warning")
    db.session.commit()
    return redirect(url_for("seller.order", fulfilment_id=fulfilment_id), code=303)


@bp.post("/orders/<int:fulfilment_id>/ship")
@seller_area
def ship(fulfilment_id: int):
    fulfilment = services.get_seller_fulfilment(db.session, fulfilment_id, g.seller_ids)
    form = _ship_form(request.form)
    if form.validate_on_submit():
        try:
            shipped = services.ship_fulfilment(
                db.session,
                fulfilment=fulfilment,
                courier=form.courier.data or "",
                tracking_number=form.tracking_number.data or "",
                actor_id=current_user.id,
                actor_label=_actor_label(fulfilment),
                now=utcnow(),
            )
        except DomainError as error:
            db.session.rollback()
            fulfilment = services.get_seller_fulfilment(db.session, fulfilment_id, g.seller_ids)
            _apply_errors(form, error)
        else:
            db.session.commit()
            if shipped:
                flash(_("Marked as shipped. The buyer has been emailed the tracking number."), "success")
            else:
                flash(
                    _("This parcel is not ready to ship (not paid, or already shipped): nothing changed."),
                    "warning",
                )
            return redirect(url_for("seller.order", fulfilment_id=fulfilment_id), code=303)
    return _render_order(fulfilment, form, status=400)


@bp.get("/orders/<int:fulfilment_id>/slip")
@seller_area
def packing_slip(fulfilment_id: int):
    fulfilment = services.get_seller_fulfilment(db.session, fulfilment_id, g.seller_ids)
    parcel = presenters.fulfilment_detail(fulfilment, current_language())
    shop = db.session.get(Seller, fulfilment.seller_id)
    return render_template(
        "seller/packing_slip.html",
        parcel=parcel,
        shop={"name": shop.name, "village": shop.village.name, "phone": shop.phone},
    )


# Route modules that add pages to this blueprint (imported last: they import `bp` from here).
from marketplace.seller import bulk_views, customs_views  # noqa: E402,F401
