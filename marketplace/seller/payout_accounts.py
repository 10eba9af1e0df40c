"""Payout bank accounts of artisans without an account of their own, recorded for them.

A shop run by a facilitator (pendamping) for an artisan who is not online has no owner, so nobody
could set where its money goes and it was never paid. A curator, or a facilitator of that shop
(an active SellerFacilitator link), records the account for the artisan with:

- the artisan's signed consent: the day it was signed and a scan of the form (a PDF, or a photo
  re-encoded without its metadata), stored under CONSENT_PREFIX — never served by /media/ — and
  handed out only to curators and the facilitator who recorded it;
- the holder's name matching the artisan's name (`Seller.artisan_name`, set by a curator), or an
  explanation of the difference (a spouse's account, a group's treasurer…);
- an audit row ("payout_account.record") and an email to every curator.

Shops with their own account keep `facilitators.update_payout_account` (owner only).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace.accounts.models import ActorRole, User
from marketplace.audit.services import record_action
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.errors import Conflict, InvalidInput, NotFound, ValidationError
from marketplace.media.images import DEFAULT_MAX_PIXELS, new_storage_key, process_upload
from marketplace.media.storage import MediaStorage
from marketplace.seller import application, common
from marketplace.seller.models import Seller, SellerFacilitator, SellerPayoutAccount
from marketplace.timezones import day_text

#: Private prefix: /media/ and a bucket's public URL serve only public prefixes.
CONSENT_PREFIX = "private/payout-consent/"
CONSENT_MAX_BYTES = 5 * 1024 * 1024
CONSENT_TYPES = {"pdf": "application/pdf", "webp": "image/webp"}
MAX_EXPLANATION = 1000
#: Words of address that are not part of a name on a bank account.
_HONORIFICS = frozenset({"bu", "ibu", "pak", "bapak", "bpk", "mbak", "mas", "sdr", "sdri", "hj", "h", "kak"})
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


@dataclass(frozen=True)
class ArtisanAccountInput:
    bank_name: str
    account_number: str
    account_holder: str
    holder_explanation: str
    consent_on: date | None
    #: Only a curator sets the artisan's name; None keeps it.
    artisan_name: str | None = None


def may_record_account(owner_id: int | None, user_id: int) -> bool:
    """Whether `user_id`, who works in the shop, sets where its money goes: the shop's owner, or
    (a shop with no owner: an artisan without an account) the facilitator running it."""
    return owner_id in (user_id, None)


def name_tokens(name: str) -> list[str]:
    """'Bu Sumiati, S.E.' → ['sumiati', 'se']: accents, punctuation and words of address dropped."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().casefold()
    words = re.sub(r"[^a-z0-9 ]+", "", re.sub(r"[\s,/-]+", " ", text)).split()
    return sorted(word for word in words if word not in _HONORIFICS)


def names_match(holder: str, artisan: str) -> bool:
    """The same name, whatever the case, order, accents or "Bu"/"Pak" (never a guess on a part)."""
    tokens = name_tokens(holder)
    return bool(tokens) and tokens == name_tokens(artisan)


