"""Phone numbers on the packing slip and the address label, grouped as Indonesians write them."""

from __future__ import annotations

import re

from marketplace.contact import phone_text
from tests.seller.conftest import log_in


def test_phone_text_groups_an_indonesian_mobile_and_leaves_anything_else():
    assert phone_text("081234567890") == "0812-3456-7890"
    assert phone_text("+6281234567890") == "0812-3456-7890"
    assert phone_text("0812 3456 7890", abroad=True) == "+62 812-3456-7890"
    assert phone_text("0812345678") == "0812-3456-78"
    assert phone_text("03334210000") == "03334210000"  # a landline: as stored
    assert phone_text("+31 20 123 4567") == "+31 20 123 4567"
    assert phone_text("") == phone_text(None) == ""


def _block(html: str, heading_id: str) -> str:
    """The section under the heading with this id (the sender's or the recipient's)."""
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_packing_slip_and_label_print_both_phones_grouped(app, session, world):
    client = log_in(app.test_client(), world.user_a.email)
    slip = client.get(f"/seller/orders/{world.fulfilment_a.id}/slip").get_data(as_text=True)
    assert "0812-3456-7890" in _block(slip, "slip-from")  # the shop's, stored as 081234567890
    assert "0812-3456-7890" in _block(slip, "slip-to")  # the buyer's, typed "0812 3456 7890"
    assert not re.search(r"081234567890|0812 3456 7890", slip)
    label = client.get(f"/seller/orders/{world.fulfilment_a.id}/label").get_data(as_text=True)
    assert "0812-3456-7890" in _block(label, "label-from") and "0812-3456-7890" in _block(label, "label-to")
    assert not re.search(r"081234567890|0812 3456 7890", label)
