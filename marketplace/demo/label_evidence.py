"""Demo certificate files for `seed-demo`: each certificate label gets a one-page PDF standing for
the scan its seller sent, so a curator can open it in the label queue and check it (demo only)."""

from __future__ import annotations

from datetime import date

from marketplace.labels.evidence import EVIDENCE_PREFIX, EVIDENCE_TYPES
from marketplace.media.images import new_storage_key
from marketplace.media.storage import MediaStorage


def _pdf_text(text: str) -> str:
    """A PDF string literal's body: Latin-1 only, backslash and parentheses escaped."""
    text = text.encode("latin-1", "replace").decode("latin-1")
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def certificate_pdf(title: str, number: str, issuer: str, valid_until: date | None) -> bytes:
    """A valid one-page PDF that reads like the certificate: its title, number, issuer, last day."""
    lines = [
        (18, title.upper()),
        (12, f"Nomor: {number}"),
        (12, f"Diterbitkan oleh: {issuer}"),
        (12, f"Berlaku sampai: {valid_until.isoformat() if valid_until else 'tidak ada batas waktu'}"),
        (10, "Contoh untuk demo Pasar Desa - bukan dokumen asli."),
    ]
    content = (
        "BT 60 760 Td "
        + " ".join(f"/F1 {size} Tf ({_pdf_text(text)}) Tj 0 -28 Td" for size, text in lines)
        + " ET"
    )
    stream = content.encode("latin-1")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>>>",
        b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream\n",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number_, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj" % number_ + body + b"endobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def store_certificate(
    storage: MediaStorage, title: str, number: str, issuer: str, valid_until: date | None
) -> str:
    """Store the demo certificate privately, as a seller's upload is stored; returns its key."""
    key = f"{EVIDENCE_PREFIX}{new_storage_key()}.pdf"
    storage.save(key, certificate_pdf(title, number, issuer, valid_until), EVIDENCE_TYPES["pdf"])
    return key
