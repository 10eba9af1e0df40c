"""The product page's own parts, rendered once per product version and kept per process.

Rendering a product page cost ≈ 10 ms of CPU and six statements (the product, its photos, labels
and options, its answered questions, its reviews, the "more from" cards), the same for every
visitor. What it shows depends on the product and what hangs off it (photos, labels, variants,
reviews, answered questions, seller, desa, cluster), the "more from" products' cards, the language,
the market (the currency prices are shown in, and whether the buyer is abroad), the address the
site is served at (absolute links), today's date (labels expire) and whether the visitor is logged
in (the questions' report buttons). The rest is the visitor's own: the CSRF token, the heart, the
back-in-stock form, their questions waiting for an answer, the hearts of the "more from" cards,
recently viewed.

So the page's blocks (templates/storefront/_product_page.html) are rendered with slot marks where
the visitor's parts go, and kept as literal pieces and slot names in a bounded least-recently-used
store per app, as the header and footer are (marketplace/site/layout.py); a request fills the
slots from the blocks of templates/storefront/_product_personal.html.

**Never stale:** an entry is tagged with the page cache's shared counters (marketplace/cache),
read where they live (the `cache_generations` table, or Redis with `REDIS_URL`), never from this
process's memory: the catalogue generation (anything structural: publishing or hiding, a photo, a
label, a review, a question, a seller, a rate), the product's page counter `p:<id>` (its stock,
price, variants) and the card counters `c:<id>` of the products it shows. A request reads those
counters in one statement and uses the entry only if every one still holds the value it was
rendered at; the read also serves as the request's stamp (today's rates are kept by it), so a hit
costs that one statement plus the visitor's own reads. The visibility check needs no statement of
its own: a product or shop leaving the catalogue moves the catalogue generation. Entries are
stored only when no counter moved past the stamp read before the render (the page cache's rule),
and kept `CACHE_TTL_SECONDS` at most (a label passing its date, a rate taking effect). Without
write tracking (tests that leave the page cache off) nothing is kept: every request renders.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from flask import current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from marketplace import slots
from marketplace.accounts.access import user_seller_ids
from marketplace.cache import CATALOGUE, PRODUCTS, Stamp, page_shows_products
from marketplace.cache.store import GENERATION_MEMO, STORE_ERRORS, card_counter, product_counter
from marketplace.cache.with_login import counters_read_with_login, read_counters_with_login
from marketplace.favourites.current import page_alert, recent_ids, request_user
from marketplace.favourites.presenters import back_in_stock_form
from marketplace.lru import BoundedLRU, per_app
from marketplace.markets.context import current_market
from marketplace.markets.presenters import price_money
from marketplace.questions import current as waiting_questions
from marketplace.questions import presenters as question_presenters
from marketplace.questions import services as questions
from marketplace.request_locals import csrf_token, this_request
from marketplace.reviews import presenters as review_presenters
from marketplace.storefront import contact_share, grids, presenters, related, seo, variant_presenters
from marketplace.storefront.presenters import CardView
from marketplace.timezones import market_today

#: Product pages kept per app process (≈ 8 KB each: the page's HTML without header and footer;
#: the "more from" cards' bodies are those storefront.presenters keeps anyway).
PAGES_KEPT = 256
#: Where an app keeps them (`app.extensions`).
PRODUCT_PAGES = "product_pages"
#: Slots of the "more from" rows' cards (each visitor's hearts), and the frame's cards they show.
_GRIDS = {"maker_cards": "more_from_maker", "village_cards": "more_from_village"}
#: request.environ key: the counters read when the request began (find_frame).
_COUNTERS = "marketplace.product_page.counters"
#: Recently viewed cards kept per kept page (favourites.current keeps at most a dozen ids).
RECENT_CARDS_PER_PAGE = 4
#: request.environ key: (product id, the visitor's waiting questions) read while rendering the page.
_WAITING = "marketplace.product_page.waiting"
#: The blocks of _product_page.html that product.html prints.
BLOCKS = ("title", "og", "head", "content", "scripts")


def _grid_slot(name: str) -> grids.GridSlot:
    return grids.GridSlot(slots.mark(name))


@dataclass(frozen=True)
class ProductFrame:
    """A product page rendered for one key, with what a request needs to fill it."""

    product_id: int
    slug: str
    seller_id: int
    #: Block name → even positions literal HTML, odd positions slot names.
    blocks: dict[str, tuple[str, ...]]
    in_stock: bool
    #: In stock, none of it offered yet (variants missing a value): no "tell me when it is back".
    awaiting_seller: bool
    share_image: seo.ShareImage
    more_from_maker: list[CardView]
    more_from_village: list[CardView]
    shop: str
    #: (counter, value) the entry was rendered at, the catalogue generation first.
    tag: tuple[tuple[str, int], ...]
    made: float


class ProductPages(BoundedLRU[ProductFrame]):
    """Rendered product pages keyed by everything they show, least recently used dropped first."""

    def __init__(self, kept: int = PAGES_KEPT):
        super().__init__(kept)
        #: Product id → the counters its pages are tagged with (read before the key is known).
        self.counters: BoundedLRU[tuple[str, ...]] = BoundedLRU(kept)
        #: Recently viewed cards: (product id, language, market) → (catalogue generation, card
        #: counter, CardView), valid while both hold (read with the page's counters).
        self.cards: BoundedLRU[tuple] = BoundedLRU(kept * RECENT_CARDS_PER_PAGE)


def product_pages() -> ProductPages:
    """This app's product pages (per app: its settings build the links)."""
    return per_app(PRODUCT_PAGES, ProductPages)


