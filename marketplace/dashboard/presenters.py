"""Seller-dashboard view models: formatted money and times, labels, image attributes, links."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import format_number, gettext
from flask_babel import lazy_gettext as _l

from marketplace.catalogue.models import Product, ProductStatus
from marketplace.contact import country_names, mobile_display, phone_text
from marketplace.dashboard import stock as services
from marketplace.i18n import localized
from marketplace.media import picture_attrs
from marketplace.money import money_text
from marketplace.orders.formatting import fulfilment_status_label
from marketplace.orders.models import Fulfilment, FulfilmentStatus, OrderStatus
from marketplace.orders.notes import note_lines
from marketplace.seller.models import SellerStatus
from marketplace.shipping.customs import is_international
from marketplace.stock.models import StockMovementKind
from marketplace.timezones import buyer_day, jakarta_time
from marketplace.views_support import page_links  # noqa: F401  (the seller pages' pager)

PRODUCT_STATUS_LABELS = {
    ProductStatus.DRAFT: _l("Draft: sent back by a curator"),
    ProductStatus.PENDING_REVIEW: _l("Waiting for review"),
    ProductStatus.ACTIVE: _l("On sale"),
    ProductStatus.ARCHIVED: _l("Archived"),
}

MOVEMENT_LABELS = {
    StockMovementKind.RESERVE: _l("Reserved by an order"),
    StockMovementKind.RELEASE: _l("Released (order not paid or cancelled)"),
    StockMovementKind.SALE: _l("Sold (order paid)"),
    StockMovementKind.ADJUSTMENT: _l("Correction"),
    StockMovementKind.RETURN: _l("Returned"),
}


def new_product_links(shops) -> list[dict]:
    """One "add a product to <shop>" link (?shop=<id>) per approved shop of an account running
    several (a facilitator's artisans, an owner's shops); [] for one: the plain link is enough."""
    approved = [s for s in shops if s.status == SellerStatus.APPROVED]
    if len(approved) < 2:
        return []
    return [{"shop": s.name, "url": url_for("seller.new_product", shop=s.id)} for s in approved]


def new_product_shop(shop, shops) -> dict:
    """What the new-product form says of the shop it adds to, for the account running `shops`.

    Several shops: the chosen one's name (with a link to choose another), or `ask` for a select
    of them; the form posts the id back (hidden) and its action keeps ?shop=, so an error page, a
    reload or a second tab on another shop each still add to their own. One shop: nothing to say.
    """
    approved = [s for s in shops if s.status == SellerStatus.APPROVED]
    named = shop is not None and len(shops) > 1
    return {
        "id": shop.id if shop is not None else None,
        "name": shop.name if named else "",
        "ask": shop is None,
        "change_url": url_for("seller.new_product") if named and len(approved) > 1 else "",
        "action": url_for("seller.new_product", shop=shop.id) if named else url_for("seller.new_product"),
    }


def product_status_label(status) -> str:
    return str(PRODUCT_STATUS_LABELS.get(status, status))


def product_filter_form(status: str, cluster: str, query: str, clusters, lang: str) -> dict:
    """The product list's filter form: chosen values and the options of its two selects."""
    return {
        "query": query,
        "statuses": [{"value": "", "label": gettext("Any"), "selected": not status}]
        + [
            {"value": str(value), "label": str(label), "selected": status == str(value)}
            for value, label in PRODUCT_STATUS_LABELS.items()
        ],
        "clusters": [{"value": "", "label": gettext("Any"), "selected": not cluster}]
        + [
            {"value": c.slug, "label": localized(c, "name", lang), "selected": cluster == c.slug}
            for c in clusters
        ],
        "active": bool(status or cluster or query),
    }


def stock_note(stock: int, *, low: bool, warning_at: int | None = None) -> str:
    """Beside a stock figure: "sold out" at none (buyers see "Out of stock"), "running low" at or
    under the shop's warning (naming it when `warning_at` is given), else nothing."""
    if stock <= 0:
        return gettext("sold out")
    if not low:
        return ""
    if warning_at is None:
        return gettext("running low")
    return gettext("running low (warning at %(n)d)", n=warning_at)


def product_row(product: Product, lang: str, *, has_pending_change: bool) -> dict:
    title = localized(product, "title", lang)
    cover = product.images[0] if product.images else None
    return {
        "id": product.id,
        "title": title,
        "status": str(product.status),
        "status_label": product_status_label(product.status),
        "price": money_text(product.price_minor, product.currency, lang),
        "stock": product.stock,
        "stock_note": stock_note(product.stock, low=services.is_low(product))
        if product.status != ProductStatus.ARCHIVED
        else "",
        "pending_change": has_pending_change,
        "edit_url": url_for("seller.edit_product", product_id=product.id),
        "stock_url": url_for("seller.stock", product_id=product.id),
        "cover": picture_attrs(cover, wanted_width=160) if cover else None,
        "seller_name": product.seller.name,
    }


