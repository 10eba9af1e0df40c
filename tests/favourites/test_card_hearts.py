"""A card's heart comes from a frame rendered once, and prints exactly what the heart macro prints,
its typographic punctuation written as character references (marketplace/html_refs.py)."""

from __future__ import annotations

import pytest
from flask import render_template_string
from markupsafe import Markup

from marketplace.favourites.presenters import card_heart, page_heart
from marketplace.favourites.services import FAVOURITES_COOKIE
from marketplace.html_refs import latin1_html
from marketplace.storefront.grids import CardList
from marketplace.storefront.presenters import CardView

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
            assert str(card_heart(pid, title, "tok&1", "/fav")) == latin1_html(str(expected))
            assert ('class="heart saved"' in expected) == (pid == 7)
        assert "\ue000" not in str(card_heart(8, title, "tok", "/fav"))
    assert set(app.extensions["card_heart_frames"]) <= {True, False}  # one frame each, never more


#: What macros/catalogue.html's product_grid printed before its cards were joined in Python
#: (storefront.grids.card_items): a product_card macro call per card, each with its heart macro.
OLD_GRID = """{% import "macros/favourites.html" as fav %}
{%- macro product_card(card, token=none, action=none) %}
<li class="card">
{{ card.body }}
  {{ fav.heart(favourite_heart(card.id, card.title), compact=true, token=token, action=action) }}
</li>
{% endmacro -%}
<ul class="grid" aria-label="{{ label }}">
{% set token, action = csrf_token(), url_for('favourites.toggle') %}
{% for card in cards %}{{ product_card(card, token, action) }}{% endfor %}
</ul>"""

NEW_GRID = '{% import "macros/catalogue.html" as ui %}{{ ui.product_grid(cards, label) }}'


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_grid_prints_what_a_macro_per_card_printed(app, lang):
    cards = [
        CardView(id=7, title='Batik "Gajah Oling" <tulis> & co', body=Markup("<a href='/p/7'>7</a>")),
        CardView(id=8, title="Kopi Lego", body=Markup("<b>8</b>")),
        CardView(id=9, title="Sale & <more>", body=Markup("")),
    ]
    path = f"/clusters/batik?lang={lang}&q=<x>&page=2"
    with app.test_request_context(path, headers={"Cookie": f"{FAVOURITES_COOKIE}=7.9"}):
        old = render_template_string(OLD_GRID, cards=cards, label="Grid <1>")
        new = render_template_string(NEW_GRID, cards=cards, label="Grid <1>")
    assert new.strip() == latin1_html(old).strip()
    assert new.count('class="heart saved"') == 2 and "\ue000" not in new


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("saved", ["", "7.9", "8"])
def test_a_kept_grid_prints_what_a_macro_per_card_printed(app, lang, saved):
    """A CardList keeps its items with every heart unsaved (storefront.grids.card_items): a
    visitor who saved none of its cards gets the kept items, one who did the kept items with the
    saved cards' hearts put in their place."""
    cards = CardList(
        [
            CardView(id=7, title='Batik "Gajah Oling" <tulis> & co', body=Markup("<a href='/p/7'>7</a>")),
            CardView(id=8, title="Kopi Lego", body=Markup("<b>8</b>")),
            CardView(id=9, title="Sale & <more> %(title)s", body=Markup("")),
        ]
    )
    path = f"/clusters/batik?lang={lang}&q=<x>&page=2"
    for _ in range(2):  # the second time from the kept items
        with app.test_request_context(path, headers={"Cookie": f"{FAVOURITES_COOKIE}={saved}"}):
            old = render_template_string(OLD_GRID, cards=list(cards), label="Grid <1>")
            new = render_template_string(NEW_GRID, cards=cards, label="Grid <1>")
        assert new.strip() == latin1_html(old).strip()
        assert (
            new.count('class="heart saved"') == len([s for s in saved.split(".") if s])
            and "\ue000" not in new
        )
    assert len(cards._grids) == 1  # one kept grid per language's labels, saved cards or not


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_product_pages_heart_is_the_macros_output_saved_or_not(app, lang):
    path = f"/products/7-batik?lang={lang}&q=<x>&a=1&b=2"
    with app.test_request_context(path, headers={"Cookie": f"{FAVOURITES_COOKIE}=7"}):
        for pid in (7, 8):
            expected = render_template_string(
                '{% import "macros/favourites.html" as fav %}{{ fav.heart(favourite_heart(pid)) }}', pid=pid
            )
            assert str(page_heart(pid)) == str(expected)
            assert ('class="heart saved"' in expected) == (pid == 7) and "\ue000" not in expected
