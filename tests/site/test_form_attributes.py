"""Extra input attributes reach the browser as real attributes, never as escaped text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from marketplace.shipping.services import ensure_default_shipping_rates
from tests.factories import make_product

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


class _Inputs(HTMLParser):
    """{id: {attribute: value}} for every <input> of a page (not those inside a <template>: inert
    until a script puts them in the page)."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, dict[str, str | None]] = {}
        self.in_template = 0

    def handle_starttag(self, tag, attrs):
        if tag == "template":
            self.in_template += 1
        if tag == "input" and not self.in_template:
            found = dict(attrs)
            self.inputs[found.get("id") or f"#{len(self.inputs)}"] = found

    def handle_endtag(self, tag):
        if tag == "template":
            self.in_template -= 1


def _inputs(html: str) -> dict[str, dict[str, str | None]]:
    parser = _Inputs()
    parser.feed(html)
    return parser.inputs


def test_checkout_postal_code_gets_a_numeric_keypad_and_a_length_limit(client, session):
    ensure_default_shipping_rates(session)
    product = make_product(session, stock=3)
    session.commit()
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    page = client.get("/checkout")
    assert page.status_code == 200
    html = page.get_data(as_text=True)

    postal = _inputs(html)["f-postal_code"]
    assert postal["inputmode"] == "numeric"
    # Room for "68 416" as people type it (contact.clean_address joins the digits): a limit of 5
    # would silently cut the last digit.
    assert postal["maxlength"] == "7"
    assert postal["pattern"] == "[0-9 ]{5,7}"
    assert postal["autocomplete"] == "postal-code"
    assert "=&#34;" not in html  # no attribute printed as escaped text


def test_no_template_passes_attributes_as_a_string():
    """`extra='inputmode="numeric"'` is autoescaped into text; attributes go in a dict (xmlattr)."""
    as_string = re.compile(r"""=\s*'[^'{}]*\b[\w-]+="[^']*'|=\s*"[^"{}]*\b[\w-]+='[^"]*\"""")
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if as_string.search(line)
    ]
    assert offenders == []
