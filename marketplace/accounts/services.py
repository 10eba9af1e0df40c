"""Accounts: registration, login, profile, password reset, curators and saved addresses.

Services flush; the view or command that calls them commits once.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from marketplace import contact
from marketplace.accounts import tokens
from marketplace.accounts.models import Address, User
from marketplace.accounts.passwords import check_password_policy, hash_password, verify_password
from marketplace.accounts.sessions import end_all_sessions
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.errors import Conflict, InvalidInput, NotFound, ValidationError
from marketplace.types import utcnow

LANGUAGES = ("id", "en")


# --- users ---------------------------------------------------------------------------------


def normalize_email(email: str | None) -> str:
    """Trimmed and lower-cased: the form every email is stored and looked up in."""
    return contact.normalize_email(email)


def valid_email(email: str) -> str:
    """`email` normalized; ValidationError(field="email") unless it is an address we can write to."""
    email = normalize_email(email)
    # Outside production the reserved ".test" domain is allowed (demo data and tests use it).
    if not contact.email_ok(email, allow_reserved=not current_app.config.get("PRODUCTION")):
        raise ValidationError(_("Enter a valid email address."), field="email")
    return email


def find_user_by_email(session: Session, email: str | None) -> User | None:
    email = normalize_email(email)
    if not email:
        return None
    return session.scalar(sa.select(User).where(User.email == email))


def register_user(session: Session, *, email: str, password: str, name: str = "", locale: str = "id") -> User:
    """Create a buyer account. Raises ValidationError (bad email, weak password) or Conflict (taken)."""
    email = valid_email(email)
    check_password_policy(password, email=email)
    if find_user_by_email(session, email) is not None:
        raise Conflict(
            _("An account with this email already exists. Log in or reset your password."), field="email"
        )
    user = User(
        email=email,
        name=(name or "").strip()[:120],
        password_hash=hash_password(password),
        locale=locale if locale in LANGUAGES else "id",
    )
    session.add(user)
    try:
        session.flush()
    except sa.exc.IntegrityError as error:  # registered by someone else a moment ago; caller rolls back
        raise Conflict(
            _("An account with this email already exists. Log in or reset your password."), field="email"
        ) from error
    return user


def authenticate(session: Session, *, email: str, password: str) -> User:
    """The active user with this email and password, with last_login_at updated.

    Raises ValidationError with one message for every failure, so the answer never tells
    whether an account exists.
    """
    user = find_user_by_email(session, email)
    ok = verify_password(user.password_hash if user else None, password or "")
    if user is None or not ok or not user.active:
        raise ValidationError(_("The email or password is incorrect."))
    user.last_login_at = utcnow()
    session.flush()
    return user


def log_out_everywhere(session: Session, *, user: User) -> None:
    """End every login session of `user`, including copies of old cookies."""
    end_all_sessions(session, user)


def update_profile(session: Session, *, user: User, name: str, locale: str) -> User:
    if locale not in LANGUAGES:
        raise ValidationError(_("Choose a language we offer."), field="locale")
    user.name = (name or "").strip()[:120]
    user.locale = locale
    session.flush()
    return user


def change_password(session: Session, *, user: User, current_password: str, new_password: str) -> None:
    """Set a new password after checking the current one; ends other sessions (flushes)."""
    if not verify_password(user.password_hash, current_password or ""):
        raise ValidationError(_("Your current password is incorrect."), field="current_password")
    check_password_policy(new_password, email=user.email)
    user.password_hash = hash_password(new_password)
    end_all_sessions(session, user)


def create_curator(session: Session, *, email: str, password: str, name: str = "") -> User:
    """Create a curator account, or make an existing account a curator and set its password."""
    email = valid_email(email)
    check_password_policy(password, email=email)
    user = find_user_by_email(session, email)
    if user is None:
        user = User(email=email, name=name.strip(), password_hash=hash_password(password))
        session.add(user)
    else:
        user.password_hash = hash_password(password)
        end_all_sessions(session, user)
    user.is_curator = True
    session.flush()
    return user


# --- password reset --------------------------------------------------------------------------


def request_password_reset(session: Session, *, email: str) -> User | None:
    """Queue a reset link for the account with this email, in its language; None when there is none.

    The caller shows the same message either way. The link is valid for an hour and only once.
    """

    user = find_user_by_email(session, email)
    if user is None or not user.active:
        return None
    token = tokens.make_reset_token(user)
    send_email(
        session,
        to=user.email,
        template="password_reset",
        lang=user.locale,
        context={
            "name": user.name,
            # The page opens in the email's language, whatever the phone's browser prefers.
            "reset_url": external_url("accounts.reset_password", token=token, lang=user.locale),
            "expires_minutes": tokens.RESET_MAX_AGE_SECONDS // 60,
        },
    )
    return user


def request_login_unlock(session: Session, *, email: str) -> User | None:
    """Email the account with this email a link that lets a new device log in past the per-account
    limit (accounts/throttle.py); None when there is no such account. The caller answers the same
    either way. The link works for an hour."""
    user = find_user_by_email(session, email)
    if user is None or not user.active:
        return None
    send_email(
        session,
        to=user.email,
        template="login_unlock",
        lang=user.locale,
        context={
            "name": user.name,
            "unlock_url": external_url(
                "accounts.unlock_login", token=tokens.make_unlock_token(user), lang=user.locale
            ),
            "expires_minutes": tokens.UNLOCK_MAX_AGE_SECONDS // 60,
        },
    )
    return user


def user_for_unlock_token(session: Session, token: str) -> User:
    """The active user an unlock link names. Raises ValidationError when it is expired or forged."""
    uid = tokens.read_unlock_token(token)
    user = session.get(User, uid) if uid is not None else None
    if user is None or not user.active:
        raise ValidationError(_("This link has expired. Ask for a new one on the login page."))
    return user


def user_for_reset_token(session: Session, token: str) -> User:
    """The user a valid reset token belongs to. Raises ValidationError when it is expired or used."""
    data = tokens.read_reset_token(token)
    user = session.get(User, data[0]) if data else None
    if user is None or not user.active or not tokens.fingerprint_matches(user, data[1]):
        raise ValidationError(
            _("This password reset link has expired or was already used. Ask for a new one.")
        )
    return user


def reset_password(session: Session, *, token: str, new_password: str) -> User:
    """Set a new password from a reset link. The link then stops working, and so do old sessions."""
    user = user_for_reset_token(session, token)
    check_password_policy(new_password, email=user.email)
    user.password_hash = hash_password(new_password)
    end_all_sessions(session, user)
    return user


# --- addresses -------------------------------------------------------------------------------

ADDRESS_FIELDS = (
    "label",
    "recipient_name",
    "phone",
    "street",
    "line2",
    "district",
    "city",
    "province",
    "postal_code",
    "country",
)
MAX_LABEL_LENGTH = 60


def country_choices(lang: str) -> list[tuple[str, str]]:
    """ISO 3166 alpha-2 codes with their names in `lang`, Indonesia first."""
    names = contact.country_names(lang)
    others = sorted((code for code in names if code != contact.HOME_COUNTRY), key=lambda code: names[code])
    return [(contact.HOME_COUNTRY, names[contact.HOME_COUNTRY]), *((code, names[code]) for code in others)]


def _clean_address(values: Mapping[str, object]) -> dict[str, str]:
    """The address as stored, checked by the same rules as checkout (`marketplace.contact`):
    a saved address is always one an order can be delivered to."""
    cleaned = contact.clean_address({**values, "name": values.get("recipient_name")})
    cleaned["recipient_name"] = cleaned.pop("name")
    cleaned["label"] = " ".join(str(values.get("label") or "").split())
    errors = contact.address_errors({**cleaned, "name": cleaned["recipient_name"]})
    if len(cleaned["label"]) > MAX_LABEL_LENGTH:
        errors["label"] = _("Use at most %(max)d characters.", max=MAX_LABEL_LENGTH)
    if errors:
        raise InvalidInput(
            {("recipient_name" if name == "name" else name): msg for name, msg in errors.items()}
        )
    return cleaned


def list_addresses(session: Session, user: User) -> list[Address]:
    """The user's saved addresses, the default first, then the newest."""
    return list(
        session.scalars(
            sa.select(Address)
            .where(Address.user_id == user.id)
            .order_by(Address.is_default.desc(), Address.created_at.desc(), Address.id.desc())
        )
    )


