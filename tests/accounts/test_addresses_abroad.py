"""A saved address abroad, through the page without JavaScript: no kecamatan or Indonesian province
is asked of it (the browser is not told they are required, the form does not refuse them), and an
address with several problems names them all at once, at the top and beside each field."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.accounts.models import Address
from tests.accounts.test_addresses import HOME

ABROAD = {
    "label": "Thuis",
    "recipient_name": "Anneke de Vries",
    "phone": "+31 6 1234 5678",
    "street": "Prinsengracht 263",
    "line2": "",
    "district": "",
    "city": "Amsterdam",
    "province": "",
    "postal_code": "1016 gv",
    "country": "NL",
}


def test_an_address_in_the_netherlands_needs_no_kecamatan(logged_in_client, session):
    client = logged_in_client
    page = client.get("/account/addresses/new").get_data(as_text=True)
    form = page[page.index("<main") :]
    assert '<form method="post" class="stack" novalidate>' in form  # the browser asks nothing
    for name in ("district", "province", "postal_code"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', form).group(0)
        assert "required" not in tag, tag
    assert '<datalist id="province-list">' in form and '<option value="Jawa Timur">' in form
    saved = client.post("/account/addresses/new", data=ABROAD)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    address = session.scalars(sa.select(Address)).one()
    assert (address.country, address.district, address.province, address.postal_code) == (
        "NL",
        "",
        "",
        "1016 GV",
    )
    # Listed as written on a parcel: no stray comma for the empty district, the country by name.
    listing = client.get("/account/addresses").get_data(as_text=True)
    assert "Prinsengracht 263<br>Amsterdam<br>1016 GV<br>Netherlands<br>" in listing
    # Edited later, still abroad, still without them.
    assert (
        client.post(f"/account/addresses/{address.id}/edit", data={**ABROAD, "label": "Werk"}).status_code
        == 302
    )


def test_an_indonesian_address_names_every_missing_part_at_once(logged_in_client, session):
    client = logged_in_client
    refused = client.post(
        "/account/addresses/new",
        data={**HOME, "recipient_name": "", "district": "", "province": "Jawa", "postal_code": "123"},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'id="error-summary"' in page
    for field in ("recipient_name", "district", "province", "postal_code"):
        assert f'id="{field}-error"' in page and f'href="#{field}"' in page
    assert "This field is required." not in page  # the address rules' own words instead
    assert session.scalar(sa.select(sa.func.count()).select_from(Address)) == 0
    # "jawa timur" typed in lower case is the listed province.
    assert client.post("/account/addresses/new", data={**HOME, "province": "jawa timur"}).status_code == 302
    assert session.scalars(sa.select(Address)).one().province == "Jawa Timur"
