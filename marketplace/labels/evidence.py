"""Label evidence files: checked by content, kept private.

Stored under EVIDENCE_PREFIX (never served by /media/, which serves PUBLIC_PREFIXES only) with a
random name, and handed out only by access-checked views.
"""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.errors import NotFound, ValidationError
from marketplace.i18n import message as _l
from marketplace.labels.models import ProductLabel
from marketplace.media.images import DEFAULT_MAX_PIXELS, process_upload
from marketplace.media.storage import MediaStorage

#: Private prefix: /media/ and a bucket's public URL serve only PUBLIC_PREFIXES.
EVIDENCE_PREFIX = "private/label-evidence/"


EVIDENCE_MAX_BYTES = 5 * 1024 * 1024


_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


@dataclass(frozen=True)
class Evidence:
    """A checked evidence file, ready to store: a PDF as sent, or a photo re-encoded to WebP."""

    data: bytes
    content_type: str
    extension: str


EVIDENCE_TYPES = {"pdf": "application/pdf", "webp": "image/webp"}


def _looks_like_image(data: bytes) -> bool:
    return data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def check_evidence(
    data: bytes, *, max_bytes: int = EVIDENCE_MAX_BYTES, max_pixels: int = DEFAULT_MAX_PIXELS
) -> Evidence:
    """Check an evidence upload by its content: a PDF (`%PDF-` magic) or a JPEG/PNG/WebP photo.

    Photos are fully decoded and re-encoded (metadata dropped) by `process_upload`; the largest
    rendition is kept. Raises ValidationError (field "evidence") for empty, oversize, damaged or
    truncated files, photos of more than `max_pixels` (told by the header, before decoding) and
    anything else (HTML, SVG, scripts…).
    """
    if not data:
        raise ValidationError(_l("The file is empty. Please choose the certificate file."), field="evidence")
    if len(data) > max_bytes:
        raise ValidationError(
            _l(
                "The file is too large. Please upload a file of at most %(mb)d MB.",
                mb=max_bytes // (1024 * 1024),
            ),
            field="evidence",
        )
    if data.startswith(b"%PDF-"):
        return Evidence(data, EVIDENCE_TYPES["pdf"], "pdf")
    if not _looks_like_image(data):
        raise ValidationError(
            _l("Please upload the certificate as a PDF file or as a JPEG, PNG or WebP photo."),
            field="evidence",
        )
    try:
        processed = process_upload(data, max_bytes=max_bytes, max_pixels=max_pixels)
    except ValidationError as error:
        raise ValidationError(error.message, field="evidence") from error
    return Evidence(processed.renditions[-1].data, EVIDENCE_TYPES["webp"], "webp")


def evidence_content_type(key: str) -> str:
    """The content type to serve a stored evidence file with (from the extension we gave it)."""
    return EVIDENCE_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")


def read_evidence(storage: MediaStorage, label: ProductLabel) -> bytes:
    """The evidence file's bytes; NotFound when the label has none or the file is gone."""
    key = label.evidence_key
    if not key or not key.startswith(EVIDENCE_PREFIX):
        raise NotFound(_l("This label has no evidence file."))
    try:
        return storage.read(key)
    except FileNotFoundError as error:
        raise NotFound(_l("This label has no evidence file.")) from error
