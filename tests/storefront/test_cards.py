"""Listing cards loaded as plain rows (storefront.cards) show what the ORM products showed."""

from __future__ import annotations

from marketplace.catalogue.models import ProductStatus
from marketplace.storefront import cards, listings, related
from tests.factories import make_label_type, make_product, make_seller
from tests.storefront.conftest import add_image


def test_a_card_row_carries_what_the_product_shows(session, world):
    product = make_product(
        session,
        seller=world.seller,
        cluster=world.cluster,
        title_id="Sarung batik",
        title_en="Batik sarong",
        price_minor=250_000,
        stock=3,
        rating_count=2,
        rating_sum=9,
        units_sold=5,
    )
    second = add_image(session, product)
    first = add_image(session, product)
    second.position, first.position = 1, 0
    bare = make_product(session, seller=world.other_seller, cluster=world.other_cluster, stock=0)
    session.commit()

    loaded = cards.load_cards(session, [bare.id, product.id, 999_999])
    assert [card.id for card in loaded] == [bare.id, product.id]  # in the order asked, missing left out
    card = loaded[1]
    assert (card.slug, card.title_id, card.title_en) == (product.slug, "Sarung batik", "Batik sarong")
    assert (card.price_minor, card.price_varies, card.has_offered_stock, card.exportable) == (
        250_000,
        False,
        True,
        False,
    )
    assert loaded[0].has_offered_stock is False  # no stock
    assert (card.rating_count, card.rating_sum, card.units_sold) == (2, 9, 5)
    assert (card.seller.slug, card.seller.name) == ("kub-sekar-kepuh", "KUB Sekar Kepuh")
    assert (card.seller.village.slug, card.seller.village.name) == ("pakistaji", "Pakistaji")
    assert (card.cluster.slug, card.cluster.name_en) == ("batik", "Batik")
    # Only the first photo by position, as Product.images[0].
    assert [image.storage_key for image in card.images] == [first.storage_key]
    assert loaded[0].images == ()  # a product without photos still has its card


def test_home_places_count_each_public_product_once(session, world):
    make_product(session, seller=world.seller, cluster=world.cluster)
    make_product(session, seller=world.seller, cluster=world.other_cluster)
    make_product(session, seller=world.other_seller, cluster=world.cluster)
    make_product(session, seller=world.seller, cluster=world.cluster, status=ProductStatus.DRAFT)
    hidden = make_seller(session, village=world.village, status="pending")
    make_product(session, seller=hidden, cluster=world.cluster)
    session.commit()

    clusters, villages = listings.list_places(session)
    # The same places and counts as the entity queries (list_places reads plain rows).
    assert [(s.cluster.id, s.product_count) for s in clusters] == [
        (s.cluster.id, s.product_count) for s in listings.list_clusters(session)
    ]
    assert [(s.village.id, s.product_count) for s in villages] == [
        (s.village.id, s.product_count) for s in listings.list_villages(session)
    ]
    assert {s.cluster.slug: s.product_count for s in clusters} == {"batik": 2, "agro": 1}
    assert {s.village.slug: s.product_count for s in villages} == {"pakistaji": 2, "tambong": 1}


def test_more_from_and_recently_viewed_are_public_cards(session, world):
    product = make_product(session, seller=world.seller, cluster=world.cluster)
    mine = make_product(session, seller=world.seller, cluster=world.cluster)
    add_image(session, mine)
    neighbour = make_seller(session, village=world.village)
    theirs = make_product(session, seller=neighbour, cluster=world.other_cluster)
    draft = make_product(session, seller=world.seller, cluster=world.cluster, status=ProductStatus.DRAFT)
    session.commit()

    more = related.more_from(session, product)
    assert [card.id for card in more.maker] == [mine.id] and len(more.maker[0].images) == 1
    assert [card.id for card in more.village] == [theirs.id]
    viewed = related.recently_viewed(session, [draft.id, theirs.id, product.id, mine.id], exclude=product.id)
    assert [card.id for card in viewed] == [theirs.id, mine.id]
    assert all(isinstance(card, cards.CardProduct) for card in viewed)


def test_choices_are_the_entity_lists_as_plain_rows(session, world):
    """list_choices (one statement) gives what list_clusters / list_villages without counts and
    list_label_types give, in the same orders, with the attributes the pages read."""
    make_label_type(session, code="pirt", position=2)
    make_label_type(session, code="halal", position=1)
    session.commit()

    choices = listings.list_choices(session)
    clusters = listings.list_clusters(session, with_counts=False)
    fields = ("id", "slug", "name_id", "name_en", "description_id", "description_en")
    assert [tuple(getattr(s.cluster, f) or "" for f in fields) for s in choices.clusters] == [
        tuple(getattr(s.cluster, f) or "" for f in fields) for s in clusters
    ]
    villages = listings.list_villages(session, with_counts=False)
    assert [(s.village.id, s.village.slug, s.village.name) for s in choices.villages] == [
        (s.village.id, s.village.slug, s.village.name) for s in villages
    ]
    assert [(t.id, t.code, t.name_id, t.name_en) for t in choices.labels] == [
        (t.id, t.code, t.name_id, t.name_en or "") for t in listings.list_label_types(session)
    ]
    assert [t.code for t in choices.labels] == ["halal", "pirt"]
    assert listings.list_choices(session, labels=False).labels == []
