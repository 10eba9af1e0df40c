"""A shop's WhatsApp contact: the number it may publish, and whether buyers see it (opt-in)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from marketplace.contact import mobile_e164
from marketplace.errors import ValidationError
from marketplace.i18n import message as _l
from marketplace.seller.models import Seller


def set_whatsapp(session: Session, seller: Seller, *, number: str, publish: bool) -> Seller:
    """Keep the shop's WhatsApp number (E.164) and whether product pages offer it.

    An empty number is allowed (the contact is then off). Raises ValidationError (field "number")
    for anything but an Indonesian mobile number, or for publishing without a number. The caller
    checks that the account runs `seller` (the seller area's guard); the change is audited there.
    """
    raw = (number or "").strip()
    e164 = mobile_e164(raw) if raw else ""
    if e164 is None:
        raise ValidationError(
            str(_l("Enter an Indonesian mobile number, e.g. 0812 3456 7890 or +62 812 3456 7890.")),
            field="number",
        )
    if publish and not e164:
        raise ValidationError(str(_l("Enter the number buyers may write to.")), field="number")
    seller.whatsapp_number = e164
    seller.whatsapp_public = bool(publish and e164)
    session.flush()
    return seller


def public_whatsapp(seller: Seller) -> str:
    """The number buyers may write to ("" unless the shop opted in)."""
    return seller.whatsapp_number if seller.whatsapp_public and seller.whatsapp_number else ""
