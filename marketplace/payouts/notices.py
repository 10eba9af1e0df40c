"""The seller's side of a payout: an email to everyone who runs the shop, saying how much the
kecamatan transferred, to which account and with which bank reference, so the artisan can look
for it in their bank book instead of wondering whether the sale was ever paid."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.money import money_text
from marketplace.payouts.models import Payout
from marketplace.seller.contacts import list_shop_contacts
from marketplace.seller.models import Seller
from marketplace.seller.presenters import payout_text


def email_payout(session: Session, seller: Seller, payout: Payout) -> int:
    """Queue "we transferred your money" to each contact of `seller`, in their language; returns
    how many. Flushes only (send_email)."""
    account = payout_text(payout)
    sent = 0
    for user in list_shop_contacts(session, [seller.id]).get(seller.id, []):
        lang = user.locale or "id"
        send_email(
            session,
            to=user.email,
            subject=_l(
                "Payout for %(shop)s: %(amount)s",
                shop=seller.name,
                amount=money_text(payout.amount_idr, "IDR", lang),
            ),
            template="seller_notice",
            lang=lang,
            context={
                "name": user.name,
                "body": _l(
                    "The kecamatan has transferred %(amount)s to %(account)s (bank reference "
                    "%(reference)s). It can take a working day to show in your account.",
                    amount=money_text(payout.amount_idr, "IDR", lang),
                    account=account,
                    reference=payout.bank_reference,
                ),
                "note": "",
                "link": external_url("payouts.seller_sales", shop=seller.id),
                "link_text": _l("See your sales and payouts"),
            },
        )
        sent += 1
    return sent
