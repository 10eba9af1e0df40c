"""Switching the profile's language: the page after saving, message included, is in the language
just chosen (the message used to stay in the old one above a page in the new one)."""

from __future__ import annotations

import pytest

SAVED = {"en": "Your profile is saved.", "id": "Profil Anda sudah disimpan."}


@pytest.mark.parametrize(("before", "after"), [("en", "id"), ("id", "en")])
def test_the_saved_message_is_in_the_new_language(logged_in_client, before, after):
    client = logged_in_client
    client.get(f"/account/?lang={before}")  # the browser remembers the old language
    response = client.post("/account/", data={"name": "Siti", "locale": after}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f'<html lang="{after}"' in page
    assert SAVED[after] in page and SAVED[before] not in page
