"""Turning a queued row into a message on the wire (SMTP) or on disk (the development outbox)."""

from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from marketplace.email.models import OutboundEmail

SMTP_TIMEOUT_SECONDS = 10
#: RFC 5322's limit for a line of a message body sent as 8bit.
MAX_8BIT_LINE = 998


class DeliveryError(Exception):
    """Delivery failed in a way worth retrying later."""


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, making each header's class once: the stock one builds a new
    class with type() for every header it parses (about a third of a message's build time)."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes.setdefault(key, super().__getitem__(name))
        return cls


#: email.policy.default (the EmailMessage default) with the header classes made once.
POLICY = default_policy.clone(header_factory=_HeaderClasses())


def build_message(row: OutboundEmail, *, sender: str, readable: bool = False) -> EmailMessage:
    """The MIME message for `row`: multipart/alternative (text, then HTML) when the row has an
    HTML body, plain text alone for rows queued without one.

    `readable` keeps UTF-8 text unencoded (8bit) for the outbox files people read; SMTP gets
    quoted-printable, which every server accepts.
    """
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    # "+0000": the time is known to be UTC (formatdate(localtime=False) writes "-0000", "unknown").
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id(row, sender)
    message.set_content(row.body_text, cte=_cte(row.body_text, readable))
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html", cte=_cte(row.body_html, readable))
    # After the content: set_content() drops every Content-* header set before it.
    message["Content-Language"] = row.lang
    return message


def message_id(row: OutboundEmail, sender: str) -> str:
    """The same Message-ID on every attempt to send `row`.

    Sending is at least once: if the server accepted a message but marking the row sent failed
    (the database went away at that moment), the row is sent again later. With the same
    Message-ID, mail systems that keep it can recognise the second copy as the first.
    """
    domain = _domain_of(sender)
    if row.id is None or row.created_at is None:  # a message built without a stored row
        return make_msgid(domain=domain)
    return f"<pasar-{row.id}.{int(row.created_at.timestamp())}@{domain}>"


def _cte(body: str, readable: bool) -> str | None:
    # A line too long for 8bit (a long note on one line) lets the email package pick an encoding.
    if readable and all(len(line.encode()) <= MAX_8BIT_LINE for line in body.splitlines()):
        return "8bit"
    return None


def _domain_of(sender: str) -> str:
    address = sender.rsplit("<", 1)[-1].rstrip(">")
    return address.rpartition("@")[2] or "localhost"


def deliver(message: EmailMessage, *, smtp_url: str | None, outbox_dir: str, name: str) -> str:
    """Send `message`; returns where it went. Raises DeliveryError on a failure worth retrying."""
    if smtp_url:
        _send_smtp(message, smtp_url)
        return "smtp"
    return str(_write_outbox(message, Path(outbox_dir), name))


def _send_smtp(message: EmailMessage, smtp_url: str) -> None:
    parts = urlsplit(smtp_url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise DeliveryError(f"SMTP_URL must start with smtp:// or smtps://, not {parts.scheme}://")
    host = parts.hostname or "localhost"
    port = parts.port or (465 if parts.scheme == "smtps" else 25)
    try:
        if parts.scheme == "smtps":
            client = smtplib.SMTP_SSL(
                host, port, timeout=SMTP_TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
        with client:
            if parts.scheme == "smtp" and "starttls=1" in (parts.query or ""):
                client.starttls(context=ssl.create_default_context())
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"{type(error).__name__}: {error}") from error


def _write_outbox(message: EmailMessage, outbox: Path, name: str) -> Path:
    try:
        outbox.mkdir(parents=True, exist_ok=True)
        path = outbox / f"{name}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(message))
        tmp.replace(path)  # readers never see half a file
    except OSError as error:
        raise DeliveryError(f"cannot write {outbox}: {error}") from error
    return path
