"""Seller pages for a product's options and variants (routes on the seller blueprint)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from marketplace.accounts.access import seller_area
from marketplace.catalogue.models import MAX_OPTIONS, Product, ProductStatus
from marketplace.catalogue.variants import missing_options, variant_values_text
from marketplace.dashboard import variants as services
from marketplace.dashboard.forms import ActionForm, NewVariantForm, OptionsForm, VariantForm
from marketplace.dashboard.views import bp, own_product
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.i18n import current_language, localized
from marketplace.money import money_text
from marketplace.types import utcnow
from marketplace.views_support import domain_errors

VARIANT_FIELD_NAMES = {"price_minor": "price"}


def _variant_input(form: VariantForm) -> services.VariantInput:
    return services.VariantInput(
        values=tuple(
            (field.data or "") if (field := getattr(form, f"value{i}", None)) is not None else ""
            for i in range(1, MAX_OPTIONS + 1)
        ),
        sku=form.sku.data or "",
        price_minor=form.price.data,
        weight_grams=form.weight_grams.data,
        image_id=form.image_id.data,
        stock=getattr(getattr(form, "stock", None), "data", None),
    )


def _prepare_variant_form(form: VariantForm, product: Product, options) -> None:
    """Label the value fields with the product's option names; photo choices; unused fields off."""
    lang = current_language()
    for option in options:
        name = option.name_en if lang == "en" and option.name_en else option.name_id
        getattr(form, f"value{option.position}").label.text = name
    for position in range(len(options) + 1, MAX_OPTIONS + 1):
        if f"value{position}" in form:
            del form[f"value{position}"]
    form.image_id.choices = [SelectChoice("", _("The product's cover photo"))] + [
        SelectChoice(image.id, _("Photo %(n)d", n=index))
        for index, image in enumerate(product.images, start=1)
    ]


def _page(product: Product, *, options_form=None, new_form=None, status: int = 200):
    lang = current_language()
    options = services.list_options(db.session, product)
    variants = services.list_variants(db.session, product)
    if options_form is None:
        options_form = OptionsForm(formdata=None)
        for option in options:
            getattr(options_form, f"option{option.position}_id").data = option.name_id
            getattr(options_form, f"option{option.position}_en").data = option.name_en
    if new_form is None:
        new_form = NewVariantForm(prefix="new", formdata=None)
    _prepare_variant_form(new_form, product, options)
    pending = services.pending_variant_prices(db.session, product)
    rows = [
        {
            "name": variant_values_text(options, v) if options else _("The product itself"),
            # An option added after this variant existed leaves its value empty: hidden from buyers.
            "missing_value": bool(missing_options(options, v)),
            "pending_price": money_text(
                pending[v.id] if pending[v.id] is not None else product.price_minor, product.currency, lang
            )
            if v.id in pending
            else "",
            "sku": v.sku,
            "price": money_text(v.effective_price_minor, product.currency, lang),
            "own_price": v.price_minor is not None,
            "weight": v.effective_weight_grams,
            "stock": v.stock,
            "edit_url": url_for("seller.edit_variant", product_id=product.id, variant_id=v.id),
            "stock_url": url_for("seller.stock", product_id=product.id, variant=v.id),
            "delete_url": url_for("seller.delete_variant", product_id=product.id, variant_id=v.id)
            if len(variants) > 1
            else "",
        }
        for v in variants
    ]
    return render_template(
        "seller/variants.html",
        product={
            "id": product.id,
            "title": localized(product, "title", lang),
            "price": money_text(product.price_minor, product.currency, lang),
            "editable": product.status != ProductStatus.ARCHIVED,
        },
        option_names=[o.name_en if lang == "en" and o.name_en else o.name_id for o in options],
        has_options=bool(options),
        rows=rows,
        missing_values=sum(row["missing_value"] for row in rows),
        options_form=options_form,
        new_form=new_form,
        action_form=ActionForm(formdata=None),
    ), status


@bp.route("/products/<int:product_id>/variants", methods=["GET", "POST"])
@seller_area
def variants(product_id: int):
    product = own_product(product_id)
    if request.method == "GET":
        return _page(product)
    action = request.form.get("action")
    if action == "options":
        form = OptionsForm()
        if form.validate_on_submit():
            names = [
                (getattr(form, f"option{i}_id").data or "", getattr(form, f"option{i}_en").data or "")
                for i in range(1, MAX_OPTIONS + 1)
            ]
            with domain_errors(form, default_field="option1_id") as outcome:
                services.save_options(db.session, product=product, names=names)
                db.session.commit()
            if outcome.ok:
                flash(_("Options saved."), "success")
                return redirect(url_for("seller.variants", product_id=product.id), code=303)
            product = own_product(product_id)
        return _page(product, options_form=form, status=400)
    if action == "add":
        form = NewVariantForm(prefix="new")
        _prepare_variant_form(form, product, services.list_options(db.session, product))
        if form.validate_on_submit():
            with domain_errors(form, renames=VARIANT_FIELD_NAMES) as outcome:
                services.add_variant(
                    db.session,
                    product=product,
                    data=_variant_input(form),
                    actor_id=current_user.id,
                    now=utcnow(),
                )
                db.session.commit()
            if outcome.ok:
                flash(_("Variant added."), "success")
                return redirect(url_for("seller.variants", product_id=product.id), code=303)
            product = own_product(product_id)
        return _page(product, new_form=form, status=400)
    abort(400)


@bp.route("/products/<int:product_id>/variants/<int:variant_id>", methods=["GET", "POST"])
@seller_area
def edit_variant(product_id: int, variant_id: int):
    product = own_product(product_id)
    variant = services.get_variant(db.session, product, variant_id)
    options = services.list_options(db.session, product)
    form = VariantForm()
    if request.method == "GET":
        form.value1.data, form.value2.data, form.value3.data = variant.values
        form.sku.data = variant.sku
        pending = services.pending_variant_prices(db.session, product)
        form.price.data = pending[variant.id] if variant.id in pending else variant.price_minor
        form.weight_grams.data = variant.weight_grams
        form.image_id.data = variant.image_id
    _prepare_variant_form(form, product, options)
    if request.method == "POST" and form.validate_on_submit():
        with domain_errors(form, renames=VARIANT_FIELD_NAMES) as outcome:
            saved = services.update_variant(
                db.session,
                product=product,
                variant=variant,
                data=_variant_input(form),
                actor_id=current_user.id,
                now=utcnow(),
            )
            db.session.commit()
        if outcome.ok:
            if saved == "review":
                flash(_("Saved. The new price shows after a curator approves it."), "success")
            else:
                flash(_("Variant saved."), "success")
            return redirect(url_for("seller.variants", product_id=product.id), code=303)
    lang = current_language()
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "seller/variant_form.html",
        form=form,
        product={"id": product.id, "title": localized(product, "title", lang)},
        variant_name=variant_values_text(options, variant) if options else _("The product itself"),
        variant_stock=variant.stock,
        action_url=url_for("seller.edit_variant", product_id=product.id, variant_id=variant.id),
    ), status


@bp.post("/products/<int:product_id>/variants/<int:variant_id>/delete")
@seller_area
def delete_variant(product_id: int, variant_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    product = own_product(product_id)
    variant = services.get_variant(db.session, product, variant_id)
    with domain_errors(catch=Conflict, flash_category="error") as outcome:
        services.delete_variant(db.session, product=product, variant=variant)
        db.session.commit()
    if outcome.ok:
        flash(_("Variant deleted."), "success")
    return redirect(url_for("seller.variants", product_id=product_id), code=303)
