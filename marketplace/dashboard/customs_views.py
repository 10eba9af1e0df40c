"""Seller pages: the printable customs declaration (CN22 / CN23) and the address label of a parcel.

What goes on the parcel is read by posts and customs abroad: for a parcel sent abroad both print
in English (the CN22/CN23 headings in French too, as on the UPU's forms) whatever the seller's
language, rendered under flask_babel.force_locale; the page around them (the notes, the links)
stays in the seller's language. A domestic parcel's label prints in Indonesian.
"""

from __future__ import annotations

from flask import abort, current_app, g, render_template, url_for
from flask_babel import force_locale
from markupsafe import Markup

from marketplace.accounts.access import seller_area
from marketplace.dashboard import fulfilments as services
from marketplace.dashboard.presenters import units_to_ship
from marketplace.dashboard.views import bp
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.orders.models import Fulfilment
from marketplace.refunds.parcels import parcel_refunds
from marketplace.seller.models import Seller
from marketplace.shipping.customs import DEFAULT_CN22_MAX_IDR, build_customs_declaration, is_international
from marketplace.shipping.presenters import (
    ShipFrom,
    present_customs,
    present_customs_notes,
    present_shipping_label,
)

#: The language of what is printed for a parcel abroad, and for one within Indonesia.
ABROAD_LANGUAGE = "en"
HOME_LANGUAGE = "id"


def _units_left(fulfilment: Fulfilment) -> dict[int, int]:
    """{order line id: units still to go in the parcel} (refunded or cancelled units do not)."""
    refunds = parcel_refunds(db.session, [fulfilment.id]).get(fulfilment.id)
    return {line.id: max(0, units_to_ship(line, refunds)) for line in fulfilment.lines}


def _declaration(fulfilment: Fulfilment, units_left: dict[int, int]):
    return build_customs_declaration(
        fulfilment,
        cn22_max_idr=int(current_app.config.get("CUSTOMS_CN22_MAX_IDR", DEFAULT_CN22_MAX_IDR)),
        units_left=units_left,
    )


@bp.get("/orders/<int:fulfilment_id>/customs")
@seller_area
def customs(fulfilment_id: int):
    """CN22 or CN23, pre-filled, in English; another shop's parcel or a domestic one → 404."""
    fulfilment = services.get_seller_fulfilment(db.session, fulfilment_id, g.seller_ids)
    declaration = _declaration(fulfilment, _units_left(fulfilment))
    shop = db.session.get(Seller, fulfilment.seller_id)
    place = ShipFrom.from_config(current_app.config)
    with force_locale(ABROAD_LANGUAGE):
        form = present_customs(declaration, fulfilment, shop=shop, place=place, lang=ABROAD_LANGUAGE)
        document = render_template("seller/_customs_form.html", customs=form)
    return render_template(
        "seller/customs.html",
        document=Markup(document),  # noqa: S704 — our own template's output, escaped when rendered
        notes=present_customs_notes(declaration, current_language()),
        title=f"{declaration.form} · {fulfilment.order.number}",
        order_url=url_for("seller.order", fulfilment_id=fulfilment.id),
        label_url=url_for("seller.shipping_label", fulfilment_id=fulfilment.id),
    )


@bp.get("/orders/<int:fulfilment_id>/label")
@seller_area
def shipping_label(fulfilment_id: int):
    """The address label: in English for a parcel abroad, in Indonesian at home; none for pickup."""
    fulfilment = services.get_seller_fulfilment(db.session, fulfilment_id, g.seller_ids)
    if str(fulfilment.order.shipping_method) != "courier":
        abort(404)
    abroad = is_international(fulfilment)
    units_left = _units_left(fulfilment)
    form = _declaration(fulfilment, units_left).form if abroad else ""
    shop = db.session.get(Seller, fulfilment.seller_id)
    place = ShipFrom.from_config(current_app.config)
    language = ABROAD_LANGUAGE if abroad else HOME_LANGUAGE
    with force_locale(language):
        label = present_shipping_label(
            fulfilment, shop=shop, place=place, lang=language, units_left=units_left, form=form
        )
        document = render_template("seller/_shipping_label.html", label=label)
    return render_template(
        "seller/shipping_label.html",
        document=Markup(document),  # noqa: S704 — our own template's output, escaped when rendered
        number=fulfilment.order.number,
        abroad=abroad,
        order_url=url_for("seller.order", fulfilment_id=fulfilment.id),
        customs_url=url_for("seller.customs", fulfilment_id=fulfilment.id) if abroad else "",
    )
