"""Seller pages for stock: adjust a product's count, see its ledger and the low-stock list."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import params
from marketplace.accounts.access import seller_area
from marketplace.catalogue.variants import variant_values_text
from marketplace.dashboard import presenters
from marketplace.dashboard import stock as services
from marketplace.dashboard import variants as variant_services
from marketplace.dashboard.forms import AdjustStockForm, SetStockForm
from marketplace.dashboard.views import bp, own_product
from marketplace.extensions import db
from marketplace.i18n import current_language, localized
from marketplace.types import utcnow
from marketplace.views_support import domain_errors, page_count, page_links

#: Low-stock rows a page.
LOW_STOCK_PAGE_SIZE = 50


def _chosen_variant(product):
    """`?variant=<id>` (one of the product's), else its first variant."""
    variants = variant_services.list_variants(db.session, product)
    wanted = request.args.get("variant", type=int)
    return variants, next((v for v in variants if v.id == wanted), variants[0])


@bp.route("/products/<int:product_id>/stock", methods=["GET", "POST"])
@seller_area
def stock(product_id: int):
    product = own_product(product_id)
    variants, variant = _chosen_variant(product)
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
            with domain_errors(form) as outcome:
                if action == "adjust":
                    new_stock = services.adjust_stock(
                        db.session,
                        product=product,
                        delta=adjust_form.delta.data,
                        reason=adjust_form.reason.data or "",
                        actor_id=current_user.id,
                        now=utcnow(),
                        variant=variant,
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
                        variant=variant,
                    )
                db.session.commit()
            if outcome.ok:
                flash(_("Stock is now %(stock)d.", stock=new_stock), "success")
                return redirect(url_for("seller.stock", product_id=product_id, variant=variant.id), code=303)
            product = own_product(product_id)
            variants, variant = _chosen_variant(product)
    count_form.expected_stock.data = variant.stock
    count_form.expected_stock.raw_text = ""
    lang = current_language()
    options = variant_services.list_options(db.session, product)
    names = {v.id: variant_values_text(options, v) for v in variants} if options else {}
    ledger = [
        presenters.ledger_row(r, lang, variant_names=names)
        for r in services.list_stock_movements(db.session, product)
    ]
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
            "stock_note": presenters.stock_note(
                product.stock, low=services.is_low(product), warning_at=product.low_stock_threshold
            ),
        },
        variants=[
            {
                "name": names[v.id],
                "stock": v.stock,
                "stock_note": presenters.stock_note(v.stock, low=v.stock <= product.low_stock_threshold),
                "url": url_for("seller.stock", product_id=product.id, variant=v.id),
                "chosen": v.id == variant.id,
            }
            for v in variants
        ]
        if options
        else [],
        chosen_name=names.get(variant.id, ""),
        form_action=url_for("seller.stock", product_id=product.id, variant=variant.id),
        adjust_form=adjust_form,
        count_form=count_form,
        ledger=ledger,
    ), status


@bp.get("/stock/low")
@seller_area
def low_stock():
    lang = current_language()
    # Paged (issue 16: a shop of 2,000 products had 953 rows on one page).
    pages = page_count(services.count_low_stock(db.session, g.seller_ids), LOW_STOCK_PAGE_SIZE)
    page = min(params.find_id(request.args.get("page")) or 1, pages)
    rows = [
        {
            **presenters.product_row(row.product, lang, has_pending_change=False),
            "threshold": row.product.low_stock_threshold,
            "variant": row.variant_name,
            "stock": row.variant.stock,
            "stock_url": url_for("seller.stock", product_id=row.product.id, variant=row.variant.id),
        }
        for row in services.list_low_stock(
            db.session, g.seller_ids, limit=LOW_STOCK_PAGE_SIZE, offset=(page - 1) * LOW_STOCK_PAGE_SIZE
        )
    ]
    return render_template(
        "seller/low_stock.html",
        rows=rows,
        pagination=page_links(page, pages, lambda number: url_for("seller.low_stock", page=number)),
    )
