"""Village and shop pages put their products first: the story's opening above them, the rest below.

A buyer on a phone came for the products; the long story, the workshop and the makers follow the
grid, and nothing is dropped (the heading levels stay in order for screen readers).
"""

from __future__ import annotations

import re

import pytest

from marketplace.storefront.presenters import INTRO_CHARS, story_intro
from tests.factories import make_product, make_seller, make_village

STORY_EN = (
    "Tambong is a craft village. Coconut shell, wood and bamboo become bags and trays.\n\n"
    "Forty households work here, most of them women."
)
STORY_ID = (
    "Tambong adalah desa kerajinan. Batok kelapa, kayu, dan bambu menjadi tas dan nampan.\n\n"
    "Empat puluh keluarga bekerja di sini."
)
SHOP_STORY_EN = "We started in 2009. Twelve batik makers draw with the canting by hand."
SHOP_STORY_ID = "Kami mulai tahun 2009. Dua belas pembatik menggambar dengan canting."


def test_the_intro_is_the_first_sentence_and_says_whether_there_is_more():
    assert story_intro([]).text == ""
    whole = story_intro(["One sentence only."])
    assert (whole.text, whole.continues) == ("One sentence only.", False)
    first = story_intro(["We started in 2009. We grew."])
    assert (first.text, first.continues) == ("We started in 2009.", True)
    assert story_intro(["Short.", "A second paragraph."]).continues


def test_a_long_first_sentence_is_cut_at_a_word():
    words = "coconut shell, wood, bamboo, rattan and banana fibre become bags and trays " * 3
    intro = story_intro([words.strip() + "."])
    assert intro.continues and intro.text.endswith("…")
    assert len(intro.text) <= INTRO_CHARS + 1
    assert words.startswith(intro.text.removesuffix("…"))  # whole words, nothing invented


@pytest.fixture
def tambong(session, world):
    village = make_village(
        session, name="Tambong Baru", slug="tambong-baru", parent=world.kecamatan,
        story_id=STORY_ID, story_en=STORY_EN,
    )  # fmt: skip
    seller = make_seller(
        session, name="Kriya Batok", slug="kriya-batok", village=village,
        story_id=SHOP_STORY_ID, story_en=SHOP_STORY_EN,
    )  # fmt: skip
    make_product(session, seller=seller, cluster=world.cluster, title_id="Tas Batok", title_en="Shell Bag")
    session.commit()
    return village


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def _headings(main: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])\b", main)]


def _assert_heading_order(main: str) -> None:
    levels = _headings(main)
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels


@pytest.mark.parametrize(
    ("lang", "story", "more", "about"),
    [
        ("en", STORY_EN, "Read more about the village", "The village"),
        ("id", STORY_ID, "Baca selengkapnya tentang desa ini", "Tentang desa"),
    ],
)
def test_village_page_shows_its_products_before_the_story_and_makers(
    client, tambong, lang, story, more, about
):
    main = _main(client.get(f"/villages/tambong-baru?lang={lang}").get_data(as_text=True))
    first, rest = story.split("\n\n")
    intro_at = main.index(first.split(". ")[0] + ".")
    products_at = main.index('id="products-h"')
    card_at = main.index('class="grid"')
    story_at = main.index('id="story-h"')
    makers_at = main.index('id="sellers-h"')
    assert intro_at < products_at < card_at < story_at < makers_at
    assert f'<a href="#story-h">{more}</a>' in main[intro_at:products_at]
    assert f">{about}</h2>" in main  # the whole story, below the products
    assert first in main[story_at:makers_at] and rest in main[story_at:makers_at]
    assert "Kriya Batok" in main[makers_at:]
    _assert_heading_order(main)


@pytest.mark.parametrize(
    ("lang", "story", "more"),
    [("en", SHOP_STORY_EN, "Read our story"), ("id", SHOP_STORY_ID, "Baca cerita kami")],
)
def test_shop_page_shows_its_products_before_the_story(client, tambong, lang, story, more):
    main = _main(client.get(f"/sellers/kriya-batok?lang={lang}").get_data(as_text=True))
    opening = story.split(". ")[0] + "."
    intro_at = main.index(opening)
    card_at = main.index('class="grid"')
    story_at = main.index('id="story-h"')
    assert intro_at < main.index('id="products-h"') < card_at < story_at
    assert f'<a href="#story-h">{more}</a>' in main[intro_at:card_at]
    assert story in main[story_at:]
    _assert_heading_order(main)


def test_a_one_sentence_story_is_shown_once_above_the_products(client, world):
    main = _main(client.get("/villages/pakistaji").get_data(as_text=True))
    assert main.count("A village of hand-drawn batik.") == 1
    assert main.index("A village of hand-drawn batik.") < main.index('id="products-h"')
    assert 'href="#story-h"' not in main and 'id="story-h"' not in main
    _assert_heading_order(main)
