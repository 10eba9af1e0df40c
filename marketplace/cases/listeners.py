"""The buyer's order page asks the cases domain how to get help with each part: receivers of
`marketplace.signals`, connected when this module is imported (by `marketplace.models`). They read,
never write."""

from __future__ import annotations

from urllib.parse import quote

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from marketplace import signals
from marketplace.cases.models import CaseStatus
from marketplace.cases.services import list_cases_for_fulfilments
from marketplace.contact import mobile_display, office_contact
from marketplace.orders.models import FulfilmentStatus
from marketplace.seller.whatsapp import public_whatsapp


def _shop_whatsapp(fulfilment, order, lang: str) -> dict:
    """The shop's WhatsApp, when it published one for buyers (seller.whatsapp), with the order named."""
    number = public_whatsapp(fulfilment.seller) if fulfilment.seller else ""
    if not number:
        return {"whatsapp": "", "whatsapp_url": ""}
    with force_locale(lang):
        text = _("Hello, I am writing about my order %(number)s.", number=order.number)
    return {
        "whatsapp": mobile_display(number),
        "whatsapp_url": f"https://wa.me/{number.lstrip('+')}?text={quote(text, safe='')}",
    }


@signals.order_page.connect
def help_on_order_page(sender, *, session, order, lang, **kwargs) -> dict:
    """templates/orders/_delivery.html: each part's latest problem report (open or decided), and
    for a part that arrived, the shop's WhatsApp and the district office's contact: problem
    reports close on receipt, so the buyer still has someone to write to."""
    latest = {}
    for case in list_cases_for_fulfilments(session, [f.id for f in order.fulfilments]):
        latest[case.fulfilment_id] = case  # ordered by id: the last one wins
    help_rows = {}
    for fulfilment in order.fulfilments:
        case = latest.get(fulfilment.id)
        on_its_way = fulfilment.status in (FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED)
        help_rows[fulfilment.id] = {
            "case_id": case.id if case else None,
            "case_open": bool(case and case.status == CaseStatus.OPEN),
            "arrived": fulfilment.status == FulfilmentStatus.DELIVERED,
            **(
                _shop_whatsapp(fulfilment, order, lang)
                if on_its_way
                else {"whatsapp": "", "whatsapp_url": ""}
            ),
        }
    return {"part_help": help_rows, "office": office_contact(current_app.config)}
