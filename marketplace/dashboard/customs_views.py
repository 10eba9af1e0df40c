"""Seller page: the printable customs declaration (CN22 / CN23) of a parcel sent abroad."""

from __future__ import annotations

from flask import current_app, g, render_template, url_for

from marketplace.accounts.access import seller_area
from marketplace.dashboard import fulfilments as services
from marketplace.dashboard.views import bp
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.seller.models import Seller
from marketplace.shipping.customs import DEFAULT_CN22_MAX_IDR, build_customs_declaration
from marketplace.shipping.presenters import present_customs


@bp.get("/orders/<int:fulfilment_id>/customs")
@seller_area
def customs(fulfilment_id: int):
    """CN22 or CN23, pre-filled; another shop's parcel or a domestic one → 404."""
    fulfilment = services.get_seller_fulfilment(db.session, fulfilment_id, g.seller_ids)
    declaration = build_customs_declaration(
        fulfilment,
        cn22_max_idr=int(current_app.config.get("CUSTOMS_CN22_MAX_IDR", DEFAULT_CN22_MAX_IDR)),
    )
    lang = current_language()
    shop = db.session.get(Seller, fulfilment.seller_id)
    return render_template(
        "seller/customs.html",
        customs=present_customs(declaration, fulfilment, shop=shop, lang=lang),
        order_url=url_for("seller.order", fulfilment_id=fulfilment.id),
    )
