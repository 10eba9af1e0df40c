"""Problem cases: a buyer reports a shipped part, both sides write, a curator resolves it.

Rules:
- Only the order's buyer reports (a guest, `buyer=None`, through the order's signed link: the
  view checks it), only a part that is shipped and not completed, one open case
  per part: `orders.fulfilment.claim_fulfilment_for_case` sets `has_open_case` with a conditional
  UPDATE, so a report and the auto-complete job (or a second report) cannot both win.
- Photos (at most 3) are checked and re-encoded like product photos (media.images.process_upload)
  and stored under a private prefix; only access-checked views hand them out.
- A curator resolves once (a conditional UPDATE on the case): a refund of the whole part, a
  partial refund of an amount, or a rejection, always with a note both sides see. Refunds go
  through `refunds.services.create_refund`, so the ledger, Stripe and bank paths stay one. The
  part then completes (it was only held by the case). Audited as "case.resolve".
- `signals.case_opened` / `case_closed` carry the amount at stake, for the payouts hold.
- A bank-transfer order is paid back by hand: the report asks the buyer's account
  (`refunds.accounts`), the buyer may correct it while the case is open, and a curator recording a
  refund is refused if the account changed since their page showed it (the decision's conditional
  UPDATE compares it), so the transfer reference never belongs to an account the buyer replaced.
  The seller never sees the account.
- Every step emails the other side (outbox).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext
from sqlalchemy.orm import Session, selectinload

from marketplace import signals
from marketplace.accounts.models import User
from marketplace.audit.services import record_action
from marketplace.cases.models import (
    MAX_PHOTOS,
    Case,
    CaseMessage,
    CasePhoto,
    CaseProblem,
    CaseResolution,
    CaseStatus,
)
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.errors import Conflict, InvalidInput, NotFound, ValidationError
from marketplace.i18n import message as _l
from marketplace.media.images import DEFAULT_MAX_PIXELS, new_storage_key, process_upload
from marketplace.media.storage import MediaStorage
from marketplace.orders.amounts import goods_idr, shipping_idr
from marketplace.orders.fulfilment import (
    claim_fulfilment_for_case,
    mark_fulfilment_delivered,
    release_fulfilment_case,
)
from marketplace.orders.models import Fulfilment, FulfilmentStatus, Order, PaymentMethod
from marketplace.orders.queries import guest_order_token
from marketplace.refunds.accounts import RefundAccount, account_problems
from marketplace.refunds.models import Refund, RefundLine, RefundStatus
from marketplace.refunds.queries import refunded_so_far
from marketplace.refunds.services import RefundRequest, create_refund
from marketplace.seller.models import Seller, SellerFacilitator

PHOTO_PREFIX = "private/case-photos/"
MAX_TEXT = 2000
BUYER, SELLER = "buyer", "seller"


# -- reading ----------------------------------------------------------------------------------


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(_l("Not found."))
    return case


def case_side(case: Case, *, user, seller_ids: Sequence[int]) -> str | None:
    """ "buyer", "seller", "curator" or None: how `user` may see this case (None: not at all)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if case.buyer_id is not None and case.buyer_id == user.id:
        return BUYER
    if case.seller_id in set(seller_ids):
        return SELLER
    if user.is_curator:
        return "curator"
    return None


def list_open_cases(session: Session, *, limit: int = 200) -> list[Case]:
    """The curators' queue: open cases, oldest first."""
    return list(
        session.scalars(
            sa.select(Case)
            .where(Case.status == CaseStatus.OPEN)
            .options(selectinload(Case.order), selectinload(Case.messages))
            .order_by(Case.opened_at, Case.id)
            .limit(limit)
        )
    )


def list_cases_for_fulfilments(session: Session, fulfilment_ids: Sequence[int]) -> list[Case]:
    if not fulfilment_ids:
        return []
    return list(
        session.scalars(sa.select(Case).where(Case.fulfilment_id.in_(list(fulfilment_ids))).order_by(Case.id))
    )