def _cache():
    cache = current_app.extensions.get("page_cache")
    return cache if cache is not None and cache.track_writes else None


def _key(product_id: int, lang: str) -> tuple:
    market = current_market()
    req = this_request()
    return (
        product_id,
        lang,
        market.currency,
        market.country,
        market.is_domestic,
        req.host_url,
        req.script_root,
        request_user() is not None,
        market_today(),
    )


def _read_counters(cache, pages: ProductPages, product_id: int) -> dict[str, int] | None:
    """The current values of what this product's pages are tagged with, and of the visitor's
    recently viewed cards (one read, also the request's stamp); None when the store is down or
    nothing is known about the product yet."""
    names = pages.counters.get(product_id)
    if names is None:
        return None
    wanted = [CATALOGUE, PRODUCTS, *names, *_recent_counters(product_id)]
    # A logged-in visitor's were read with their account (`_counters_to_read_with_login`).
    current = counters_read_with_login(wanted)
    if current is None:
        try:
            current = cache.backend.generations(wanted)
        except STORE_ERRORS as error:
            cache._unavailable(error)
            return None
    environ = this_request().environ
    environ.setdefault(GENERATION_MEMO, Stamp(current[CATALOGUE], current[PRODUCTS]))
    environ[_COUNTERS] = current
    return current


def _recent_counters(product_id: int) -> list[str]:
    return [card_counter(pid) for pid in recent_ids() if pid != product_id]


def _counters_to_read_with_login() -> list[str]:
    """What `_read_counters` will read on this product page, named from the URL and cookies alone
    (none when no page of the product is kept yet)."""
    product_id = (this_request().view_args or {}).get("product_id")
    names = product_pages().counters.get(product_id) if product_id is not None else None
    return [] if names is None else [*names, *_recent_counters(product_id)]


read_counters_with_login("storefront.product", _counters_to_read_with_login)


def find_frame(product_id: int, lang: str) -> ProductFrame | None:
    """The kept page of this product for this request, if nothing it shows changed since."""
    cache = _cache()
    if cache is None:
        return None
    pages = product_pages()
    current = _read_counters(cache, pages, product_id)
    if current is None:
        return None
    frame = pages.get(_key(product_id, lang))
    if frame is None or time.monotonic() - frame.made > cache.ttl:
        return None
    if any(current.get(name) != value for name, value in frame.tag):
        return None
    return frame


