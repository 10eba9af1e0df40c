"""The seller dashboard under /seller/: apply, listings, photos, stock, orders to ship.

A seller reaches only the shops their account runs: anything else answers 404, exactly like a
product that does not exist. Curators review applications and listings in the curation console
(marketplace/curation/queue_views.py). This module holds the blueprint, the dashboard and
onboarding; the other pages are in product_views, stock_views, order_views, bulk_views and
customs_views, which add routes to `bp`.
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from marketplace.accounts.access import list_managed_sellers, user_seller_roles
from marketplace.cases import presenters as case_presenters
from marketplace.cases import services as case_services
from marketplace.catalogue.models import Product
from marketplace.curation.presenters import seller_decision_rows
from marketplace.dashboard import fulfilments, presenters
from marketplace.dashboard import products as seller_products
from marketplace.dashboard.forms import ApplicationForm
from marketplace.dashboard.menu import seller_menu, waiting_counts
from marketplace.extensions import db
from marketplace.i18n import current_language, localized
from marketplace.labels.presenters import dashboard_warnings
from marketplace.media import get_storage
from marketplace.orders.cancel_presenters import late_banner
from marketplace.orders.lateness import list_late_parts
from marketplace.orders.models import FulfilmentStatus
from marketplace.seller import application as seller_application
from marketplace.seller import common
from marketplace.seller import presenters as seller_presenters
from marketplace.seller.models import SellerStatus
from marketplace.timezones import market_today
from marketplace.types import utcnow
from marketplace.views_support import domain_errors

# The package is `dashboard`, the blueprint keeps the name "seller": endpoints (`seller.…`),
# URLs (/seller/…) and templates/seller/ are unchanged.
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


def own_product(product_id: int) -> Product:
    return seller_products.get_seller_product(db.session, product_id, g.seller_ids)


def actor_label(fulfilment) -> str:
    # Shown to the buyer in the order's history: the shop's name, never the owner's email.
    shop = fulfilment.lines[0].seller_name if fulfilment.lines else ""
    return f"seller {shop}".strip()[:60]


def add_missing_errors(form, errors: dict[str, str], renames: dict[str, str] | None = None) -> None:
    """After the form refused a field, still show the service's other complaints: all at once."""
    renames = renames or {}
    for name, message in errors.items():
        field = getattr(form, renames.get(name, name), None)
        if field is not None and not field.errors:
            field.errors = [message]


def delete_files_after_commit(files) -> None:
    if files:
        common.delete_files(get_storage(current_app), files)


@bp.get("/")
@login_required
def dashboard():
    sellers = list_managed_sellers(db.session, current_user.id)  # owned and facilitated shops
    if not sellers:
        return redirect(url_for("seller.apply"))
    ids = [s.id for s in sellers]
    lang = current_language()
    approved_ids = [s.id for s in sellers if s.status == SellerStatus.APPROVED]
    # Counted in SQL (the menu's one query), listed five at a time: a big shop has thousands of
    # parcels and products, and loading them all to count them cost most of this page.
    counts = waiting_counts(db.session, ids)
    to_ship = [
        presenters.fulfilment_row(f, lang)
        for f in fulfilments.list_fulfilments(
            db.session, ids, statuses=[FulfilmentStatus.PROCESSING], limit=5
        )
    ]
    shops = [
        {
            "name": s.name,
            "status": str(s.status),
            "status_label": seller_presenters.seller_status_label(s.status),
            "village": s.village.name,
            "public_url": url_for("storefront.seller", slug=s.slug)
            if s.status == SellerStatus.APPROVED
            else "",
            "payout": seller_presenters.payout_text(seller_application.find_payout_account(db.session, s.id)),
            # The owner changes where the money goes; for an artisan without an account, the
            # facilitator records it with the artisan's signed consent (never for an owned shop).
            "payout_url": url_for("facilitators.payout_account", seller_id=s.id)
            if s.user_id == current_user.id or s.user_id is None
            else "",
            "review_note": s.review_note if s.status == SellerStatus.REJECTED else "",
            "contact_url": url_for("seller.contact", seller_id=s.id),
            "profile_url": url_for("seller.shop_profile", seller_id=s.id),
            "whatsapp_text": presenters.whatsapp_text(s),
        }
        for s in sellers
    ]
    return render_template(
        "seller/dashboard.html",
        shops=shops,
        any_approved=bool(approved_ids),
        all_rejected=all(s.status == SellerStatus.REJECTED for s in sellers),
        product_count=seller_products.count_seller_products(db.session, ids),
        new_links=presenters.new_product_links(sellers),
        to_ship=to_ship,
        to_ship_count=counts["to_ship"],
        # Every count the menu's "waiting" adds up is named here too (open reports are listed above).
        questions_count=counts["questions"],
        late=late_banner(
            list_late_parts(
                db.session,
                now=utcnow(),
                grace_days=current_app.config.get("LATE_GRACE_DAYS", 2),
                seller_ids=ids,
            ),
            lang,
        ),
        low_stock_text=seller_presenters.low_stock_text(counts["low_stock_products"], counts["low_stock"]),
        label_warnings=_label_warnings(ids, lang),
        decisions=_recent_decisions(ids, lang),
        # Problem reports buyers opened, at the top: a seller on a phone sees them on arrival.
        reports=case_presenters.seller_open_cases(
            case_services.list_open_cases_for_sellers(db.session, ids), lang
        ),
    )


def _recent_decisions(seller_ids, lang):
    # The curators' latest decisions on these shops' products, with their notes (curation console).
    return seller_decision_rows(db.session, seller_ids, lang)


def _label_warnings(seller_ids, lang):
    # Labels expiring within 30 days (marketplace/labels).
    return dashboard_warnings(db.session, seller_ids, today=market_today(), lang=lang)


def _application_choices(form: ApplicationForm) -> None:
    form.village_id.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(v.id, v.name) for v in seller_application.list_villages(db.session)
    ]
    form.cluster_ids.choices = [
        SelectChoice(c.id, localized(c, "name")) for c in seller_application.list_clusters(db.session)
    ]


def _application_input(form: ApplicationForm) -> seller_application.ApplicationInput:
    return seller_application.ApplicationInput(
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
    sellers = seller_application.list_user_sellers(db.session, current_user.id)
    if any(s.status != SellerStatus.REJECTED for s in sellers):
        return redirect(url_for("seller.dashboard"))
    form = ApplicationForm()
    _application_choices(form)
    if form.validate_on_submit():
        data = _application_input(form)
        with domain_errors(form) as outcome:
            seller_application.apply_to_sell(db.session, user=current_user, data=data, now=utcnow())
            db.session.commit()
        if outcome.ok:
            flash(_("Thank you! A curator will check your application soon."), "success")
            return redirect(url_for("seller.dashboard"), code=303)
    elif form.is_submitted():
        add_missing_errors(form, seller_application.check_application(db.session, _application_input(form)))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("seller/apply.html", form=form), status


from marketplace.dashboard import (  # noqa: E402,F401  (register their routes on bp)
    bulk_views,
    cancel_views,
    contact_views,
    customs_views,
    order_views,
    product_views,
    profile_views,
    stock_views,
    variant_views,
)
