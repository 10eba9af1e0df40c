"""Curator pages: shipping zones with their weight tiers, one tier's price and days; couriers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import curator_required
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.money import Money
from marketplace.shipping import couriers as couriers_service
from marketplace.shipping import services
from marketplace.shipping.forms import CourierForm, RateForm
from marketplace.shipping.presenters import kilograms, present_couriers, present_zones
from marketplace.views_support import domain_errors

bp = Blueprint("shipping", __name__, url_prefix="/curator/shipping")


@bp.get("")
@curator_required
def zones():
    lang = current_language()
    return render_template("shipping/zones.html", zones=present_zones(services.list_zones(db.session), lang))


def _render_rate(rate, form: RateForm, status: int = 200):
    lang = current_language()
    zone = rate.zone
    return (
        render_template(
            "shipping/rate.html",
            form=form,
            rate={
                "id": rate.id,
                "zone": zone.name_en if lang == "en" else zone.name_id,
                "weight": kilograms(rate.max_weight_grams, lang),
                "price": Money(rate.price_minor, rate.currency).format(lang),
            },
        ),
        status,
    )


@bp.route("/rates/<int:rate_id>", methods=["GET", "POST"])
@curator_required
def edit_rate(rate_id: int):
    rate = services.get_rate(db.session, rate_id)
    form = RateForm()
    if not form.is_submitted():
        form.price.data = rate.price_minor
        form.days_min.data = rate.est_days_min
        form.days_max.data = rate.est_days_max
        return _render_rate(rate, form)
    if not form.validate():
        return _render_rate(rate, form, 400)
    with domain_errors(form, catch=ValidationError, default_field="price") as outcome:
        changed = services.update_shipping_rate(
            db.session,
            rate=rate,
            price_minor=form.price.data,
            est_days_min=form.days_min.data,
            est_days_max=form.days_max.data,
            actor=current_user,
            note=(form.note.data or "").strip(),
        )
    if not outcome.ok:
        rate = services.get_rate(db.session, rate_id)
        return _render_rate(rate, form, 400)
    db.session.commit()
    flash(_("Shipping rate saved.") if changed else _("Nothing changed."), "success" if changed else "info")
    return redirect(url_for("shipping.zones", _anchor=f"zone-{rate.zone_id}"), code=303)


@bp.get("/couriers")
@curator_required
def couriers():
    rows = couriers_service.list_couriers(db.session)
    return render_template("shipping/couriers.html", couriers=present_couriers(rows))


@bp.route("/couriers/<int:courier_id>", methods=["GET", "POST"])
@curator_required
def edit_courier(courier_id: int):
    courier = couriers_service.get_courier(db.session, courier_id)
    form = CourierForm()
    if not form.is_submitted():
        form.name.data, form.tracking_url.data = courier.name, courier.tracking_url
        form.active.data = courier.active
        return render_template("shipping/courier.html", form=form, courier=courier)
    if form.validate():
        with domain_errors(form) as outcome:
            changed = couriers_service.update_courier(
                db.session,
                courier,
                name=form.name.data or "",
                tracking_url=form.tracking_url.data or "",
                active=bool(form.active.data),
                actor=current_user,
            )
            db.session.commit()
        if outcome.ok:
            flash(_("Courier saved.") if changed else _("Nothing changed."), "success" if changed else "info")
            return redirect(url_for("shipping.couriers"), code=303)
        courier = couriers_service.get_courier(db.session, courier_id)
    return render_template("shipping/courier.html", form=form, courier=courier), 400
