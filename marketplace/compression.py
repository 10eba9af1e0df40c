"""Gzip for dynamic text responses (HTML, JSON, XML, CSV…), page-cache hits included.

Static files are pre-compressed by WhiteNoise (marketplace/assets.py) and never reach this code.
`init_app` registers an after_request hook (run after every other hook) that compresses a
response when the client sends `Accept-Encoding: gzip` and the body is a compressible type of at
least `MIN_SIZE` bytes: `Content-Encoding: gzip`, `Vary: Accept-Encoding` (sent on the plain
variant too), the compressed length, and a strong ETag made weak. Streamed responses of such a type
(CSV downloads) are gzipped piece by piece as they are sent. Never for direct_passthrough responses
(files), 204/206/304, HEAD requests, or a body already encoded.

Cached pages are compressed once, when stored (`pack`): the gzip of the whole page, or, when the
page holds the per-visitor CSRF placeholder, deflate segments of the text around it. A hit then
splices the visitor's token in as a stored deflate block (`hit_body`): no compression per hit.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Iterator

from flask import Flask, Response, request

#: Smaller bodies are sent as they are: the gzip framing and CPU would cost more than they save.
MIN_SIZE = 1024
#: Cheap enough per response, close to the best ratio for HTML.
LEVEL = 6
COMPRESSIBLE = frozenset(
    {
        "text/html", "text/plain", "text/css", "text/csv", "text/xml", "text/javascript",
        "text/calendar", "application/json", "application/xml", "application/javascript",
        "application/problem+json", "application/ld+json", "application/manifest+json",
        "application/rss+xml", "application/atom+xml", "image/svg+xml",
    }
)  # fmt: skip
_SKIP_STATUS = frozenset({204, 206, 304})

# ---------------------------------------------------------------- negotiation


def accepts_gzip(header: str | None) -> bool:
    """True when Accept-Encoding allows gzip (explicitly, or through `*`), not with q=0."""
    if not header or ("gzip" not in header and "*" not in header and "GZIP" not in header.upper()):
        return False
    gzip_q = star_q = None
    for item in header.split(","):
        name, _, params = item.partition(";")
        name = name.strip().lower()
        if name not in ("gzip", "x-gzip", "*"):
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        if name == "*":
            star_q = q
        else:
            gzip_q = q
    if gzip_q is not None:
        return gzip_q > 0
    return bool(star_q and star_q > 0)


def client_accepts_gzip(environ) -> bool:
    """For this WSGI request: gzip allowed and a body will be sent (not HEAD)."""
    return environ.get("REQUEST_METHOD") != "HEAD" and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING"))


def compressible(mimetype: str | None, size: int) -> bool:
    return size >= MIN_SIZE and (mimetype or "").split(";", 1)[0].strip().lower() in COMPRESSIBLE


def compress(data: bytes) -> bytes:
    """Gzip with no timestamp: the same bytes for the same page."""
    return gzip.compress(data, compresslevel=LEVEL, mtime=0)


# ---------------------------------------------------------------- after_request


def _gzip_stream(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Gzip a body as it is made: each piece out as soon as zlib has a block of it."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: the gzip framing
    for chunk in chunks:
        data = compressor.compress(chunk)
        if data:
            yield data
    yield compressor.flush()


def _compress_stream(response: Response) -> Response:
    """A streamed download (the seller's sales CSV, the audit log…) gzipped on the fly: no length
    is known beforehand, and the body is never held whole."""
    response.vary.add("Accept-Encoding")
    if request.method == "HEAD" or not accepts_gzip(request.headers.get("Accept-Encoding")):
        return response
    response.response = _gzip_stream(response.iter_encoded())
    response.headers.pop("Content-Length", None)
    response.headers["Content-Encoding"] = "gzip"
    return response


def compress_response(response: Response) -> Response:
    if (
        response.is_streamed
        and not response.direct_passthrough
        and response.status_code == 200
        and "Content-Encoding" not in response.headers
        and response.mimetype in COMPRESSIBLE
    ):
        return _compress_stream(response)
    if (
        response.direct_passthrough
        or response.is_streamed
        or not response.is_sequence
        or response.status_code in _SKIP_STATUS
        or response.status_code < 200
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
    ):
        return response
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    response.vary.add("Accept-Encoding")
    if request.method == "HEAD" or not accepts_gzip(request.headers.get("Accept-Encoding")):
        return response
    response.set_data(compress(data))  # also sets Content-Length
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)  # the bytes differ from the plain variant's
    return response


def init_app(app: Flask) -> None:
    """Register the hook first, so Flask runs it after every other after_request hook."""
    app.after_request_funcs.setdefault(None, []).insert(0, compress_response)


# ---------------------------------------------------------------- cached pages

#: A packed cached body starts with this (no HTML, JSON or XML body starts with a NUL byte).
_MAGIC = b"\x00pdgz1"
_WHOLE, _SEGMENTS = b"W", b"S"
#: Gzip member header: deflate, no flags, no mtime, no extra flags, OS "unknown".
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
#: An empty final deflate block (fixed Huffman, end of block): closes a chain of flushed segments.
_FINAL_BLOCK = b"\x03\x00"


def _segment(data: bytes) -> bytes:
    # Raw deflate ending on a byte boundary with a non-final block (sync flush): segments concatenate.
    deflater = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return deflater.compress(data) + deflater.flush(zlib.Z_SYNC_FLUSH)


def _stored_block(data: bytes) -> bytes:
    # Non-final "stored" deflate blocks (at most 65535 bytes each), starting on a byte boundary.
    out = []
    for start in range(0, len(data), 65535):
        chunk = data[start : start + 65535]
        out.append(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(out)


def pack(mimetype: str, body: bytes, placeholder: bytes) -> bytes:
    """What the page cache stores for a body: the body as is when too small or not compressible,
    else the body followed by its compressed form, computed once here."""
    if not compressible(mimetype, len(body)):
        return body
    if placeholder not in body:
        gz = compress(body)
        return _MAGIC + _WHOLE + struct.pack("<I", len(body)) + body + gz
    segments = [_segment(part) for part in body.split(placeholder)]
    lengths = struct.pack(f"<I{len(segments)}I", len(segments), *(len(s) for s in segments))
    return _MAGIC + _SEGMENTS + struct.pack("<I", len(body)) + lengths + body + b"".join(segments)


def needs_token(stored: bytes, placeholder: bytes) -> bool:
    """Whether a stored body holds the CSRF placeholder (the visitor's token goes there)."""
    if stored.startswith(_MAGIC):
        return stored[6:7] == _SEGMENTS
    return placeholder in stored


def hit_body(
    stored: bytes, mimetype: bytes, placeholder: bytes, token: bytes | None, gzip_ok: bool
) -> tuple[bytes, bool, bool]:
    """(body to send, whether it is gzip, whether it varies by Accept-Encoding) for a stored body,
    with `token` in place of the placeholder (pass it when `needs_token`).

    A body stored by `pack` is never compressed here; a plain entry (small, or stored before this
    module existed) is compressed as the after_request hook would.
    """
    if not stored.startswith(_MAGIC):
        if token is not None and placeholder in stored:
            stored = stored.replace(placeholder, token)
        if not compressible(mimetype.decode("ascii"), len(stored)):
            return stored, False, False
        return (compress(stored), True, True) if gzip_ok else (stored, False, True)
    mode = stored[6:7]
    (raw_len,) = struct.unpack_from("<I", stored, 7)
    if mode == _WHOLE:
        start = 11
        if gzip_ok:
            return stored[start + raw_len :], True, True
        return stored[start : start + raw_len], False, True
    (count,) = struct.unpack_from("<I", stored, 11)
    lengths = struct.unpack_from(f"<{count}I", stored, 15)
    start = 15 + 4 * count
    raw = stored[start : start + raw_len].replace(placeholder, token or b"")
    if not gzip_ok:
        return raw, False, True
    out = [_GZIP_HEADER]
    offset = start + raw_len
    stored_token = _stored_block(token or b"")
    for index, length in enumerate(lengths):
        if index:
            out.append(stored_token)
        out.append(stored[offset : offset + length])
        offset += length
    out.append(_FINAL_BLOCK)
    out.append(struct.pack("<II", zlib.crc32(raw), len(raw) & 0xFFFFFFFF))
    return b"".join(out), True, True