def check_consent_file(data: bytes | None, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[bytes, str]:
    """(bytes to store, extension) for a consent scan: a PDF as sent, or a JPEG/PNG/WebP photo
    decoded and re-encoded to WebP. ValidationError (field "consent_file") for anything else."""
    if not data:
        raise ValidationError(
            str(_l("Attach the consent form the artisan signed: a PDF file or a clear photo.")),
            field="consent_file",
        )
    if len(data) > CONSENT_MAX_BYTES:
        raise ValidationError(
            str(
                _l(
                    "The file is too large. Please upload a file of at most %(mb)d MB.",
                    mb=CONSENT_MAX_BYTES // 2**20,
                )
            ),
            field="consent_file",
        )
    if data.startswith(b"%PDF-"):
        return data, "pdf"
    if not (data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")):
        raise ValidationError(
            str(_l("Please upload the consent form as a PDF file or as a JPEG, PNG or WebP photo.")),
            field="consent_file",
        )
    try:
        processed = process_upload(data, max_bytes=CONSENT_MAX_BYTES, max_pixels=max_pixels)
    except ValidationError as error:
        raise ValidationError(error.message, field="consent_file") from error
    return processed.renditions[-1].data, "webp"


def _role_for(session: Session, seller: Seller, actor: User) -> ActorRole:
    """CURATOR, or FACILITATOR for an active facilitator of this shop; NotFound for anyone else."""
    if getattr(actor, "is_curator", False):
        return ActorRole.CURATOR
    linked = session.scalar(
        sa.select(SellerFacilitator.id).where(
            SellerFacilitator.seller_id == seller.id,
            SellerFacilitator.facilitator_id == actor.id,
            SellerFacilitator.revoked_at.is_(None),
        )
    )
    if linked is None:
        raise NotFound(str(_l("Shop not found.")))
    return ActorRole.FACILITATOR


def _account_values(account: SellerPayoutAccount | None, artisan_name: str) -> dict | None:
    if account is None:
        return None
    return {
        "bank_name": account.bank_name,
        "account_number": "•••" + account.account_number[-4:],
        "account_holder": account.account_holder,
        "artisan_name": artisan_name,
        "recorded_via": account.recorded_via,
        "consent_on": account.consent_on,
        "holder_explanation": account.holder_explanation,
    }


def record_artisan_payout_account(
    session: Session,
    storage: MediaStorage,
    *,
    seller: Seller,
    actor: User,
    data: ArtisanAccountInput,
    consent_file: bytes | None,
    today: date,
    now: datetime,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> SellerPayoutAccount:
    """A curator or the shop's facilitator records where an artisan without an account is paid.

    Raises Conflict when the shop has its own account (its owner sets it), NotFound for an account
    that is neither a curator nor an active facilitator of the shop, InvalidInput (every field at
    once) for bad bank details, a missing or future consent date, a missing or unreadable consent
    file, or a holder's name that differs from the artisan's without an explanation. Stores the
    consent file (deleted again if the flush fails), audits and emails the curators. Flushes only.
    """
    if seller.user_id is not None:
        raise Conflict(str(_l("This shop has its own account: its owner sets the bank account for payouts.")))
    role = _role_for(session, seller, actor)
    bank_name = " ".join((data.bank_name or "").split())
    holder = " ".join((data.account_holder or "").split())
    explanation = " ".join((data.holder_explanation or "").split())
    number = application.normalize_account_number(data.account_number)
    artisan_name = seller.artisan_name
    if role == ActorRole.CURATOR and data.artisan_name is not None:
        artisan_name = " ".join(data.artisan_name.split())
    errors: dict[str, str] = {}
    if not 2 <= len(bank_name) <= 80:
        errors["bank_name"] = str(_l("Enter the bank's name."))
    if not common.ACCOUNT_NUMBER.match(number):
        errors["account_number"] = str(_l("Enter the account number: 6 to 20 digits."))
    if not 2 <= len(holder) <= 120:
        errors["account_holder"] = str(_l("Enter the account holder's name as the bank knows it."))
    if len(artisan_name) > 120:
        errors["artisan_name"] = str(_l("The artisan's name can be at most 120 characters."))
    if len(explanation) > MAX_EXPLANATION:
        errors["holder_explanation"] = str(_l("The explanation can be at most 1000 characters."))
    elif "account_holder" not in errors and not names_match(holder, artisan_name) and len(explanation) < 10:
        errors["holder_explanation"] = str(
            _l(
                "The holder's name is not the artisan's (%(artisan)s): explain why the money goes to "
                "this account (at least 10 characters).",
                artisan=artisan_name or _l("not recorded yet"),
            )
        )
    if data.consent_on is None:
        errors["consent_on"] = str(_l("Enter the day the artisan signed the consent form."))
    elif data.consent_on > today or data.consent_on < date(2000, 1, 1):
        errors["consent_on"] = str(_l("The consent date cannot be in the future."))
    checked: tuple[bytes, str] | None = None
    try:
        checked = check_consent_file(consent_file, max_pixels=max_pixels)
    except ValidationError as error:
        errors["consent_file"] = error.message
    if errors or checked is None:
        raise InvalidInput(errors)
    content, extension = checked
    key = f"{CONSENT_PREFIX}{new_storage_key()}.{extension}"
    storage.save(key, content, CONSENT_TYPES[extension])
    try:
        account = application.find_payout_account(session, seller.id)
        before = _account_values(account, seller.artisan_name)
        if account is None:
            account = SellerPayoutAccount(seller_id=seller.id, created_at=now)
            session.add(account)
        seller.artisan_name = artisan_name
        account.bank_name = bank_name
        account.account_number = number
        account.account_holder = holder
        account.holder_explanation = "" if names_match(holder, artisan_name) else explanation
        account.recorded_via = role.value
        account.recorded_by_id = actor.id
        account.consent_on = data.consent_on
        account.consent_evidence_key = key
        account.updated_at = now
        session.flush()
        after = _account_values(account, artisan_name)
        record_action(
            session,
            actor=actor,
            actor_role=role,
            action="payout_account.record",
            target_type="payout_account",
            target_id=account.id,
            target_label=seller.name,
            seller_id=seller.id,
            before=before,
            after=after,
            note=account.holder_explanation,
        )
        _tell_curators(session, seller=seller, account=account, actor=actor, role=role)
    except BaseException:
        try:
            storage.delete(key)
        except OSError:
            pass  # an orphan private file with a random name is harmless
        raise
    return account


def _tell_curators(
    session: Session, *, seller: Seller, account: SellerPayoutAccount, actor: User, role: ActorRole
) -> None:
    curators = session.execute(
        sa.select(User.email, User.name, User.locale).where(User.is_curator.is_(True)).order_by(User.id)
    ).all()
    link = external_url("facilitators.curator_payout_account", seller_id=seller.id)
    # Who recorded it, as a curator knows them: their name, with the address to tell them apart.
    actor_text = f"{actor.name} ({actor.email})" if actor.name else actor.email
    for email, name, locale in curators:
        lang = locale or "id"
        send_email(
            session,
            to=email,
            template="artisan_payout_account",
            lang=lang,
            context={
                "name": name,
                "shop": seller.name,
                "actor": actor_text,
                "by_facilitator": role == ActorRole.FACILITATOR,
                "bank": f"{account.bank_name} •••{account.account_number[-4:]}",
                "holder": account.account_holder,
                "artisan": seller.artisan_name,
                "consent_on": day_text(account.consent_on, lang),
                "explanation": account.holder_explanation,
                "link": link,
            },
        )


def may_view_consent(account: SellerPayoutAccount | None, user: User, seller_ids) -> bool:
    """Curators, and the facilitator who recorded it while they still help the shop."""
    if account is None or not account.consent_evidence_key:
        return False
    if getattr(user, "is_curator", False):
        return True
    return account.recorded_by_id == user.id and account.seller_id in set(seller_ids)


def read_consent(storage: MediaStorage, account: SellerPayoutAccount) -> tuple[bytes, str, str]:
    """(bytes, content type, extension) of the consent scan; NotFound when there is none."""
    key = account.consent_evidence_key or ""
    if not key.startswith(CONSENT_PREFIX):
        raise NotFound(str(_l("No consent form is kept for this account.")))
    try:
        data = storage.read(key)
    except FileNotFoundError as error:
        raise NotFound(str(_l("No consent form is kept for this account."))) from error
    extension = key.rsplit(".", 1)[-1]
    return data, CONSENT_TYPES.get(extension, "application/octet-stream"), extension