def render_frame(session: Session, product, lang: str) -> ProductFrame:
    """Render `product`'s page parts for this request's key, and keep them when nothing they show
    changed while they were rendered."""
    cache = _cache()
    stamp = cache.stamp() if cache is not None else None  # before anything is read
    detail = presenters.product_detail(product, lang, market_today())
    reviews = review_presenters.product_page_reviews(session, product, title=detail.title)
    share = seo.product_share(
        product,
        title=detail.title,
        paragraphs=detail.description,
        photo=product.images[0] if product.images else None,
        price=price_money(product.price_minor),  # JSON-LD/OpenGraph in the buyer's currency
        rating=reviews.json_ld_rating,
        reviews=reviews.json_ld_reviews,
        variant_prices={v.id: price_money(v.effective_price_minor) for v in product.variants}
        if product.options
        else None,
    )
    more = related.more_from(session, product)
    logged_in = bool(current_user.is_authenticated)
    if logged_in:
        # The visitor's own waiting questions come with the answered ones (one statement, not two).
        answered, waiting = questions.list_product_questions(session, product.id, asker_id=current_user.id)
        request.environ[_WAITING] = (product.id, waiting)
    else:
        answered = questions.list_public_questions(session, product.id)
    context = {
        "product": detail,
        "reviews": reviews.view,
        "current_lang": lang,
        "picker": variant_presenters.variant_picker(product, lang),
        "share": share,
        "share_image": share.image,
        "product_path": url_for("storefront.product", product_id=product.id, slug=product.slug),
        "contact_share": contact_share.contact_share(product, detail.title),
        # The shared part of the questions section: the visitor's own part is the "questions" slot.
        "questions": question_presenters.product_questions(
            product_id=product.id,
            shop=product.seller.name,
            answered=answered,
            waiting=[],
            logged_in=logged_in,
            own_shop=False,
            back=request.path,
            lang=lang,
        ),
        # The "more from" rows: shared headings and links, each visitor's hearts on the cards.
        "more_from_maker": _grid_slot("maker_cards") if more.maker else [],
        "more_from_village": _grid_slot("village_cards") if more.village else [],
        "csrf_token": lambda: slots.mark("csrf"),
        "slot": slots.mark,
    }
    current_app.update_template_context(context)
    template = current_app.jinja_env.get_template("storefront/_product_page.html")
    blocks = {}
    for name in BLOCKS:
        html = "".join(template.blocks[name](template.new_context(context)))
        blocks[name] = slots.split(html)
    shown = [p.id for p in (*more.maker, *more.village)]
    names = (product_counter(product.id), card_counter(product.id), *(card_counter(i) for i in shown))
    frame = ProductFrame(
        product_id=product.id,
        slug=product.slug,
        seller_id=product.seller_id,
        blocks=blocks,
        in_stock=detail.in_stock,
        awaiting_seller=detail.awaiting_seller,
        share_image=share.image,
        more_from_maker=presenters.product_cards(more.maker, lang, eager=0),
        more_from_village=presenters.product_cards(more.village, lang, eager=0),
        shop=product.seller.name,
        tag=(),
        made=time.monotonic(),
    )
    if stamp is not None:
        _keep(cache, frame, stamp, names, lang)
    return frame


def _keep(cache, frame: ProductFrame, stamp: Stamp, names: tuple[str, ...], lang: str) -> None:
    """Keep `frame` tagged with the counters' values now, unless one moved past the stamp: it
    changed while the page rendered, which may have read the rows from before that change."""
    recent = [card_counter(pid) for pid in recent_ids() if pid != frame.product_id]
    try:
        current = cache.backend.generations([*names, *recent])
    except STORE_ERRORS as error:
        cache._unavailable(error)
        return
    # The recently viewed cards are read after this: they may be kept by these values too.
    request.environ[_COUNTERS] = {**current, CATALOGUE: stamp.catalogue}
    if any(current[name] > stamp.products for name in names):
        return
    tag = ((CATALOGUE, stamp.catalogue), *((name, current[name]) for name in names))
    pages = product_pages()
    pages.counters.put(frame.product_id, names)
    pages.put(_key(frame.product_id, lang), replace(frame, tag=tag))


