"""What the cancel partial of the buyer's order page and the seller's parcel page show, precomputed."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from marketplace.money import money_text
from marketplace.orders.cancellation import BUYER_GAVE_NO_REASON, needs_bank_account, open_parts
from marketplace.orders.models import Order, OrderCancellation
from marketplace.timezones import HOME_ZONE, buyer_time, buyer_zone, jakarta_time


def _shop(fulfilment) -> str:
    return fulfilment.lines[0].seller_name if fulfilment.lines else ""


def cancellation_rows(
    order: Order, rows: list[OrderCancellation], lang: str, *, seller_id: int | None = None
) -> list[dict]:
    """Past cancellations: the buyer's (times where the buyer is), or one shop's (`seller_id`, WIB)."""
    where = HOME_ZONE if seller_id is not None else buyer_zone(order.ship_country)
    lines = {line.id: line for line in order.lines}
    parts = {f.id: f for f in order.fulfilments}
    result = []
    for row in rows:
        if seller_id is not None and row.seller_id != seller_id:
            continue
        items = [
            f"{n} × {lines[int(line_id)].title_in(lang)}"
            for line_id, n in sorted(row.units.items())
            if int(line_id) in lines
        ]
        by_seller = row.cancelled_by == "seller"
        result.append(
            {
                "when": buyer_time(row.created_at, lang, where),
                "shop": _shop(parts[row.fulfilment_id]) if row.fulfilment_id in parts else "",
                "who": _("Cancelled by the shop") if by_seller else _("Cancelled by you"),
                "who_seller_view": _("Cancelled by your shop") if by_seller else _("Cancelled by the buyer"),
                # "Cancelled by you" says it all when the buyer gave no reason.
                "reason": "" if row.reason == BUYER_GAVE_NO_REASON else row.reason,
                "item_list": ", ".join(items),  # not "items": `row.items` in Jinja is the dict's method
                "amount": money_text(row.amount_minor, row.currency, lang) if row.amount_minor else "",
            }
        )
    return result


def buyer_cancel_view(
    order: Order, rows: list[OrderCancellation], *, late_ids: set[int], token: str | None, lang: str
) -> dict:
    """The cancel buttons (one per part not shipped, one for all), "late" marks, past cancellations."""
    query = {"token": token} if token else {}
    parts = open_parts(order)
    return {
        "parts": [
            {
                "id": f.id,
                "shop": _shop(f),
                "late": f.id in late_ids,
                "url": url_for("orders.cancel", number=order.number, part=f.id, **query),
            }
            for f in parts
        ],
        "all_url": url_for("orders.cancel", number=order.number, part="all", **query)
        if len(parts) > 1
        else "",
        "whole_order_only": order.status.value == "awaiting_payment",
        "cancellations": cancellation_rows(order, rows, lang),
        "late": bool(late_ids),
    }


def confirm_view(order: Order, part: str, *, token: str | None, lang: str) -> dict:
    """The confirm page: what will be cancelled and how the money comes back."""
    parts = open_parts(order)
    chosen = (
        parts
        if part == "all" or order.status.value == "awaiting_payment"
        else [f for f in parts if str(f.id) == part]
    )
    lines = [
        f"{line.quantity - line.cancelled_quantity} × {line.title_in(lang)} ({_shop(f)})"
        for f in chosen
        for line in f.lines
        if line.quantity - line.cancelled_quantity > 0
    ]
    query = {"token": token} if token else {}
    return {
        "number": order.number,
        "lines": lines,
        "found": bool(chosen),
        "paid": order.status.value == "paid",
        "by_card": order.payment_method.value == "stripe",
        "needs_bank": needs_bank_account(order),
        "action": url_for("orders.cancel", number=order.number, **query),
        "back_url": url_for("orders.show", number=order.number, **query),
    }


def seller_cancel_view(fulfilment, rows: list[OrderCancellation], lang: str) -> dict:
    """The seller's parcel page: "cannot send some items?" while it can be cancelled, and past ones."""
    order = fulfilment.order
    can = order.status.value == "paid" and fulfilment in open_parts(order)
    return {
        "url": url_for("seller.cancel_units", fulfilment_id=fulfilment.id) if can else "",
        "cancellations": cancellation_rows(order, rows, lang, seller_id=fulfilment.seller_id),
    }


def late_rows(parts, lang: str, *, for_seller: bool = False) -> list[dict]:
    """Late parts for the curators' list (or the seller's banner): most overdue first."""
    return [
        {
            "number": part.order.number,
            "shop": part.seller.name,
            "paid": jakarta_time(part.order.paid_at, lang),
            "due": jakarta_time(part.due_at, lang),
            "days": part.days_overdue,
            "email": part.order.email,
            "url": url_for("seller.order", fulfilment_id=part.fulfilment.id)
            if for_seller
            else url_for("refunds.order", number=part.order.number),
        }
        for part in parts
    ]


def late_banner(parts, lang: str, *, shown: int = 5) -> dict:
    """The seller dashboard's banner: the most overdue parcels and how many are late in all."""
    return {"rows": late_rows(parts[:shown], lang, for_seller=True), "count": len(parts)}
