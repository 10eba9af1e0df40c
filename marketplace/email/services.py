"""Queue an email in the caller's transaction; deliver queued emails after commit, with retries."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from jinja2 import TemplateError, TemplateNotFound
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.email.delivery import DeliveryError, build_message, deliver
from marketplace.email.links import site_url
from marketplace.email.models import EmailStatus, OutboundEmail
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.i18n import template_gettext
from marketplace.types import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
#: First retry after a minute, then 2, 4, 8, 16 minutes (capped).
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 3600
#: A "sending" claim older than this belonged to a sender that died; the row is retried.
STALE_CLAIM = timedelta(minutes=10)

_PENDING_KEY = "marketplace.email.pending_ids"
_COMMITTED_KEY = "marketplace.email.committed_ids"


def send_email(
    session: Session | None,
    *,
    to: str,
    subject: Any = None,
    template: str,
    lang: str,
    context: Mapping[str, Any] | None = None,
) -> OutboundEmail:
    """Render `templates/email/<template>.txt` (and `.html` when it exists) in `lang` and queue it.

    The subject is `subject` (a lazy_gettext string is translated into `lang`) or, when None,
    the rendered `templates/email/<template>.subject.txt`. With a session the row joins the
    caller's transaction (flush only) and is delivered after the caller commits — by the request
    hook, or by `flask email send-pending`. With None the email is committed in its own
    transaction and delivered at once, best effort. Never raises for delivery problems;
    raises ValidationError for an empty recipient and TemplateNotFound for a missing template.
    """
    to = _recipient(to)
    lang = _language(lang)
    subject_text, body_text, body_html = render_email(template, lang, context, subject=subject)
    row = OutboundEmail(
        to_address=to,
        subject=subject_text,
        body_text=body_text,
        body_html=body_html,
        template=template,
        lang=lang,
        status=EmailStatus.QUEUED,
        attempts=0,
        last_error="",
        next_attempt_at=utcnow(),
    )
    if session is None:
        with Session(db.engine, expire_on_commit=False) as own:
            own.add(row)
            own.commit()
            deliver_pending(own, ids=[row.id])
            own.refresh(row)  # delivery wrote its outcome with plain UPDATEs
        return row
    session.add(row)
    session.flush()
    session.info.setdefault(_PENDING_KEY, []).append(row.id)
    return row


def render_email(
    template: str, lang: str, context: Mapping[str, Any] | None, *, subject: Any = None
) -> tuple[str, str, str | None]:
    """(subject, text body, HTML body or None) of `templates/email/<template>.*` in `lang`.

    Raises TemplateNotFound for a missing text or subject template (a missing HTML one makes a
    text-only email)."""
    with force_locale(lang):
        # Lazy strings become plain text, in `lang`: their __html__ would let the HTML part print
        # a translated string (and whatever was interpolated into it) unescaped.
        values = {key: _plain(value) for key, value in (context or {}).items()}
        # gettext bound once to `lang`'s catalogue for the three renders (i18n.template_gettext:
        # Flask-Babel's callables look it up again for every string); macros imported without
        # context keep Flask-Babel's.
        values = {
            "market_name": current_app.config["MARKET_NAME"],
            **values,
            "lang": lang,
            **template_gettext(),
        }
        if subject is None:
            subject_text = _render(f"email/{template}.subject.txt", values)
        else:
            subject_text = str(subject)
        subject_text = " ".join(subject_text.split())[:300]
        body_text = _render(f"email/{template}.txt", values)
        try:
            # Same context as the text part, plus what only the HTML layout shows.
            body_html = _render(
                f"email/{template}.html", {**values, "subject": subject_text, "site_url": site_url()}
            )
        except TemplateNotFound as missing:
            if missing.name != f"email/{template}.html":
                raise
            body_html = None  # a text-only email
    return subject_text, body_text, body_html


#: {kind: builder(session, id) -> the template's context}, for emails rendered when sent.
_CONTEXT_BUILDERS: dict[str, Callable[[Session, int], Mapping[str, Any]]] = {}


def register_context(kind: str, builder: Callable[[Session, int], Mapping[str, Any]]) -> None:
    """Let emails queued with `render_from="<kind>:<id>"` be rendered by `builder(session, id)`
    when they are sent (it raises LookupError when the thing is gone)."""
    _CONTEXT_BUILDERS[kind] = builder


def queue_email(session: Session, *, to: str, template: str, lang: str, render_from: str) -> None:
    """Queue an email in the caller's transaction that the job runner renders when it sends it
    (`render_from`: "<kind>:<id>", see `register_context`), one INSERT and no rendering now.

    The after-response hook leaves it to the job runner (`email.send_pending`), so the request
    that queued it pays neither the renders nor the delivery. Raises ValidationError for an
    empty recipient.
    """
    now = utcnow()
    session.execute(
        _QUEUE_INSERT,
        {
            "to_address": _recipient(to),
            "subject": "",
            "body_text": "",
            "body_html": None,
            "template": template,
            "lang": _language(lang),
            "render_from": render_from,
            "status": EmailStatus.QUEUED,
            "attempts": 0,
            "last_error": "",
            "next_attempt_at": now,
            "created_at": now,
        },
    )


#: Built once: a statement object keeps its cache key, so executing it with new values skips
#: building and keying a fresh INSERT per queued email.
_QUEUE_INSERT = sa.insert(OutboundEmail.__table__)


def _recipient(to: str) -> str:
    to = (to or "").strip()
    if not to or "@" not in to or any(ch.isspace() or ord(ch) < 0x20 for ch in to):
        raise ValidationError("An email needs a recipient address.", field="to")
    return to


def _language(lang: str) -> str:
    languages = current_app.config.get("LANGUAGES", ("id", "en"))
    return lang if lang in languages else current_app.config.get("BABEL_DEFAULT_LOCALE", "id")


def _rendered(session: Session, row) -> SimpleNamespace:
    """The claimed `row` of an email rendered when sent, with its subject and bodies."""
    kind, _, ref = (row.render_from or "").partition(":")
    builder = _CONTEXT_BUILDERS.get(kind)
    if builder is None:
        raise LookupError(f"no context builder for {row.render_from!r}")
    context = builder(session, int(ref))
    subject, body_text, body_html = render_email(row.template, row.lang, context)
    return SimpleNamespace(
        **{**row._asdict(), "subject": subject, "body_text": body_text, "body_html": body_html}
    )


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, LazyString) else value


def _render(name: str, values: dict) -> str:
    # Straight from the Jinja environment: the app's context processors assume a web request,
    # and emails are also sent from CLI commands and webhooks. `_` follows force_locale.
    return current_app.jinja_env.get_template(name).render(values)


@event.listens_for(Session, "after_commit")
def _remember_committed(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    if pending:
        session.info.setdefault(_COMMITTED_KEY, []).extend(pending)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outer transaction: its rows are gone
        session.info.pop(_PENDING_KEY, None)


def take_committed_ids(session: Session) -> list[int]:
    """Ids of emails this session queued and committed since the last call (then forgets them)."""
    return session.info.pop(_COMMITTED_KEY, [])


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt (exponential, capped)."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


#: What `build_message` and the log read of a claimed row (its attempts counted, this one included).
_MESSAGE_COLUMNS = (
    OutboundEmail.id,
    OutboundEmail.to_address,
    OutboundEmail.subject,
    OutboundEmail.body_text,
    OutboundEmail.body_html,
    OutboundEmail.template,
    OutboundEmail.lang,
    OutboundEmail.render_from,
    OutboundEmail.attempts,
    OutboundEmail.created_at,
)


def _settle(session: Session, email_id: int, *, status: EmailStatus, last_error: str, **values) -> None:
    """Record how the attempt ended and release the claim, committed."""
    session.execute(
        sa.update(OutboundEmail)
        .where(OutboundEmail.id == email_id)
        .values(status=status, last_error=last_error[:2000], claimed_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def deliver_pending(session: Session, limit: int = 50, *, ids: list[int] | None = None) -> dict[str, int]:
    """Deliver queued emails that are due (or just `ids`), committing after each one.

    Use a session with no other work in it: it commits. Each row is claimed with a conditional
    UPDATE first, so several processes running this at once never send a message twice.
    A failure is logged, counted in `attempts` and retried later with exponential backoff;
    after MAX_ATTEMPTS the row becomes failed. Returns counts {"sent", "retry", "failed"}.
    """
    now = utcnow()
    due = sa.or_(
        sa.and_(OutboundEmail.status == EmailStatus.QUEUED, OutboundEmail.next_attempt_at <= now),
        sa.and_(OutboundEmail.status == EmailStatus.SENDING, OutboundEmail.claimed_at < now - STALE_CLAIM),
    )
    if ids is not None:
        # Just queued by this process (the request hook): no query to find them, the claim below
        # skips any that are not due or that another sender took.
        candidate_ids = sorted(ids)[:limit]
    else:
        query = (
            sa.select(OutboundEmail.id).where(due).order_by(OutboundEmail.next_attempt_at, OutboundEmail.id)
        )
        candidate_ids = list(session.scalars(query.limit(limit)))
        session.commit()

    config = current_app.config
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for email_id in candidate_ids:
        # The claim returns what the message is built from: one statement, no ORM object.
        row = session.execute(
            sa.update(OutboundEmail)
            .where(OutboundEmail.id == email_id, due)
            .values(status=EmailStatus.SENDING, claimed_at=utcnow(), attempts=OutboundEmail.attempts + 1)
            .returning(*_MESSAGE_COLUMNS)
            .execution_options(synchronize_session=False)
        ).first()
        session.commit()
        if row is None:
            continue  # another sender took it
        # Rendered now (`queue_email`): the bodies sent are stored with the outcome, so a retry
        # sends the same ones. A failure to render is retried like a failure to deliver.
        rendered = {}
        if row.render_from and not row.body_text:
            try:
                row = _rendered(session, row)
            except (LookupError, ValueError, RuntimeError, TemplateError) as error:
                session.rollback()
                _retry_or_fail(session, row, f"cannot render: {type(error).__name__}: {error}", counts)
                continue
            rendered = {"subject": row.subject, "body_text": row.body_text, "body_html": row.body_html}
        try:
            message = build_message(row, sender=config["MAIL_FROM"], readable=not config.get("SMTP_URL"))
        except (ValueError, TypeError) as error:  # a malformed header: retrying cannot help
            _settle(
                session,
                row.id,
                status=EmailStatus.FAILED,
                last_error=f"cannot build the message: {error}",
                **rendered,
            )
            counts["failed"] += 1
            log.error("email %s cannot be built: %s", row.id, error)
            continue
        try:
            where = deliver(
                message,
                smtp_url=config.get("SMTP_URL"),
                outbox_dir=config["OUTBOX_DIR"],
                name=f"{utcnow():%Y%m%dT%H%M%S}-{row.id:06d}-{row.template}",
            )
        except DeliveryError as error:
            _retry_or_fail(session, row, str(error), counts, **rendered)
        else:
            _settle(session, row.id, status=EmailStatus.SENT, last_error="", sent_at=utcnow(), **rendered)
            counts["sent"] += 1
            log.info("email %s (%s) sent via %s", row.id, row.template, where)
    return counts


def _retry_or_fail(session: Session, row, error: str, counts: dict[str, int], **values) -> None:
    """A failed attempt: queued again with backoff, or failed for good after MAX_ATTEMPTS."""
    if row.attempts >= MAX_ATTEMPTS:
        _settle(session, row.id, status=EmailStatus.FAILED, last_error=error, **values)
        counts["failed"] += 1
        log.error("email %s to %s failed for good: %s", row.id, row.to_address, error)
    else:
        _settle(
            session,
            row.id,
            status=EmailStatus.QUEUED,
            last_error=error,
            next_attempt_at=utcnow() + retry_delay(row.attempts),
            **values,
        )
        counts["retry"] += 1
        log.warning("email %s to %s not sent (attempt %s): %s", row.id, row.to_address, row.attempts, error)
