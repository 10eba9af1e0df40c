"""Deleting a saved address asks once more (a page with the address and the real button, no
JavaScript), then says which address went."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import Address
from tests.accounts.test_addresses import HOME


def test_delete_asks_once_more_then_names_the_deleted_address(logged_in_client, session, user):
    client = logged_in_client
    client.set_cookie("lang", "en")
    assert client.post("/account/addresses/new", data=HOME).status_code == 302
    assert (
        client.post(
            "/account/addresses/new", data={**HOME, "label": "Kantor", "street": "Jl. Pakistaji 7"}
        ).status_code
        == 302
    )
    home, office = sorted(session.scalars(sa.select(Address)), key=lambda a: a.id)

    # The list has no delete button any more: a tap opens the question, which deletes nothing.
    listing = client.get("/account/addresses").get_data(as_text=True)
    ask = f"/account/addresses/{office.id}/delete"
    assert f'href="{ask}"' in listing and f'action="{ask}"' not in listing
    question = client.get(ask)
    assert question.status_code == 200
    text = question.get_data(as_text=True)
    assert "Delete this address?" in text and "Kantor" in text and "Jl. Pakistaji 7" in text
    assert "Yes, delete this address" in text and 'href="/account/addresses"' in text
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count(Address.id))) == 2

    response = client.post(ask)
    assert response.status_code == 302
    listing = client.get("/account/addresses").get_data(as_text=True)
    assert "Deleted the address “Kantor” (Jl. Pakistaji 7)." in listing
    session.expire_all()
    assert [a.id for a in session.scalars(sa.select(Address))] == [home.id]

    # In Indonesian; the default address says what happens to the default.
    client.set_cookie("lang", "id")
    text = client.get(f"/account/addresses/{home.id}/delete?lang=id").get_data(as_text=True)
    assert "Hapus alamat ini?" in text and "Ya, hapus alamat ini" in text and "alamat utama" in text
    assert client.get("/account/addresses/999999/delete").status_code == 404