def note_shown(frame: ProductFrame) -> None:
    """Tell the page cache (anonymous visitors, when it is on) what this page is invalidated by."""
    page_shows_products([frame.product_id], whole=True)
    page_shows_products([c.id for c in (*frame.more_from_maker, *frame.more_from_village)])


# ---------------------------------------------------------------- the visitor's own parts


def page_parts(session: Session, frame: ProductFrame, lang: str) -> dict[str, Markup]:
    """The page's blocks with this visitor's parts filled in."""
    personal = _personal_context(session, frame, lang)
    template = current_app.jinja_env.get_template("storefront/_product_personal.html")
    # One context for every block (each new one copies the globals: ≈ 30 µs); a block's own `set`s
    # stay in the block, so they do not see each other's.
    context = template.new_context(personal)
    filled: dict[str, str] = {}

    def value(name: str) -> str:
        if name not in filled:
            if name == "csrf":
                filled[name] = str(escape(csrf_token()))
            elif name in _GRIDS:
                cards = getattr(frame, _GRIDS[name])
                filled[name] = grids.card_items(cards, csrf_token(), url_for("favourites.toggle"))
            else:
                filled[name] = "".join(template.blocks[name](context))
        return filled[name]

    return {block: slots.fill(pieces, value) for block, pieces in frame.blocks.items()}


def _personal_context(session: Session, frame: ProductFrame, lang: str) -> dict:
    user = request_user()
    product_id = frame.product_id
    own_shop = False
    waiting = []
    # The alert it waits on, for its "Stop": read only for an account that waits on some product,
    # or a guest whose signed cookie names one for this product.
    alert = (
        page_alert(session, product_id=product_id, user=user)
        if not frame.in_stock and not frame.awaiting_seller
        else None
    )
    if user is not None:
        own_shop = frame.seller_id in user_seller_ids(session, user)
        read = this_request().environ.get(_WAITING)
        if read is not None and read[0] == product_id:
            waiting = read[1]
        elif waiting_questions.may_have_waiting():
            waiting = questions.list_waiting_for_asker(session, product_id, user.id)
    return {
        "product_id": product_id,
        "back_in_stock": None
        if frame.in_stock or frame.awaiting_seller
        else back_in_stock_form(product_id, user=user, alert=alert),
        "questions": question_presenters.product_questions(
            product_id=product_id,
            shop=frame.shop,
            answered=[],
            waiting=waiting,
            logged_in=user is not None,
            own_shop=own_shop,
            back=this_request().path,
            lang=lang,
        ),
        "recently_viewed": _recently_viewed(session, product_id, lang),
    }


def _recently_viewed(session: Session, product_id: int, lang: str) -> list[CardView]:
    """The visitor's recently viewed cards: those kept with the counters this request read still
    at their values need no statement; the others are read in one (and kept)."""
    wanted = [pid for pid in recent_ids() if pid != product_id]
    if not wanted:
        return []
    current = this_request().environ.get(_COUNTERS) or {}
    catalogue = current.get(CATALOGUE)
    cards = product_pages().cards
    market = presenters.cards_market_key()
    found: dict[int, CardView] = {}
    for pid in wanted:
        kept = cards.get((pid, lang, market))
        if kept is not None and kept[:2] == (catalogue, current.get(card_counter(pid))):
            found[pid] = kept[2]
    missing = [pid for pid in wanted if pid not in found]
    if missing:
        for card in presenters.product_cards(related.recently_viewed(session, missing), lang, eager=0):
            found[card.id] = card
            counter = current.get(card_counter(card.id))
            if catalogue is not None and counter is not None:
                # Read before the cards (the request's first read): a change since moves them.
                cards.put((card.id, lang, market), (catalogue, counter, card))
    return [found[pid] for pid in wanted if pid in found]
