"""A misspelt search that finds nothing offers "Did you mean: batik?", a link to the corrected
search with the same filters, only when that finds products; a search with results pays nothing."""

from __future__ import annotations

import html

import pytest

from marketplace.storefront import spelling
from tests.factories import make_product, make_user
from tests.login import logged_in_as


def _catalogue(session, world):
    make_product(
        session, seller=world.seller, cluster=world.cluster,
        title_id="Batik tulis Gajah Oling", title_en="Hand-drawn batik Gajah Oling",
    )  # fmt: skip
    make_product(
        session, seller=world.other_seller, cluster=world.other_cluster,
        title_id="Kopi robusta bubuk", title_en="Ground robusta coffee",
    )  # fmt: skip
    make_product(
        session, seller=world.seller, cluster=world.cluster,
        title_id="Tas anyaman pandan", title_en="Woven pandan bag",
    )  # fmt: skip
    session.commit()


def _suggestion(client, path: str) -> str | None:
    body = client.get(path).get_data(as_text=True)
    marker = 'class="did-you-mean">'
    if marker not in body:
        return None
    return html.unescape(body.split(marker, 1)[1].split("</p>", 1)[0])


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("batk", "batik"), ("kopii", "kopi"), ("anyamn", "anyaman"), ("gajh olng", "gajah oling")],
)
def test_a_misspelt_search_offers_the_corrected_one(client, session, world, typed, meant):
    _catalogue(session, world)
    shown = _suggestion(client, f"/search?q={typed}&lang=en")
    assert shown is not None and shown.startswith("Did you mean:")
    # Prominent (a larger line, styled by its class), the corrected words in bold in the link.
    assert f"><strong>{meant}</strong></a>?" in shown
    assert f'href="/search?q={meant.replace(" ", "+")}"' in shown
    # The link finds products.
    assert "No products found" not in client.get(f"/search?q={meant}&lang=en").get_data(as_text=True)


def test_indonesian_and_filters_kept(client, session, world):
    _catalogue(session, world)
    shown = _suggestion(client, "/search?q=batk&cluster=batik&in_stock=1&sort=newest&lang=id")
    assert shown.startswith("Maksud Anda:") and "><strong>batik</strong></a>?" in shown
    assert 'href="/search?q=batik&cluster=batik&in_stock=1&sort=newest"' in shown


def test_no_suggestion_when_the_corrected_search_finds_nothing_either(client, session, world):
    _catalogue(session, world)
    # "kopi" exists, but not in the batik cluster: no link to another empty page.
    assert _suggestion(client, "/search?q=kopii&cluster=batik&lang=en") is None
    # Nothing near: no suggestion.
    assert _suggestion(client, "/search?q=xylophone&lang=en") is None


def test_only_public_titles_make_the_vocabulary(session, world):
    from marketplace.catalogue.models import ProductStatus

    make_product(session, seller=world.seller, cluster=world.cluster, title_id="Selendang rahasia",
                 title_en="Secret shawl", status=ProductStatus.ARCHIVED)  # fmt: skip
    _catalogue(session, world)
    words = spelling.list_title_words(session)
    assert words.counts["batik"] == 1 and words.counts["oling"] == 1 and words.counts["coffee"] == 1
    assert "rahasia" not in words


def test_distance_one_for_short_words_two_for_longer():
    vocabulary = spelling.Vocabulary({"batik": 3, "kopi": 2, "anyaman": 1, "selendang": 1, "batok": 1})
    assert spelling.corrected_words(vocabulary, ("btk",)) is None  # two edits in a short word
    assert spelling.corrected_words(vocabulary, ("selndng",)) == ("selendang",)
    assert spelling.corrected_words(vocabulary, ("batik",)) is None  # nothing to correct
    assert spelling.corrected_words(vocabulary, ("kopi", "batk")) == ("kopi", "batik")
    # More unknown words than MAX_CORRECTED_WORDS: no suggestion (bounded work).
    assert spelling.corrected_words(vocabulary, ("batk", "kopii", "anyamn", "selndang")) is None


def test_a_search_that_finds_products_runs_no_more_statements(client, session, world, count_queries):
    _catalogue(session, world)
    client.get("/search?q=batik")
    with count_queries() as counter:
        body = client.get("/search?q=batik&lang=en").get_data(as_text=True)
    assert "did-you-mean" not in body
    # As before this feature: the form's choices, the count and ids, the cards, today's rates.
    assert counter.count == 4, counter.statements
    assert _vocabulary_reads(counter.statements) == 0


def _vocabulary_reads(statements: list[str]) -> int:
    return sum(
        s.lstrip().lower().startswith("select products.title_id, products.title_en") for s in statements
    )


class TestKeptByGeneration:
    @pytest.fixture
    def app_overrides(self) -> dict:
        # The generation is the page cache's catalogue generation, bumped on commit when it is on.
        return {"PAGE_CACHE_ENABLED": True}

    def test_the_vocabulary_is_read_once_and_follows_a_new_title(self, app, session, world, count_queries):
        _catalogue(session, world)
        buyer = make_user(session)
        session.commit()
        client = logged_in_as(app.test_client(), buyer)  # never served from the page cache
        with count_queries() as first:
            assert _suggestion(client, "/search?q=batk&lang=en") is not None
        with count_queries() as second:
            assert _suggestion(client, "/search?q=anyamn&lang=en") is not None
        assert _vocabulary_reads(first.statements) == 1
        assert _vocabulary_reads(second.statements) == 0, second.statements

        make_product(session, seller=world.seller, cluster=world.cluster, title_id="Selendang sutra",
                     title_en="Silk shawl")  # fmt: skip
        session.commit()
        assert ">selendang</strong></a>?" in _suggestion(client, "/search?q=selndang&lang=en")