def ledger_row(row: services.LedgerRow, lang: str, variant_names: dict[int, str] | None = None) -> dict:
    movement = row.movement
    delta = movement.quantity_delta
    return {
        "variant": (variant_names or {}).get(movement.variant_id, ""),
        "when": jakarta_time(movement.created_at, lang),
        "kind": str(MOVEMENT_LABELS.get(movement.kind, movement.kind)),
        "delta": f"+{delta}" if delta > 0 else str(delta),
        "reason": movement.reason,
        "who": row.actor_email
        or (row.order_number and str(_l("Order %(number)s", number=row.order_number)))
        or "",
    }


def units_to_ship(line, refunds) -> int:
    """Units of `line` still to go in the parcel: bought minus refunded, or minus what the shop or
    buyer cancelled when its refund is still waiting for a curator (a bank transfer back)."""
    refunded = refunds.units.get(line.id, 0) if refunds else 0
    return line.quantity - max(refunded, line.cancelled_quantity)


#: The seller's orders page, one section per step (status values, heading), in the list's order.
ORDER_SECTIONS = (
    (("processing",), _l("To ship")),
    (("pending",), _l("Waiting for the buyer's payment")),
    (("shipped",), _l("On the way")),
    (("delivered", "cancelled"), _l("Done")),
)


def order_sections(rows: list[dict]) -> list[dict]:
    """`fulfilment_row`s under their step's heading (empty steps left out, "To ship" always kept:
    a seller looks there first, and "nothing to ship" is an answer)."""
    sections = []
    for statuses, heading in ORDER_SECTIONS:
        shown = [row for row in rows if row["status"] in statuses]
        if shown or statuses == ("processing",):
            sections.append({"key": statuses[0], "heading": str(heading), "rows": shown})
    return sections


def ship_by(due: datetime | None, *, now: datetime, lang: str) -> dict:
    """When a paid parcel must be sent (its shop's processing days after payment, or its slowest
    product's: orders.lateness, the day buyers read "The shop sends it by …"), and whether that
    day has passed: {"text", "late"}, or {} for a parcel with nothing to send."""
    if due is None:
        return {}
    day = buyer_day(due, lang)
    if now <= due:
        return {"text": gettext("Send by %(day)s", day=day), "late": False}
    return {"text": gettext("Late: it was due %(day)s. Send it today.", day=day), "late": True}


