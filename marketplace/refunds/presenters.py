"""Refund pages' values, precomputed: money text, Jakarta times, what is left per line."""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_timedelta
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from marketplace.money import money_text
from marketplace.orders.formatting import fulfilment_status_label, status_label
from marketplace.orders.models import PaymentMethod
from marketplace.payments.webhooks import AMOUNT_MISMATCH_NOTE
from marketplace.refunds.failure_reasons import curator_failure_reason
from marketplace.refunds.queries import open_failures, refundable_minor, sums_of
from marketplace.refunds.reasons import buyer_reason
from marketplace.timezones import buyer_time, buyer_zone, jakarta_time

METHOD_LABELS = {"stripe": _l("Card (Stripe)"), "bank_transfer": _l("Bank transfer")}
STATUS_LABELS = {
    "pending": _l("Waiting for Stripe"),
    "succeeded": _l("Done"),
    "failed": _l("Failed at Stripe: not refunded"),
}


def note_text(note: str) -> str:
    """A payment's note for the curator; the webhook's amount-mismatch flag as a sentence."""
    if note.startswith(AMOUNT_MISMATCH_NOTE):
        return _(
            "Stripe charged %(charged)s, which is not this order's total, so the order was not marked "
            "paid. Check the payment in Stripe's dashboard and refund it.",
            charged=note.removeprefix(AMOUNT_MISMATCH_NOTE).strip(),
        )
    return note


def due_rows(due, lang: str, *, pending: dict[int, int] | None = None) -> list[dict]:
    """The curators' "money to give back" (queries.list_refunds_due): what is really still owed
    of each flagged payment, its card refunds waiting for Stripe left out (`pending`: {payment id:
    minor units}, queries.pending_minor) and said beside it."""
    pending = pending or {}
    rows = []
    for order, payment in due:
        waiting = pending.get(payment.id, 0) if payment else 0
        currency = payment.currency if payment else order.currency
        amount = refundable_minor(payment, waiting) if payment else order.total_minor
        rows.append(
            {
                "number": order.number,
                "email": order.email,
                "status": status_label(order.status),
                "amount": money_text(amount, currency, lang),
                "waiting": _("%(amount)s waiting for Stripe", amount=money_text(waiting, currency, lang))
                if waiting
                else "",
                "note": note_text(payment.note)
                if payment
                else _("Bank transfer arrived after the order was cancelled."),
            }
        )
    return rows


def _asker(user) -> str:
    if user is None:
        return str(_l("the system"))
    return user.name or user.email


def _waited(since: datetime, now: datetime, lang: str) -> str:
    return format_timedelta(max(now - since, timedelta(0)), threshold=1.5, locale=lang)


def _card_refund_row(refund, order, user, lang: str) -> dict:
    """What every row of a card refund in the queue shows: the order, its buyer, the amount, who
    asked and when."""
    return {
        "number": order.number,
        "email": order.email,
        "amount": money_text(refund.amount_minor, refund.currency, lang),
        "asked": jakarta_time(refund.created_at, lang),
        "by": _asker(user),
    }


def waiting_rows(rows, lang: str, *, now: datetime) -> list[dict]:
    """Card refunds waiting for Stripe (queries.list_waiting_card_refunds), for the queue."""
    return [
        {
            **_card_refund_row(refund, order, user, lang),
            "waiting": _(
                "Waiting for Stripe since %(when)s (%(duration)s)",
                when=jakarta_time(refund.created_at, lang),
                duration=_waited(refund.created_at, now, lang),
            ),
            "url": url_for("refunds.order", number=order.number),
        }
        for refund, order, user in rows
    ]


def failed_rows(rows, lang: str) -> list[dict]:
    """Card refunds Stripe failed (queries.list_failed_card_refunds): what happened, what to do."""
    return [
        {
            **_card_refund_row(refund, order, user, lang),
            "failed": jakarta_time(refund.confirmed_at, lang) if refund.confirmed_at else "",
            #: Stripe's failure_reason in words ("The card was closed or expired", "Unknown").
            "reason": curator_failure_reason(refund.failure_reason),
            "retry_url": url_for("refunds.order", number=order.number, _anchor="refund-form"),
            "bank_url": url_for("refunds.order", number=order.number, by="bank", _anchor="refund-form"),
        }
        for refund, order, user in rows
    ]


