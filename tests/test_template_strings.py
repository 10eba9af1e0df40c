"""No template shows a hard-coded sentence: visible text goes through `_()` so both languages get it.

The translation-completeness test covers strings that are marked; this one finds strings that were
never marked. Jinja tags, expressions and comments are removed first; what text remains in the
HTML (element text and readable attributes) must be a name that is the same in every language.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
#: Attributes people read or hear (a value= is data sent with a form, never shown as such).
READABLE_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "label"}
#: Words that are the same in Indonesian and English (names, codes, symbols).
SAME_IN_EVERY_LANGUAGE = {
    "Bahasa Indonesia",
    "English",
    "Rp",
    "CN22",
    "CN23",
    "HS",
    "IDR",
    "CSV",
    "SVG",
    "PDF",
    "OK",
    "GET",  # the HTTP method (the open data page)
}
JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
IGNORED_BLOCKS = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
LETTERS = re.compile(r"[A-Za-z]{2,}")


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in READABLE_ATTRIBUTES and value:
                self._check(value)

    def handle_data(self, data):
        self._check(data)

    def _check(self, text: str) -> None:
        text = " ".join(text.split())
        if LETTERS.search(text) and text not in SAME_IN_EVERY_LANGUAGE:
            self.found.append(text)


def hard_coded_strings(source: str) -> list[str]:
    stripped = IGNORED_BLOCKS.sub(" ", JINJA.sub(" ", source))
    collector = _TextCollector()
    collector.feed(stripped)
    collector.close()
    return collector.found


def test_the_checker_finds_unmarked_text():
    assert hard_coded_strings('<p>{{ _("Marked") }}</p><p>Not marked</p>') == ["Not marked"]
    assert hard_coded_strings('<img alt="A photo" src="{{ src }}">') == ["A photo"]
    assert hard_coded_strings('<a href="/x" hreflang="en" lang="en">English</a>') == []


def test_no_template_has_an_unmarked_string():
    problems = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        found = hard_coded_strings(path.read_text(encoding="utf-8"))
        if found:
            problems[str(path.relative_to(TEMPLATES))] = found
    assert problems == {}, f"wrap these in {{{{ _(...) }}}}: {problems}"