def fulfilment_row(
    fulfilment: Fulfilment,
    lang: str,
    refunds=None,
    *,
    due: datetime | None = None,
    now: datetime | None = None,
) -> dict:
    """`refunds`: the parcel's `refunds.services.ParcelRefunds`, or None: counts what is left;
    `due`: when a paid parcel must be sent (orders.lateness.open_part_dues), `now` beside it."""
    order = fulfilment.order
    units = sum(units_to_ship(line, refunds) for line in fulfilment.lines)
    subtotal = sum(line.unit_price_minor * units_to_ship(line, refunds) for line in fulfilment.lines)
    subtotal_idr = sum(line.unit_price_idr * units_to_ship(line, refunds) for line in fulfilment.lines)
    paid = order.status in (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
    return {
        "id": fulfilment.id,
        "number": order.number,
        "placed": jakarta_time(order.created_at, lang),
        "status": str(fulfilment.status),
        "status_label": str(_l("Paid: pack and ship"))
        if fulfilment.status == FulfilmentStatus.PROCESSING
        else fulfilment_status_label(fulfilment.status),
        "to_ship": fulfilment.status == FulfilmentStatus.PROCESSING and order.status == OrderStatus.PAID,
        "can_mark_processing": fulfilment.status == FulfilmentStatus.PENDING
        and order.status == OrderStatus.PAID,
        "paid": paid,
        "units": units,
        "subtotal": seller_amount(subtotal_idr, subtotal, order.currency, lang),
        "shipping": money_text(fulfilment.shipping_minor, order.currency, lang),
        "courier": fulfilment.courier,
        "tracking_number": fulfilment.tracking_number,
        "shipped": jakarta_time(fulfilment.shipped_at, lang),
        "is_pickup": str(order.shipping_method) == "pickup",
        "url": url_for("seller.order", fulfilment_id=fulfilment.id),
        "shop": fulfilment.lines[0].seller_name if fulfilment.lines else "",
        "slip_url": url_for("seller.packing_slip", fulfilment_id=fulfilment.id),
        "ship_by": ship_by(due, now=now, lang=lang) if now is not None else {},
    }


def seller_amount(idr_minor: int, paid_minor: int, currency: str, lang: str) -> str:
    """Goods in rupiah (what the seller earns), with what a buyer abroad paid beside it."""
    if currency == "IDR":
        return money_text(paid_minor, currency, lang)
    return f"{money_text(idr_minor, 'IDR', lang)} ({money_text(paid_minor, currency, lang)})"


def fulfilment_detail(fulfilment: Fulfilment, lang: str, refunds=None) -> dict:
    """The parcel page and packing slip; with `refunds`, quantities, totals and weight are what is
    left to ship, and `refund` describes what was refunded (templates/seller/_parcel_refunds.html)."""
    order = fulfilment.order
    address = [
        part
        for part in (
            order.ship_name,
            order.ship_street,
            order.ship_line2,
            ", ".join(p for p in (order.ship_district, order.ship_city) if p),
            " ".join(p for p in (order.ship_province, order.ship_postal_code) if p),
            # Named as the buyer's order page names it (orders/presenters.py), in the page's language.
            country_names(lang).get(order.ship_country, order.ship_country)
            if order.ship_country != "ID"
            else "",
            # A mobile at home grouped as it is read ("0812-3456-7890"); abroad as the buyer typed it.
            order.ship_phone if order.ship_country != "ID" else phone_text(order.ship_phone),
        )
        if part
    ]
    lines = []
    weight = 0
    for line in fulfilment.lines:
        left = units_to_ship(line, refunds)
        # weight_grams is the line's (unit weight × quantity): what is left weighs its share.
        line_weight = line.weight_grams * left // line.quantity if line.quantity else 0
        weight += line_weight
        lines.append(
            {
                "title": line.title_in(lang),
                "sku": line.sku,
                "quantity": left,
                "bought": line.quantity,
                "refunded": line.quantity - left,
                "unit_price": seller_amount(line.unit_price_idr, line.unit_price_minor, order.currency, lang),
                "total": seller_amount(
                    line.unit_price_idr * left, line.unit_price_minor * left, order.currency, lang
                ),
                "weight": format_number(line_weight),
                "hs_code": line.hs_code or "",
            }
        )
    return {
        **fulfilment_row(fulfilment, lang, refunds),
        "refund": parcel_refund_view(fulfilment, refunds, lang) if refunds else None,
        "address_lines": address,
        "lines": lines,
        "total_weight": format_number(weight),
        "note_lines": note_lines(order.note),
        "seller_name": fulfilment.lines[0].seller_name if fulfilment.lines else "",
        "customs_url": url_for("seller.customs", fulfilment_id=fulfilment.id)
        if is_international(fulfilment)
        else "",
        "label_url": ""
        if str(order.shipping_method) == "pickup"
        else url_for("seller.shipping_label", fulfilment_id=fulfilment.id),
    }


def parcel_refund_view(fulfilment: Fulfilment, refunds, lang: str) -> dict:
    """What was refunded from this parcel, for the seller: units not to ship, and each refund."""
    titles = {line.id: line.title_in(lang) for line in fulfilment.lines}
    units = sum(refunds.units.values())
    not_shipped = fulfilment.status in (FulfilmentStatus.PENDING, FulfilmentStatus.PROCESSING)
    history = []
    for refund, lines in refunds.refunds:
        what = [
            str(_l("%(num)d × %(title)s", num=line.quantity, title=titles.get(line.order_line_id, "")))
            for line in lines
            if line.order_line_id is not None and line.quantity
        ]
        if any(line.order_line_id is not None and not line.quantity for line in lines):
            what.append(str(_l("Refund an amount")))  # a problem report's partial refund: no units
        if any(line.order_line_id is None for line in lines):
            what.append(str(_l("shipping")))
        came_back = sum(line.restocked for line in lines)
        history.append(
            {
                "when": jakarta_time(refund.created_at, lang),
                "what": ", ".join(what),
                "amount": money_text(sum(line.amount_idr for line in lines), "IDR", lang),
                "came_back": came_back,
                "reason": refund.reason,
            }
        )
    return {
        "units": units,
        "do_not_ship": units if not_shipped else 0,
        "nothing_left": not_shipped
        and all(line.quantity <= refunds.units.get(line.id, 0) for line in fulfilment.lines),
        "shipping_refunded": refunds.shipping_refunded,
        "history": history,
    }


def whatsapp_text(seller) -> str:
    """The shop's WhatsApp contact in one line of its dashboard card."""
    if seller.whatsapp_public and seller.whatsapp_number:
        return gettext("WhatsApp shown to buyers: %(number)s", number=mobile_display(seller.whatsapp_number))
    return gettext("No WhatsApp number shown to buyers")