def find_default_address(session: Session, user: User) -> Address | None:
    return session.scalar(sa.select(Address).where(Address.user_id == user.id, Address.is_default))


def get_address(session: Session, user: User, address_id: int) -> Address:
    """The user's own address. Raises NotFound for a missing id or someone else's address."""
    address = session.get(Address, address_id) if isinstance(address_id, int) else None
    if address is None or address.user_id != user.id:
        raise NotFound(_("Address not found."))
    return address


def save_address(
    session: Session,
    *,
    user: User,
    values: Mapping[str, object],
    address_id: int | None = None,
    make_default: bool = False,
) -> Address:
    """Add an address (address_id None) or change one of the user's own; returns it (flushed).

    `values` holds ADDRESS_FIELDS (missing optional ones become ""). The first address becomes
    the default. Raises ValidationError(field=…) for bad input, NotFound for another's address.
    """
    cleaned = _clean_address(values)
    if address_id is None:
        address = Address(user_id=user.id, is_default=False, **cleaned)
        session.add(address)
    else:
        address = get_address(session, user, address_id)
        for name, value in cleaned.items():
            setattr(address, name, value)
    session.flush()
    if make_default or find_default_address(session, user) is None:
        set_default_address(session, user=user, address_id=address.id)
    return address


def set_default_address(session: Session, *, user: User, address_id: int) -> Address:
    address = get_address(session, user, address_id)
    # Clear the old default first: the database allows only one per user at any moment.
    session.execute(
        sa.update(Address)
        .where(Address.user_id == user.id, Address.is_default, Address.id != address.id)
        .values(is_default=False)
    )
    address.is_default = True
    session.flush()
    return address


def delete_address(session: Session, *, user: User, address_id: int) -> None:
    """Delete one of the user's addresses; when it was the default, the newest other one takes over."""
    address = get_address(session, user, address_id)
    was_default = address.is_default
    session.delete(address)
    session.flush()
    if was_default:
        remaining = list_addresses(session, user)
        if remaining:
            set_default_address(session, user=user, address_id=remaining[0].id)


def remember_address(session: Session, *, user: User, values: Mapping[str, object]) -> Address:
    """The address an order was just sent to, kept as the user's default for the next checkout
    ("save this address"): an identical saved one (label aside) is made the default rather than
    copied; otherwise it is added as the new default. Flushes.

    `values` as for `save_address`. Raises InvalidInput like `save_address` does.
    """
    cleaned = _clean_address(values)
    compared = [name for name in ADDRESS_FIELDS if name != "label"]
    for address in list_addresses(session, user):
        if all(getattr(address, name) == cleaned[name] for name in compared):
            return (
                address
                if address.is_default
                else set_default_address(session, user=user, address_id=address.id)
            )
    return save_address(session, user=user, values=values, make_default=True)
