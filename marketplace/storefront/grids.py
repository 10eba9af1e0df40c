"""A grid of cards as listings print it: each card's body (rendered once per content, see
storefront.presenters) and this visitor's heart, joined in Python rather than by a macro call per
card (≈ 30 µs a card).

A `CardList` (what `presenters.product_cards` makes, kept with a kept listing's rows) also keeps its
items with every heart unsaved and the hearts' shared values (the CSRF token, the form's action,
this page's address) left open: a guest's grid costs one join, and a buyer's one join plus a
heart rendered for each card they saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from marketplace.favourites.current import request_favourite_ids
from marketplace.favourites.presenters import back_url, card_heart_html, card_hearts, heart_frame

if TYPE_CHECKING:
    from marketplace.storefront.presenters import CardView


#: One card of a grid (what macros/catalogue.html's product_card macro printed for each card).
_GRID_ITEM = '\n<li class="card">\n{body}\n  {heart}\n</li>\n'


class GridSlot(str):
    """Stands for a grid's cards in a page rendered once for many visitors (the product page's
    "more from" rows, storefront.product_page): `card_items` prints its slot mark, and each request
    fills the slot with the cards and its own hearts."""


class CardList(list):
    """The cards of a grid as `product_cards` made them, never changed after. It keeps the grid's
    <li> items with every card's heart unsaved and the hearts' shared values (the CSRF token, the
    form's action, this page's address) left open (`card_items`): a grid then costs one join and a
    heart rendered only for each card this visitor saved, instead of a heart filled per card."""

    __slots__ = ("_grids",)

    def __init__(self, cards: Iterable[CardView] = ()):
        super().__init__(cards)
        #: The grid for each pair of heart labels (the request's language): its pieces, the open
        #: slots, and where each card's heart lies among the pieces.
        self._grids: dict[tuple[str, str], UnsavedGrid] = {}

    def grid(self, texts: tuple[str, str]) -> UnsavedGrid:
        found = self._grids.get(texts)
        if found is None:
            found = self._grids[texts] = unsaved_grid(self, texts)
        return found


_GRID_HEAD, _GRID_TAIL = _GRID_ITEM.split("{heart}")
_GRID_HEAD_OPEN, _GRID_HEAD_CLOSE = _GRID_HEAD.split("{body}")


#: A kept grid: its pieces, the open slots (index, name of the shared value) and each card's heart
#: as (card id, first piece, end) in the grid's order.
UnsavedGrid = tuple[list[str], tuple[tuple[int, str], ...], tuple[tuple[int, int, int], ...]]


def unsaved_grid(cards: Iterable[CardView], texts: tuple[str, str]) -> UnsavedGrid:
    """`card_items(cards, …)` for a visitor who saved none of them, as pieces (the card bodies are
    the kept strings themselves, not copies) with the hearts' shared values at the open slots.
    `texts`: the hearts' two labels as HTML with the title's place (`card_heart_html`)."""
    save_html, unsave_html = texts
    frame = heart_frame(False)
    pieces: list[str] = []
    open_slots: list[tuple[int, str]] = []
    hearts: list[tuple[int, int, int]] = []
    for card in cards:
        named = {"title": str(escape(card.title))}
        save, unsave = save_html % named, unsave_html % named
        values = {"product_id": str(escape(card.id)), "label": save, "other_label": unsave}
        pieces += (_GRID_HEAD_OPEN, card.body, _GRID_HEAD_CLOSE)
        first = len(pieces)
        for index, piece in enumerate(frame):
            if index % 2 == 0:
                pieces.append(piece)
            elif piece in values:
                pieces.append(values[piece])
            else:
                open_slots.append((len(pieces), piece))
                pieces.append(piece)
        hearts.append((card.id, first, len(pieces)))
        pieces.append(_GRID_TAIL)
    return pieces, tuple(open_slots), tuple(hearts)


def card_items(cards: Iterable[CardView], token: str, action: str) -> Markup:
    """The <li> of each card of a grid: its body (rendered once per content) and this visitor's
    heart. Joined here rather than by a macro call per card, which cost ≈ 30 µs a card."""
    if isinstance(cards, GridSlot):
        return Markup(cards)  # noqa: S704 - a slot mark, filled per request
    if isinstance(cards, CardList):
        pieces, open_slots, hearts = cards.grid(card_heart_html())
        shared = {
            "token": str(escape(token)),
            "action": str(escape(action)),
            "next_url": str(escape(back_url())),
        }
        pieces = pieces.copy()
        for index, name in open_slots:
            pieces[index] = shared[name]
        saved = request_favourite_ids()
        if saved:
            # The cards this visitor saved get their own heart in place of the unsaved one.
            heart = card_hearts(token, action)
            titles = {card.id: card.title for card in cards}
            for card_id, first, end in hearts:
                if card_id in saved:
                    pieces[first:end] = [heart(card_id, titles[card_id])] + [""] * (end - first - 1)
        return Markup("".join(pieces))  # noqa: S704 - card bodies are Jinja output, values escaped
    heart = card_hearts(token, action)
    return Markup(  # noqa: S704 - card bodies are Jinja output, hearts escaped by card_hearts
        "".join(_GRID_ITEM.format(body=card.body, heart=heart(card.id, card.title)) for card in cards)
    )
