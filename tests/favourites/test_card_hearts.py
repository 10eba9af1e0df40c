"""A card's heart comes from a frame rendered once, and prints exactly what the heart macro prints."""

from __future__ import annotations

import pytest
from flask import render_template_string

from marketplace.favourites.presenters import card_heart
from marketplace.favourites.services import FAVOURITES_COOKIE

MACRO = (
    '{% import "macros/favourites.html" as fav %}'
    "{{ fav.heart(favourite_heart(pid, title), compact=true, token=token, action=action) }}"
)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_card_heart_is_the_macros_output_saved_or_not(app, lang):
    title = 'Batik "Gajah Oling" <tulis> & co'
    path = f"/clusters/batik?lang={lang}&q=<x>"
    with app.test_request_context(path, headers={"Cookie": f"{FAVOURITES_COOKIE}=7"}):
        for pid in (7, 8):  # saved (in the guest's cookie), not saved
            expected = render_template_string(MACRO, pid=pid, title=title, token="tok&1", action="/fav")
            assert str(card_heart(pid, title, "tok&1", "/fav")) == str(expected)
            assert ('class="heart saved"' in expected) == (pid == 7)
        assert "\ue000" not in str(card_heart(8, title, "tok", "/fav"))
    assert set(app.extensions["card_heart_frames"]) <= {True, False}  # one frame each, never more