def find_open_case(session: Session, fulfilment_id: int) -> Case | None:
    """The part's open case, if any (at most one: `has_open_case` guards it)."""
    return session.scalar(
        sa.select(Case)
        .where(Case.fulfilment_id == fulfilment_id, Case.status == CaseStatus.OPEN)
        .order_by(Case.id.desc())
        .limit(1)
    )


def list_open_cases_for_sellers(
    session: Session, seller_ids: Sequence[int], *, limit: int = 50
) -> list[Case]:
    """The shops' open cases, oldest first (the seller's orders pages: reports to answer)."""
    if not seller_ids:
        return []
    return list(
        session.scalars(
            sa.select(Case)
            .where(Case.seller_id.in_(list(seller_ids)), Case.status == CaseStatus.OPEN)
            .options(
                selectinload(Case.order),
                selectinload(Case.messages),
                selectinload(Case.fulfilment).selectinload(Fulfilment.lines),
            )
            .order_by(Case.opened_at, Case.id)
            .limit(limit)
        )
    )


def needs_refund_account(order: Order) -> bool:
    """A bank-transfer order: a refund is transferred by hand, to an account the buyer gives."""
    return order.payment_method == PaymentMethod.BANK_TRANSFER


def refund_account_of(case: Case) -> RefundAccount:
    """The account the buyer gave for this case (all parts empty when none was given)."""
    return RefundAccount(case.refund_bank_name, case.refund_account_number, case.refund_account_holder)


def amount_at_stake_idr(session: Session, fulfilment: Fulfilment) -> int:
    """The part's goods and shipping in rupiah, less what was refunded of it already."""
    refunded = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(RefundLine.amount_idr), 0))
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(RefundLine.fulfilment_id == fulfilment.id, Refund.status != RefundStatus.FAILED)
    )
    total = goods_idr(fulfilment) + shipping_idr(fulfilment.order, fulfilment)
    return max(total - int(refunded or 0), 0)


# -- writing ----------------------------------------------------------------------------------


