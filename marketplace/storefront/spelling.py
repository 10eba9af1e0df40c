"""A "Did you mean …?" for a search that found nothing: each word that no public title holds,
replaced by the closest title word ("batk" -> "batik", "gajh olng" -> "gajah oling").

Only ever called when a search with words found no product, so a search that finds products pays
nothing. The vocabulary (`list_title_words`: the words of the public products' titles, both
languages) is one statement over the titles, kept by the caller per catalogue generation; it is
bounded (VOCABULARY_CAP words, the most frequent). Standard library only.

    list_title_words(session) -> Vocabulary
    corrected_words(vocabulary, tokens) -> tuple[str, ...] | None
    did_you_mean(session, params, vocabulary, *, today) -> str | None
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Product
from marketplace.seller.visibility import public_products_filter
from marketplace.storefront.search import search_products
from marketplace.storefront.search_params import SearchParams, fold_accents, title_words

#: At most this many words are kept (the most frequent first): ≈ 2 MB at most per kept generation,
#: and ≈ 20 ms of comparisons per misspelt word at most.
VOCABULARY_CAP = 10_000
#: The vocabulary is read from at most this many titles, the newest first: reading every title grows
#: with the catalogue (≈ 290 ms at 10,000 products, cold), paid by the first empty search after each
#: catalogue change in each worker; 3,000 cost ≈ 45 ms warm, and village products repeat their words.
TITLES_READ = 3_000
#: Words shorter than this are left as typed: one letter off, most short words become another word.
MIN_CORRECTED_LENGTH = 3
#: A query with more unknown words than this gets no suggestion (each costs up to ≈ 20 ms to correct).
MAX_CORRECTED_WORDS = 3
#: Words up to this length may be one edit away from the suggestion; longer ones two.
SHORT_WORD_LENGTH = 5


class Vocabulary:
    """The public titles' words (lower case, accents folded), each with how many titles hold it,
    grouped by length (a word is only compared with words of a near length). Read-only: shared by
    the requests of a process."""

    def __init__(self, counts: Mapping[str, int]):
        self.counts = dict(counts)
        by_length: dict[int, list[tuple[str, int]]] = {}
        for word, count in self.counts.items():
            by_length.setdefault(len(word), []).append((word, count))
        self.by_length = by_length

    def __contains__(self, word: str) -> bool:
        return word in self.counts

    def __len__(self) -> int:
        return len(self.counts)


def list_title_words(session: Session) -> Vocabulary:
    """The words of the newest TITLES_READ public products' titles (Indonesian and English), lower
    case and without accents, with how many titles hold it; the VOCABULARY_CAP most frequent. One
    statement."""
    counts: Counter[str] = Counter()
    rows = session.execute(
        sa.select(Product.title_id, Product.title_en)
        .where(public_products_filter())
        .order_by(Product.id.desc())
        .limit(TITLES_READ)
    )
    for title_id, title_en in rows:
        words = set(title_words(title_id or ""))
        words.update(title_words(title_en or ""))
        counts.update(fold_accents(word) for word in words)
    return Vocabulary(dict(counts.most_common(VOCABULARY_CAP)))


def _max_distance(word: str) -> int:
    return 1 if len(word) <= SHORT_WORD_LENGTH else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance between `a` and `b`, or `limit + 1` as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def closest_word(vocabulary: Vocabulary, word: str) -> str | None:
    """The title word nearest to `word` within its distance (1 for short words, 2 for longer), the
    most frequent among equally near ones; None when none is that near."""
    limit = _max_distance(word)
    best: tuple[int, int, str] | None = None
    for length in range(max(MIN_CORRECTED_LENGTH, len(word) - limit), len(word) + limit + 1):
        for candidate, count in vocabulary.by_length.get(length, ()):
            distance = edit_distance(word, candidate, limit)
            if distance <= limit:
                rank = (distance, -count, candidate)
                if best is None or rank < best:
                    best = rank
    return best[2] if best is not None else None


def corrected_words(vocabulary: Vocabulary, tokens: Sequence[str]) -> tuple[str, ...] | None:
    """`tokens` with each word no title holds replaced by its closest title word; None when no word
    changed (nothing to suggest), a misspelt word has no near title word or more than
    MAX_CORRECTED_WORDS are unknown."""
    corrected = []
    changed = False

    def known(plain: str) -> bool:
        return plain in vocabulary or len(plain) < MIN_CORRECTED_LENGTH or plain.isdigit()

    if sum(not known(fold_accents(token)) for token in tokens) > MAX_CORRECTED_WORDS:
        return None
    for token in tokens:
        plain = fold_accents(token)
        if known(plain):
            corrected.append(token)
            continue
        nearest = closest_word(vocabulary, plain)
        if nearest is None:
            return None
        corrected.append(nearest)
        changed = True
    return tuple(corrected) if changed else None


def did_you_mean(
    session: Session, params: SearchParams, vocabulary: Vocabulary, *, today: date
) -> str | None:
    """The corrected words of `params.q` (its filters unchanged) when that search finds products;
    None otherwise. For a search with words that found nothing: at most one more search (its
    ids only, one product)."""
    corrected = corrected_words(vocabulary, params.tokens)
    if corrected is None:
        return None
    q = " ".join(corrected)
    found = search_products(session, params.replace(q=q, page=1, per_page=1), today=today, as_ids=True)
    return q if found.items else None
