"""The buyer's note for the sellers, written at checkout: cleaned once, shown with its line breaks."""

from __future__ import annotations

import re
import unicodedata

from marketplace.errors import ValidationError
from marketplace.i18n import message as _l

#: Characters a note may hold (the column is String(500)).
NOTE_MAX_LENGTH = 500
#: More than two empty lines in a row say nothing more on a packing slip.
_BLANK_RUN = re.compile(r"\n{3,}")


def clean_note(text: str | None) -> str:
    """The note as stored: plain text, line endings as "\\n", no control characters, trimmed.

    Markup is kept as typed (the pages escape it). Raises ValidationError (field "note") when the
    cleaned note is longer than NOTE_MAX_LENGTH characters.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(char for char in text if char == "\n" or not unicodedata.category(char).startswith("C"))
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANK_RUN.sub("\n\n", text).strip()
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            str(_l("The note is too long: at most %(max)d characters.", max=NOTE_MAX_LENGTH)),
            field="note",
        )
    return text


def note_lines(note: str | None) -> list[str]:
    """The stored note as lines for a template (each escaped there, joined with <br>)."""
    return note.split("\n") if note else []
