"""Couriers and their tracking pages: data in the `couriers` table, edited by curators."""

from __future__ import annotations

from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.audit.services import record_action
from marketplace.errors import InvalidInput, NotFound
from marketplace.i18n import message as _l
from marketplace.shipping.models import Courier

PLACEHOLDER = "{tracking}"

#: (code, name, tracking page with {tracking}, international). Seeded by migration
#: 0007_delivery_cases (from a frozen copy) and by the demo.
DEFAULT_COURIERS = (
    ("jne", "JNE", "https://www.jne.co.id/tracking-package?awb={tracking}", False),
    ("jnt", "J&T Express", "https://jet.co.id/track?awb={tracking}", False),
    ("sicepat", "SiCepat", "https://www.sicepat.com/checkAwb?awb={tracking}", False),
    ("pos", "POS Indonesia", "https://www.posindonesia.co.id/id/tracking?barcode={tracking}", False),
    ("anteraja", "AnterAja", "https://anteraja.id/tracking?awb={tracking}", False),
    ("ems", "EMS / POS international", "https://www.posindonesia.co.id/en/tracking?barcode={tracking}", True),
    ("dhl", "DHL Express", "https://www.dhl.com/id-en/home/tracking.html?tracking-id={tracking}", True),
    ("fedex", "FedEx", "https://www.fedex.com/fedextrack/?trknbr={tracking}", True),
)


def tracking_url(template: str | None, tracking_number: str) -> str:
    """The courier's page for this parcel, or "" without a template or a number.

    The number is percent-encoded whole (no "/" kept), so it cannot change the page's path or
    add query parameters.
    """
    number = (tracking_number or "").strip()
    if not template or not number or PLACEHOLDER not in template:
        return ""
    return template.replace(PLACEHOLDER, quote(number, safe=""))


def ensure_default_couriers(session: Session) -> int:
    """Add the default couriers that are missing (by code); curators' edits are kept. Rows added."""
    have = set(session.scalars(sa.select(Courier.code)))
    added = 0
    for position, (code, name, url, international) in enumerate(DEFAULT_COURIERS):
        if code not in have:
            session.add(
                Courier(
                    code=code, name=name, tracking_url=url, international=international, position=position
                )
            )
            added += 1
    if added:
        session.flush()
    return added


def list_couriers(session: Session, *, active_only: bool = False) -> list[Courier]:
    statement = sa.select(Courier).order_by(Courier.international, Courier.position, Courier.id)
    if active_only:
        statement = statement.where(Courier.active.is_(True))
    return list(session.scalars(statement))


def find_courier(session: Session, code: str | None) -> Courier | None:
    if not code:
        return None
    return session.scalar(sa.select(Courier).where(Courier.code == code))


def tracking_templates(session: Session, codes) -> dict[str, str]:
    """{code: tracking URL template} for these codes: one query."""
    wanted = sorted({code for code in codes if code})
    if not wanted:
        return {}
    rows = session.execute(sa.select(Courier.code, Courier.tracking_url).where(Courier.code.in_(wanted)))
    return {code: url for code, url in rows}


def _check(name: str, url: str) -> dict:
    errors = {}
    if not 2 <= len(name) <= 60:
        errors["name"] = _l("Enter the courier's name (2 to 60 characters).")
    if not url.startswith("https://") or url.count(PLACEHOLDER) != 1 or len(url) > 300 or " " in url:
        errors["tracking_url"] = _l(
            "Enter the courier's tracking page as an https:// address containing {tracking} once."
        )
    return errors


def update_courier(
    session: Session, courier: Courier, *, name: str, tracking_url: str, active: bool, actor
) -> bool:
    """A curator corrects a courier's name, tracking page or whether it is offered. Audited.

    Raises InvalidInput (name, tracking_url); returns False when nothing changed.
    """
    name = " ".join((name or "").split())
    url = (tracking_url or "").strip()
    errors = _check(name, url)
    if errors:
        raise InvalidInput(errors)
    before = {"name": courier.name, "tracking_url": courier.tracking_url, "active": courier.active}
    after = {"name": name, "tracking_url": url, "active": bool(active)}
    if before == after:
        return False
    courier.name, courier.tracking_url, courier.active = name, url, bool(active)
    session.flush()
    record_action(
        session,
        actor=actor,
        action="courier.update",
        target_type="courier",
        target_id=courier.id,
        target_label=courier.code,
        before=before,
        after=after,
    )
    return True


def get_courier(session: Session, courier_id: int) -> Courier:
    courier = session.get(Courier, courier_id)
    if courier is None:
        raise NotFound(_l("Not found."))
    return courier
