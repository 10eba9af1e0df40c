"""Views: one way to turn a service's DomainError into a rollback and messages on the form.

    with domain_errors(form) as outcome:
        services.save_address(db.session, ...)
        db.session.commit()
    if outcome.ok:
        return redirect(...)
    return render_template(..., form=form), 400

On a DomainError (or the narrower `catch`) the session is rolled back, the error is kept on
`outcome.error`, and its message goes next to the field it names (every field of an
InvalidInput), above the form when no such field exists, and/or into a flash message.
Any other exception propagates unchanged.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Optional

from flask import Response, flash, jsonify, request, send_file, stream_with_context
from flask_babel import gettext

from marketplace.errors import DomainError, InvalidInput
from marketplace.extensions import db

log = logging.getLogger(__name__)

__all__ = [
    "Outcome",
    "apply_error",
    "asks_for_json",
    "domain_errors",
    "error_messages",
    "json_error",
    "private_file",
]


def asks_for_json() -> bool:
    """A page's script asks for JSON (`Accept: application/json`): it gets JSON, errors included
    (web.py's error handlers); a browser's plain form asks for HTML and gets pages."""
    return request.accept_mimetypes.best == "application/json"


def json_error(status: int, message: str, **extra: str):
    """The app's one JSON error body: `{"error": {"status": …, "message": …, …extra}}`."""
    return jsonify(error={"status": status, "message": str(message), **extra}), status


@dataclass
class Outcome:
    """What a `domain_errors` block ended with: `error` is None when it succeeded."""

    error: Optional[DomainError] = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str:
        return str(self.error.message) if self.error is not None else ""


def error_messages(error: DomainError) -> dict[Optional[str], str]:
    """Field name (None: the whole form) → message, for one error or each field of an InvalidInput."""
    if isinstance(error, InvalidInput):
        return dict(error.errors)
    return {error.field: error.message}


def apply_error(
    form: Any,
    error: DomainError,
    *,
    default_field: Optional[str] = None,
    renames: Optional[Mapping[str, str]] = None,
    only_if_empty: bool = False,
) -> None:
    """Put a service's messages next to their fields, or in `form.form_errors` when none matches.

    `default_field` takes the messages of an error that names no field; `renames` maps a service's
    field names to the form's; `only_if_empty` keeps a field's own (form validation) message alone.
    """
    renames = renames or {}
    for name, message in error_messages(error).items():
        name = renames.get(name, name) if name else default_field
        field = getattr(form, name, None) if name else None
        if field is None or not hasattr(field, "errors"):
            form.form_errors.append(message)
        elif not (only_if_empty and field.errors):
            field.errors = [*(field.errors or []), message]


@contextmanager
def domain_errors(
    form: Any = None,
    *,
    catch: type[DomainError] | tuple[type[DomainError], ...] = DomainError,
    flash_category: Optional[str] = None,
    default_field: Optional[str] = None,
    renames: Optional[Mapping[str, str]] = None,
    only_if_empty: bool = False,
) -> Iterator[Outcome]:
    """Run the block; on `catch` roll back, record the error and show it (see the module docstring).

    With `form`, the messages go onto the form (`apply_error`); with `flash_category`, the error's
    message is flashed. Neither: the caller reads `outcome.error` itself.
    """
    outcome = Outcome()
    try:
        yield outcome
    except catch as error:
        db.session.rollback()
        outcome.error = error
        if form is not None:
            apply_error(
                form, error, default_field=default_field, renames=renames, only_if_empty=only_if_empty
            )
        if flash_category is not None:
            flash(error.message, flash_category)


def private_file(
    data: bytes, *, mimetype: str, download_name: str | None = None, as_attachment: bool = False
):
    """A file only its viewer may see (evidence, receipts, consent scans, case photos): never cached
    by anyone, never sniffed into another type, and sandboxed if a browser renders it anyway."""
    response = send_file(
        io.BytesIO(data),
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=download_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def page_count(total: int, page_size: int) -> int:
    return max(1, -(-total // page_size))


def page_links(page: int, pages: int, url_for_page) -> dict | None:
    """Previous/next and a window of page numbers (None marks a gap) for the `pager` macro."""
    if pages <= 1:
        return None
    wanted = {1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)}
    links: list[dict | None] = []
    previous = 0
    for number in sorted(wanted):
        if number - previous > 1:
            links.append(None)
        links.append({"number": number, "url": url_for_page(number), "current": number == page})
        previous = number
    return {
        "prev_url": url_for_page(page - 1) if page > 1 else "",
        "next_url": url_for_page(page + 1) if page < pages else "",
        "links": links,
        "summary": gettext("Page %(page)d of %(pages)d", page=page, pages=pages),
    }


#: Characters of CSV text gathered before a streamed download sends them on.
CSV_CHUNK_CHARS = 64 * 1024


def csv_chunks(
    header: Sequence | None,
    rows: Iterable[Sequence],
    *,
    lineterminator: str = "\r\n",
    prefix: str = "",
    delimiter: str = ",",
) -> Iterator[str]:
    """The CSV text of `header` and `rows` in pieces of about CSV_CHUNK_CHARS: what the download
    holds at once is one piece and the rows the caller reads at a time, not the whole file.

    The header goes out on its own, before the first row is read, so the download starts (and the
    browser shows it) while the rows' first query runs."""
    out = io.StringIO()
    out.write(prefix)
    writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)
    if header is not None:
        writer.writerow(header)
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    for row in rows:
        writer.writerow(row)
        if out.tell() >= CSV_CHUNK_CHARS:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


class DownloadCut(ConnectionAbortedError):
    """A streamed download failed after its first bytes were sent (a database error mid-file).

    A ConnectionError on purpose: both servers treat it as a dropped connection and close it
    without the chunked body's terminating piece, so the browser reports the download as failed
    (Chromium: "Failed - Network error") instead of keeping a short file that looks whole. Other
    exceptions happen to end the same way today (gunicorn closes the socket; Werkzeug's attempt to
    start a 500 page on a started response raises and is swallowed): this does not rely on that,
    and logs which download was cut."""


def _cut_on_error(chunks: Iterator[str], filename: str) -> Iterator[str]:
    iterator = iter(chunks)
    try:
        first = next(iterator)
    except StopIteration:
        return
    # Before the first piece nothing is sent: an error there is the server's usual 500 page.
    yield first
    try:
        yield from iterator
    except Exception as error:
        log.exception("streamed download %s cut after its first bytes", filename)
        raise DownloadCut(f"{filename}: {type(error).__name__}") from error


def streamed_csv(chunks: Iterator[str], filename: str, **headers: str) -> Response:
    """A CSV download sent as `chunks` are made (issue 16: 100,000 ledger rows were built in full
    before the first byte). The request context, and so the session reading the rows, stays open
    until the last piece is sent; `compression` gzips it piece by piece. An error after the first
    piece cuts the connection (DownloadCut), so a short file is never taken for a whole one."""
    return Response(
        stream_with_context(_cut_on_error(chunks, filename)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **headers},
    )
