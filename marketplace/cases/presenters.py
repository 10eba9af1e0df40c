"""Cases as plain values for templates: labels, local times, money, who may do what."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.cases.forms import PROBLEM_LABELS, amount_example
from marketplace.cases.models import Case, CaseResolution, CaseStatus
from marketplace.cases.services import needs_refund_account, refund_account_of
from marketplace.money import money_text
from marketplace.timezones import jakarta_time

SIDE_LABELS = {"buyer": _l("Buyer"), "seller": _l("Seller")}
#: A decided case's outcome as both sides read it (RESOLUTION_LABELS are the curator's choices).
OUTCOME_LABELS = {
    CaseResolution.REFUND: _l("Refunded in full"),
    CaseResolution.PARTIAL_REFUND: _l("Partly refunded"),
    CaseResolution.REJECT: _l("Rejected: no refund"),
}
STATUS_LABELS = {CaseStatus.OPEN: _l("Open"), CaseStatus.CLOSED: _l("Closed")}


def _amount_hint(currency: str, lang: str) -> str:
    if currency == "IDR":
        return _("In rupiah, e.g. %(example)s.", example=amount_example(currency, lang))
    return _("In %(currency)s, e.g. %(example)s.", currency=currency, example=amount_example(currency, lang))


def _refund_account(case: Case, side: str) -> dict:
    """Where a bank-transfer refund goes, for the buyer and the curators only: never the seller."""
    by_bank = needs_refund_account(case.order)
    if side not in ("buyer", "curator") or not by_bank:
        return {"account": None, "can_change_account": False, "account_seen": ""}
    account = refund_account_of(case)
    return {
        "account": account if account.account_number else None,
        "can_change_account": side == "buyer" and case.status == CaseStatus.OPEN,
        "account_seen": account.fingerprint() if side == "curator" else "",
    }


def present_case(case: Case, *, side: str, lang: str) -> dict:
    order = case.order
    seller_name = case.fulfilment.lines[0].seller_name if case.fulfilment.lines else ""
    is_open = case.status == CaseStatus.OPEN
    return {
        **_refund_account(case, side),
        "id": case.id,
        "number": order.number,
        "fulfilment_id": case.fulfilment_id,
        "seller_name": seller_name,
        "problem": str(PROBLEM_LABELS.get(case.problem, case.problem)),
        "status_label": str(STATUS_LABELS[case.status]),
        "is_open": is_open,
        "opened": jakarta_time(case.opened_at, lang),
        "closed": jakarta_time(case.closed_at, lang) if case.closed_at else "",
        "at_stake": money_text(case.amount_idr, "IDR", lang),
        "currency": order.currency,
        "is_bank_transfer": str(order.payment_method) == "bank_transfer",
        "amount_hint": _amount_hint(order.currency, lang),
        # Rupiah have no cents: phones then offer digits only.
        "amount_inputmode": "numeric" if order.currency == "IDR" else "decimal",
        "lines": [f"{line.quantity} × {line.title_in(lang)}" for line in case.fulfilment.lines],
        "messages": [
            {
                "who": str(SIDE_LABELS.get(message.side, message.side)),
                "when": jakarta_time(message.created_at, lang),
                "body": message.body,
            }
            for message in case.messages
        ],
        "photo_ids": [photo.id for photo in case.photos],
        "resolution": str(OUTCOME_LABELS[case.resolution]) if case.resolution else "",
        "resolution_note": case.resolution_note,
        "refund": money_text(case.refund_minor, order.currency, lang) if case.refund_minor else "",
        "can_reply": is_open and side in ("buyer", "seller"),
        "can_resolve": is_open and side == "curator",
        "side": side,
    }


def queue_rows(cases: list[Case], lang: str) -> list[dict]:
    return [
        {
            "id": case.id,
            "number": case.order.number,
            "problem": str(PROBLEM_LABELS.get(case.problem, case.problem)),
            "opened": jakarta_time(case.opened_at, lang),
            "at_stake": money_text(case.amount_idr, "IDR", lang),
            "messages": len(case.messages),
        }
        for case in cases
    ]


def seller_open_cases(cases: list[Case], lang: str) -> list[dict]:
    """A seller's open reports, for the orders list and a parcel's page: what, when, whose turn."""
    rows = []
    for case in cases:
        last = case.messages[-1] if case.messages else None
        rows.append(
            {
                "id": case.id,
                "fulfilment_id": case.fulfilment_id,
                "number": case.order.number,
                "shop": case.fulfilment.lines[0].seller_name if case.fulfilment.lines else "",
                "problem": str(PROBLEM_LABELS.get(case.problem, case.problem)),
                "opened": jakarta_time(case.opened_at, lang),
                # The buyer spoke last: the seller's answer is awaited.
                "awaits_answer": last is None or last.side != "seller",
            }
        )
    return rows


def parcel_cases(cases: list[Case], lang: str) -> list[dict]:
    """A seller's parcel page: its cases, newest first."""
    return [
        {
            "id": case.id,
            "problem": str(PROBLEM_LABELS.get(case.problem, case.problem)),
            "status_label": str(STATUS_LABELS[case.status]),
            "opened": jakarta_time(case.opened_at, lang),
            "is_open": case.status == CaseStatus.OPEN,
        }
        for case in reversed(cases)
    ]