def search_rows(found, lang: str) -> list[dict]:
    return [
        {
            "number": order.number,
            "email": order.email,
            "status": status_label(order.status),
            "total": money_text(order.total_minor, order.currency, lang),
            "placed": jakarta_time(order.created_at, lang),
        }
        for order in found
    ]


def order_view(
    order, *, paying, flagged, pending: dict, done, refunds, lang: str, bank: dict | None = None
) -> dict:
    """The order's refund page; `pending` and `bank` ({payment id: minor units}) are the card
    refunds waiting for Stripe and the money paid back by bank transfer (queries)."""
    bank = bank or {}
    units_done, restocked_done, shipping_done = done
    failed_units = _units_of_open_failures(refunds)
    lines = [
        {
            "id": line.id,
            "title": line.title_in(lang),
            "seller": line.seller_name,
            "quantity": line.quantity,
            "unit_price": money_text(line.unit_price_minor, order.currency, lang),
            "refunded": units_done.get(line.id, 0),
            "restocked": restocked_done.get(line.id, 0),
            #: What happened to the units besides their money: "1 back on sale, 1 failed at Stripe".
            "units_note": _units_note(restocked_done.get(line.id, 0), failed_units.get(line.id, 0)),
            "left": line.quantity - units_done.get(line.id, 0),
        }
        for line in order.lines
    ]
    fulfilments = [
        {
            "id": f.id,
            "seller": f.lines[0].seller_name if f.lines else "",
            "status": fulfilment_status_label(f.status),
            "shipping": money_text(f.shipping_minor, order.currency, lang),
            "has_shipping": f.shipping_minor > 0,
            "shipping_refunded": f.id in shipping_done,
            "shipped": str(f.status) in ("shipped", "delivered"),
            "lines": [row for row in lines if row["id"] in {ln.id for ln in f.lines}],
        }
        for f in order.fulfilments
    ]

    def payment_row(payment):
        sums = sums_of(payment, bank=bank.get(payment.id, 0), pending=pending.get(payment.id, 0))
        is_bank = payment.method == PaymentMethod.BANK_TRANSFER
        return {
            "id": payment.id,
            "method": str(METHOD_LABELS.get(str(payment.method), payment.method)),
            "is_bank": is_bank,
            "paid": money_text(payment.amount_minor, payment.currency, lang),
            "refunded": money_text(payment.refunded_minor, payment.currency, lang),
            # A card payment: what went back to the card and what a curator transferred instead.
            "by_card": "" if is_bank else money_text(sums.card_minor, payment.currency, lang),
            "by_bank": money_text(sums.bank_minor, payment.currency, lang)
            if sums.bank_minor and not is_bank
            else "",
            "pending": money_text(sums.pending_minor, payment.currency, lang) if sums.pending_minor else "",
            "left": money_text(sums.left_minor, payment.currency, lang),
            "can_refund": sums.left_minor > 0,
            "note": note_text(payment.note),
        }

    return {
        "number": order.number,
        "email": order.email,
        "status": status_label(order.status),
        "total": money_text(order.total_minor, order.currency, lang),
        "paying": payment_row(paying) if paying else None,
        "flagged": [payment_row(p) for p in flagged],
        "fulfilments": fulfilments,
        "refunds": [
            {
                "when": jakarta_time(r.created_at, lang),
                "amount": money_text(r.amount_minor, r.currency, lang),
                "method": str(METHOD_LABELS.get(str(r.method), r.method)),
                "status": str(STATUS_LABELS.get(str(r.status), r.status)),
                "reason": r.reason,
                "reference": r.bank_reference or r.stripe_refund_id or "",
            }
            for r in refunds
        ],
    }


