"""The shop's WhatsApp contact (/seller/shops/<id>/contact): the number and the opt-in.

Any account running the shop (owner or facilitator) sets it; another shop's page is 404. The
change is audited by the seller area's tracking (a Seller row changes).
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Length

from marketplace.accounts.access import seller_area
from marketplace.contact import mobile_display
from marketplace.dashboard.views import bp
from marketplace.extensions import db
from marketplace.seller.models import Seller
from marketplace.seller.whatsapp import set_whatsapp
from marketplace.views_support import domain_errors


class ContactForm(FlaskForm):
    number = StringField(_l("WhatsApp number"), validators=[Length(max=40)])
    publish = BooleanField(_l("Show “Ask the maker on WhatsApp” on my product pages"))


def _own_shop(seller_id: int) -> Seller:
    shop = db.session.get(Seller, seller_id) if seller_id in g.seller_ids else None
    if shop is None:
        abort(404)
    return shop


@bp.route("/shops/<int:seller_id>/contact", methods=["GET", "POST"])
@seller_area
def contact(seller_id: int):
    shop = _own_shop(seller_id)
    form = ContactForm()
    if not form.is_submitted():
        form.number.data = mobile_display(shop.whatsapp_number) if shop.whatsapp_number else ""
        form.publish.data = shop.whatsapp_public
    elif form.validate():
        with domain_errors(form) as outcome:
            set_whatsapp(db.session, shop, number=form.number.data or "", publish=bool(form.publish.data))
            db.session.commit()
        if outcome.ok:
            if shop.whatsapp_public:
                flash(_("Buyers can now write to you on WhatsApp from your product pages."), "success")
            else:
                flash(_("Saved. Your product pages do not show a WhatsApp number."), "success")
            return redirect(url_for("seller.contact", seller_id=seller_id), code=303)
        shop = _own_shop(seller_id)
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "seller/contact.html",
        form=form,
        shop=shop.name,
        published=mobile_display(shop.whatsapp_number) if shop.whatsapp_public else "",
        profile_url=url_for("seller.shop_profile", seller_id=seller_id),
    ), status