def _text(value: str, field: str, *, required_message) -> str:
    text = (value or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError(required_message, field=field)
    if len(text) > MAX_TEXT:
        raise ValidationError(_l("Please keep it under %(n)d characters.", n=MAX_TEXT), field=field)
    return text


def report_problems(
    *,
    problem: str,
    description: str,
    needs_account: bool = False,
    bank_name: str = "",
    account_number: str = "",
    account_holder: str = "",
) -> dict[str, str]:
    """Field name → message for everything wrong with a buyer's report, all at once (empty: it can
    be sent), as `open_case` checks them one by one. `needs_account` (a bank-transfer order,
    `needs_refund_account`): the report names the account a refund goes to, all three parts."""
    problems: dict[str, str] = {}
    try:
        CaseProblem(problem)
    except ValueError:
        problems["problem"] = _l("Choose what went wrong.")
    try:
        _text(description, "description", required_message=_l("Describe the problem."))
    except ValidationError as error:
        problems["description"] = error.message
    if needs_account:
        problems.update(account_problems(bank_name, account_number, account_holder))
    return problems


def open_case(
    session: Session,
    fulfilment: Fulfilment,
    *,
    buyer: User | None,
    problem: str,
    description: str,
    photos: Sequence[bytes],
    storage: MediaStorage,
    now: datetime,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    refund_account: RefundAccount | None = None,
) -> Case:
    """The buyer reports a problem with a shipped part; `buyer=None` is the guest of a guest order
    (the caller checked the order's signed link). `refund_account` (checked by
    `refunds.accounts.check_refund_account`) is kept for a bank-transfer order: where a refund is
    transferred; the report form requires it (`report_problems`). Raises NotFound (not their
    order), ValidationError (unknown problem, no text, more than 3 photos or a bad one, the part
    not shipped any more or already reported). Flushes; stored photos are deleted if it fails."""
    order = fulfilment.order
    buyer_id = buyer.id if buyer is not None else None
    if order.buyer_id != buyer_id:  # an account's order needs its buyer, a guest order no account
        raise NotFound(_l("Not found."))
    try:
        kind = CaseProblem(problem)
    except ValueError:
        raise ValidationError(_l("Choose what went wrong."), field="problem") from None
    text = _text(description, "description", required_message=_l("Describe the problem."))
    photos = [data for data in photos if data]
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(_l("Attach at most %(n)d photos.", n=MAX_PHOTOS), field="photos")
    encoded = []
    for data in photos:
        try:
            encoded.append(process_upload(data, max_pixels=max_pixels).renditions[-1].data)
        except ValidationError as error:
            raise ValidationError(error.message, field="photos") from error
    if fulfilment.status != FulfilmentStatus.SHIPPED or not claim_fulfilment_for_case(session, fulfilment):
        raise ValidationError(
            _l("This part can no longer be reported: it is not on its way, or a report is already open.")
        )
    keys: list[str] = []
    try:
        for data in encoded:
            key = f"{PHOTO_PREFIX}{new_storage_key()}.webp"
            storage.save(key, data, "image/webp")
            keys.append(key)
        case = Case(
            order_id=order.id,
            fulfilment_id=fulfilment.id,
            seller_id=fulfilment.seller_id,
            buyer_id=buyer_id,
            problem=kind,
            status=CaseStatus.OPEN,
            amount_idr=amount_at_stake_idr(session, fulfilment),
            opened_at=now,
            messages=[CaseMessage(author_id=buyer_id, side=BUYER, body=text, created_at=now)],
            photos=[CasePhoto(storage_key=key, created_at=now) for key in keys],
        )
        if refund_account is not None and needs_refund_account(order):
            _keep_account(case, refund_account)
        session.add(case)
        session.flush()
        signals.case_opened.send(
            session=session, case=case, fulfilment=fulfilment, amount_idr=case.amount_idr, now=now
        )
        _email_seller(
            session,
            case,
            subject=lazy_gettext("A buyer reported a problem with order %(number)s", number=order.number),
            body=lazy_gettext("The buyer wrote: %(text)s", text=text),
        )
    except BaseException:
        for key in keys:
            try:
                storage.delete(key)
            except OSError:
                pass  # an orphan private file with a random name is harmless
        raise
    return case


def _keep_account(case: Case, account: RefundAccount) -> None:
    case.refund_bank_name = account.bank_name
    case.refund_account_number = account.account_number
    case.refund_account_holder = account.account_holder


def set_refund_account(session: Session, case: Case, *, account: RefundAccount) -> Case:
    """The buyer gives or corrects the account a bank-transfer refund goes to, while the case is
    open (the caller checked it is the buyer's case). One conditional UPDATE: once a curator
    decided (and so paid), it is refused. Raises ValidationError (a card order, a closed case)."""
    if not needs_refund_account(case.order):
        raise ValidationError(_l("This order was paid by card: a refund goes back to the card."))
    changed = session.execute(
        sa.update(Case)
        .where(Case.id == case.id, Case.status == CaseStatus.OPEN)
        .values(
            refund_bank_name=account.bank_name,
            refund_account_number=account.account_number,
            refund_account_holder=account.account_holder,
        )
        .execution_options(synchronize_session=False)
    )
    session.expire(case)
    if changed.rowcount != 1:
        raise ValidationError(
            _l("The district office already decided this report, so the account can no longer change.")
        )
    return case


def reply_case(
    session: Session, case: Case, *, author: User | None, side: str, body: str, now: datetime
) -> CaseMessage:
    """The seller (or the buyer) answers while the case is open; the other side is emailed.
    `author=None` is the guest buyer of a guest order's case (the caller checked its signed link)."""
    if side not in (BUYER, SELLER) or (author is None and (side != BUYER or case.buyer_id is not None)):
        raise NotFound(_l("Not found."))
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_l("This case is closed."))
    text = _text(body, "body", required_message=_l("Write your answer."))
    message = CaseMessage(
        case_id=case.id,
        author_id=author.id if author is not None else None,
        side=side,
        body=text,
        created_at=now,
    )
    session.add(message)
    session.flush()
    session.expire(case, ["messages"])
    number = case.order.number
    if side == SELLER:
        _email_buyer(
            session,
            case,
            subject=lazy_gettext("The seller answered your report on order %(number)s", number=number),
            body=lazy_gettext("The seller wrote: %(text)s", text=text),
        )
    else:
        _email_seller(
            session,
            case,
            subject=lazy_gettext("The buyer wrote again about order %(number)s", number=number),
            body=lazy_gettext("The buyer wrote: %(text)s", text=text),
        )
    return message