def _units_of_open_failures(refunds) -> dict[int, int]:
    """{order line id: units of card refunds that failed and nothing replaced yet}."""
    units: dict[int, int] = {}
    for refund in open_failures(refunds):
        for part in refund.lines:
            if part.order_line_id is not None and part.quantity:
                units[part.order_line_id] = units.get(part.order_line_id, 0) + part.quantity
    return units


def _units_note(back: int, failed: int) -> str:
    """Beside a line's refunded units: how many went back on sale (a refund that failed put them
    there too, and they stay), and how many a card refund failed for and wait to be refunded again."""
    parts = []
    if back:
        parts.append(ngettext("%(num)d back on sale", "%(num)d back on sale", back))
    if failed:
        parts.append(ngettext("%(num)d failed at Stripe", "%(num)d failed at Stripe", failed))
    return ", ".join(parts)


BUYER_STATUS_LABELS = {
    "pending": _l("Asked of the card company: it shows on your card within 5–10 days"),
    "succeeded": _l("Refunded"),
    "failed": _l("Not refunded: Stripe could not return it to your card. We will contact you."),
}


def refund_left_failed(refunds) -> bool:
    """Whether a card refund of the order failed (refunds/failures.py: the row FAILED, its
    `confirmed_at` when Stripe said so) and no refund was asked after it (a new card refund, or the
    bank transfer a curator records): the money owed back is with the district office, not on its
    way to the buyer. `refunds`: the order's, as `queries.list_order_refunds` reads them."""
    failures = [r.confirmed_at or r.created_at for r in refunds if str(r.status) == "failed"]
    if not failures:
        return False
    last_failure = max(failures)
    return not any(str(r.status) != "failed" and r.created_at >= last_failure for r in refunds)


def buyer_refunds(order, refunds, lang: str) -> list[dict]:
    """The buyer's order page: each refund as one sentence ("Refund Rp 50.000 for Kain batik ·
    after your problem report"), with the lines it covered when they say more than the sentence."""
    lines = {line.id: line for line in order.lines}
    sellers = {f.id: (f.lines[0].seller_name if f.lines else "") for f in order.fulfilments}
    rows = []
    for refund in refunds:
        items, names = [], []
        counted = False  # a part with units (not only an amount) says more than the sentence
        for part in refund.lines:
            amount = money_text(part.amount_minor, refund.currency, lang)
            line = lines.get(part.order_line_id) if part.order_line_id else None
            if line is not None:
                title = line.title_in(lang)
                names.append(title)
                if part.quantity > 0:
                    counted = True
                    items.append(
                        _("%(num)d × %(title)s (%(amount)s)", num=part.quantity, title=title, amount=amount)
                    )
                else:  # part of the price back (a problem report), no units returned
                    items.append(_("%(title)s (%(amount)s)", title=title, amount=amount))
            elif part.order_line_id is None:
                seller = sellers.get(part.fulfilment_id, "")
                names.append(_("shipping from %(seller)s", seller=seller))
                items.append(_("Shipping from %(seller)s (%(amount)s)", seller=seller, amount=amount))
        total = money_text(refund.amount_minor, refund.currency, lang)
        unique = list(dict.fromkeys(names))
        failed = str(refund.status) == "failed"
        if failed:
            # Never "Refund Rp …" for money that did not reach the buyer.
            summary = _("The refund of %(amount)s did not reach your card", amount=total)
        elif unique:
            summary = _("Refund %(amount)s for %(items)s", amount=total, items=", ".join(unique))
        else:
            summary = _("Refund of %(amount)s", amount=total)
        why, typed = buyer_reason(refund.reason)
        rows.append(
            {
                "when": buyer_time(refund.created_at, lang, buyer_zone(order.ship_country)),
                "amount": total,
                "summary": summary,
                "why": why,
                "status": str(BUYER_STATUS_LABELS.get(str(refund.status), refund.status)),
                "method": str(METHOD_LABELS.get(str(refund.method), refund.method)),
                "reason": typed,
                "parts": items if (counted or len(items) > 1) and not failed else [],
                "whole_payment": refund.returns_payment_only and not failed,
            }
        )
    return rows
