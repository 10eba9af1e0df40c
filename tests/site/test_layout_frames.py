"""The header and footer are rendered once per language, market, login and cart count, and every
request still gets its own CSRF token, language links, search words and way back."""

from __future__ import annotations

from markupsafe import escape

from marketplace.cart.models import Cart, CartLine
from marketplace.site.layout import LayoutFrames, layout_frames
from tests.factories import make_product, make_user
from tests.login import logged_in_as
from tests.markets.conftest import make_rate
from tests.orders.helpers import hidden_field


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _frames(app) -> LayoutFrames:
    with app.app_context():
        return layout_frames()


def test_frames_are_rendered_once_and_filled_per_request(app, client, world):
    frames = _frames(app)
    _page(client, "/search?q=batik&lang=en")  # the header and footer of this key, rendered once
    before = frames.stored
    page = _page(client, "/search?q=%22%3Cb%3Ekopi&lang=en")
    assert frames.stored == before  # another page of the same key: nothing rendered anew
    # The search box holds this request's words, escaped; the language links and the chooser's way
    # back name this page.
    assert f'name="q" value="{escape(chr(34) + "<b>kopi")}"' in page
    assert 'href="/search?q=%22%3Cb%3Ekopi&amp;lang=id" hreflang="id"' in page
    assert 'name="next" value="/search?q=%22%3Cb%3Ekopi&amp;lang=en"' in page
    assert "\ue000" not in page  # no slot mark left
    token = hidden_field(page, "csrf_token")
    assert page.count(f'name="csrf_token" value="{token}"') >= 2  # the header's and footer's choosers

    cluster = _page(client, "/clusters/batik?lang=en")
    assert frames.stored == before
    assert 'name="next" value="/clusters/batik?lang=en"' in cluster
    assert 'name="q" value=""' in cluster


def test_each_language_and_market_has_its_own_frame(app, client, session, world):
    make_rate(session, "EUR", "17300")
    session.commit()
    indonesian = _page(client, "/?lang=id")
    english = _page(client, "/?lang=en")
    assert 'placeholder="Cari produk"' in indonesian and 'lang="id" aria-current="true"' in indonesian
    assert 'placeholder="Search products"' in english and 'lang="en" aria-current="true"' in english
    assert "<option selected>IDR</option>" in english
    in_euros = _page(client, "/?lang=en&currency=EUR&country=NL")
    assert "<option selected>EUR</option>" in in_euros and '<option value="NL" selected>' in in_euros

    # A currency gets a rate: the chooser offers it on the next request.
    assert "<option>USD</option>" not in english
    make_rate(session, "USD", "16000")
    session.commit()
    assert "<option>USD</option>" in _page(client, "/?lang=en")


def test_login_and_cart_count_show_on_the_next_request(client, session, world):
    user = make_user(session)
    product = make_product(session, seller=world.seller, cluster=world.cluster)
    session.commit()
    anonymous = _page(client, "/?lang=en")
    assert "Log in" in anonymous and "Log out" not in anonymous

    logged_in_as(client, user, lang="en")
    page = _page(client, "/")
    assert "Log out" in page and "Log in" not in page
    assert 'aria-label="Cart, 0 items"' in page and "cart-count" not in page
    token = hidden_field(page, "csrf_token")
    logout = 'action="/account/logout" class="inline">\n  <input type="hidden" name="csrf_token" value="'
    assert f'{logout}{token}">' in page

    cart = Cart(user_id=user.id)
    session.add(cart)
    session.flush()
    session.add(CartLine(cart_id=cart.id, product_id=product.id, variant_id=None, quantity=2))
    session.commit()
    page = _page(client, "/")
    assert 'aria-label="Cart, 2 items"' in page and '<span class="cart-count">2</span>' in page


def test_a_curators_menu_links_the_console_and_nobody_elses_does(app, session, world):
    buyer, curator = make_user(session), make_user(session, is_curator=True)
    session.commit()
    buyer_page = _page(logged_in_as(app.test_client(), buyer, lang="en"), "/")
    curator_page = _page(logged_in_as(app.test_client(), curator, lang="en"), "/")
    assert 'href="/curator/"' in curator_page and "Curator console" in curator_page
    assert 'href="/curator/"' not in buyer_page  # the frames differ: a buyer never gets the curator's
    assert 'href="/curator/"' not in _page(app.test_client(), "/?lang=en")


def test_the_least_recently_used_frames_go_first():
    frames = LayoutFrames(kept=2)
    frames.put(("a",), ("A",))
    frames.put(("b",), ("B",))
    assert frames.get(("a",)) == ("A",)  # now the most recent
    frames.put(("c",), ("C",))
    assert frames.get(("b",)) is None
    assert frames.get(("a",)) == ("A",) and frames.get(("c",)) == ("C",)
    assert len(frames) == 2 and frames.stored == 3