def _account_changed() -> ValidationError:
    """Why a bank refund was not recorded: the buyer corrected the account while the page was open."""
    return ValidationError(
        _l(
            "The buyer changed their bank account while this page was open. Check the account "
            "shown now before you transfer and record the refund."
        )
    )


def resolution_problems(
    case: Case, *, resolution: str, note: str, amount_minor: int | None = None, bank_reference: str = ""
) -> dict[str, str]:
    """Field name → message for everything wrong with a curator's decision, all at once (empty: it
    can be recorded), so the curator corrects the form in one go. The refund service keeps its own
    checks (the amount left to refund is only known there)."""
    problems: dict[str, str] = {}
    try:
        decision = CaseResolution(resolution)
    except ValueError:
        decision = None
        problems["resolution"] = _l("Choose a decision.")
    try:
        _text(note, "note", required_message=_l("Write a note for the buyer and the seller."))
    except ValidationError as error:
        problems["note"] = error.message
    if decision == CaseResolution.PARTIAL_REFUND and (not isinstance(amount_minor, int) or amount_minor <= 0):
        problems["amount"] = _l("Enter the amount to refund.")
    # A bank transfer is paid back by hand: the refund records the curator's transfer reference.
    refunds_money = decision in (CaseResolution.REFUND, CaseResolution.PARTIAL_REFUND)
    if refunds_money and str(case.order.payment_method) == "bank_transfer":
        if not (bank_reference or "").strip():
            problems["bank_reference"] = _l("Enter the reference of your transfer back to the buyer.")
    return problems


