"""Every UI string in templates and code has an Indonesian translation in the repo's catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "marketplace" / "translations" / "id" / "LC_MESSAGES" / "messages.po"
METHOD_MAP = [
    ("marketplace/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "pgettext": ((1, "c"), 2),
}


def _extracted_msgids() -> set[str]:
    msgids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS
    ):
        msgids.add(message[0] if isinstance(message, tuple) else message)
    return msgids


def test_every_ui_string_is_translated_to_indonesian():
    with CATALOGUE.open("rb") as po_file:
        catalogue = read_po(po_file, locale="id")
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalogue
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string) and not m.fuzzy
    }
    missing = sorted(_extracted_msgids() - translated)
    assert missing == [], (
        f"{len(missing)} strings lack an Indonesian translation (run `make translations`): {missing[:20]}"
    )