def resolve_case(
    session: Session,
    case: Case,
    *,
    curator: User,
    resolution: str,
    note: str,
    token: str,
    now: datetime,
    amount_minor: int | None = None,
    bank_reference: str = "",
    account_seen: str | None = None,
    stripe_client=None,
) -> Case:
    """A curator decides: "refund" (the whole part), "partial_refund" (`amount_minor`, order
    currency) or "reject", with a note both sides see; InvalidInput names every wrong field at once
    (`resolution_problems`). Exactly once: a second decision (another
    curator, a double submit) raises Conflict. Refund errors (bank reference missing, nothing left
    to refund, Stripe down) propagate and the caller rolls everything back.
    `account_seen`: the buyer's account as the curator's page showed it (its fingerprint); a bank
    refund is refused (ValidationError) if the buyer changed it since."""
    problems = resolution_problems(
        case, resolution=resolution, note=note, amount_minor=amount_minor, bank_reference=bank_reference
    )
    if problems:
        raise InvalidInput(problems)
    decision = CaseResolution(resolution)
    text = _text(note, "note", required_message=_l("Write a note for the buyer and the seller."))
    guard = []
    if account_seen and decision != CaseResolution.REJECT and needs_refund_account(case.order):
        account = refund_account_of(case)
        if account.fingerprint() != account_seen:
            raise _account_changed()
        # In the same UPDATE that decides: a correction landing in between makes it decide nothing.
        guard = [
            Case.refund_bank_name == account.bank_name,
            Case.refund_account_number == account.account_number,
            Case.refund_account_holder == account.account_holder,
        ]
    claimed = session.execute(
        sa.update(Case)
        .where(Case.id == case.id, Case.status == CaseStatus.OPEN, *guard)
        .values(
            status=CaseStatus.CLOSED,
            resolution=decision,
            resolution_note=text,
            resolved_by_id=curator.id,
            closed_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.expire(case)
    if claimed.rowcount != 1:
        if guard and case.status == CaseStatus.OPEN:
            raise _account_changed()
        raise Conflict(_l("This case was already decided."))
    fulfilment = case.fulfilment
    order = case.order
    refund = None
    if decision != CaseResolution.REJECT:
        request = RefundRequest(reason=f"case {case.id}: {text}", token=token, bank_reference=bank_reference)
        if decision == CaseResolution.REFUND:
            units_done, _restocked, shipping_done = refunded_so_far(session, order)
            request.quantities = {
                line.id: line.quantity - units_done.get(line.id, 0)
                for line in fulfilment.lines
                if line.quantity > units_done.get(line.id, 0)
            }
            if fulfilment.shipping_minor and fulfilment.id not in shipping_done:
                request.shipping = {fulfilment.id}
        else:
            request.amounts = {fulfilment.id: amount_minor}
        refund, _created = create_refund(
            session, order, request, actor=curator, now=now, stripe_client=stripe_client
        )
        case.refund_id = refund.id
        case.refund_minor = refund.amount_minor
    release_fulfilment_case(session, fulfilment)
    mark_fulfilment_delivered(
        session,
        fulfilment,
        actor_id=curator.id,
        actor_label=f"curator {curator.email}",
        now=now,
        note=f"case {case.id}",
    )
    session.flush()
    record_action(
        session,
        actor=curator,
        action="case.resolve",
        target_type="case",
        target_id=case.id,
        target_label=order.number,
        seller_id=case.seller_id,
        before={"status": CaseStatus.OPEN.value},
        after={
            "status": CaseStatus.CLOSED.value,
            "resolution": decision.value,
            "refund_id": case.refund_id,
            "refund_minor": case.refund_minor,
            "currency": order.currency,
        },
        note=text,
    )
    signals.case_closed.send(
        session=session, case=case, fulfilment=fulfilment, amount_idr=case.amount_idr, refund=refund, now=now
    )
    subject = lazy_gettext("A curator decided the report on order %(number)s", number=order.number)
    body = RESOLUTION_TEXT[decision]
    _email_buyer(session, case, subject=subject, body=body, note=text)
    _email_seller(session, case, subject=subject, body=body, note=text)
    return case


RESOLUTION_TEXT = {
    CaseResolution.REFUND: lazy_gettext("The buyer gets the whole part refunded."),
    CaseResolution.PARTIAL_REFUND: lazy_gettext("The buyer gets part of the money back."),
    CaseResolution.REJECT: lazy_gettext("The report was rejected: no refund."),
}


# -- email ------------------------------------------------------------------------------------


def is_guest_case(case: Case) -> bool:
    """A guest order's case: its buyer follows it through the order's signed link."""
    return case.buyer_id is None and case.order.buyer_id is None


def guest_case_token(case: Case) -> str:
    """The token a guest's case links carry: the order's own (`orders.queries.guest_order_token`)."""
    return guest_order_token(case.order, secret_key=current_app.config["SECRET_KEY"])


def buyer_case_link(case: Case) -> str:
    """Absolute link to the case page for its buyer; a guest's carries the order's signed token."""
    if is_guest_case(case):
        return external_url("cases.show", case_id=case.id, token=guest_case_token(case))
    return external_url("cases.show", case_id=case.id)


def _email_buyer(session: Session, case: Case, *, subject, body, note: str = "") -> None:
    order: Order = case.order
    buyer = session.get(User, case.buyer_id) if case.buyer_id else None
    send_email(
        session,
        to=order.email,
        subject=subject,
        template="case_notice",
        lang=order.lang,
        context={
            "name": buyer.name if buyer else order.ship_name,
            "body": body,
            "note": note,
            "link": buyer_case_link(case),
        },
    )


def _email_seller(session: Session, case: Case, *, subject, body, note: str = "") -> None:
    """Every account that runs the shop: its owner and its facilitators."""
    seller = session.get(Seller, case.seller_id)
    facilitators = sa.select(SellerFacilitator.facilitator_id).where(
        SellerFacilitator.seller_id == case.seller_id, SellerFacilitator.revoked_at.is_(None)
    )
    users = session.scalars(
        sa.select(User).where(sa.or_(User.id == seller.user_id, User.id.in_(facilitators))).order_by(User.id)
    )
    for user in users:
        send_email(
            session,
            to=user.email,
            subject=subject,
            template="case_notice",
            lang=user.locale,
            context={
                "name": user.name,
                "body": body,
                "note": note,
                "link": external_url("cases.show", case_id=case.id),
            },
        )
