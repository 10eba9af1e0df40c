"""WhatsApp contact and share links: the number's format, the opt-in, the wa.me message in the
reader's language, share links without third-party scripts."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from marketplace.contact import mobile_display, mobile_e164
from marketplace.errors import ValidationError
from marketplace.seller.models import Seller
from marketplace.seller.whatsapp import set_whatsapp
from marketplace.storefront.contact_share import share_links, whatsapp_chat_url
from tests.factories import make_product, make_seller, make_user
from tests.login import logged_in_as


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0812 3456 7890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("(0812) 3456.7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("+62 (0)812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("0877 1234 567", "+62877 1234 567".replace(" ", "")),
        ("0895-1234-56789", "+62895123456789"),
        ("021 555 1234", None),  # a Jakarta landline
        ("0333 123456", None),  # a Banyuwangi landline
        ("+31 6 1234 5678", None),  # a mobile abroad
        ("0812 345", None),  # too short
        ("0812 3456 7890 1234", None),  # too long
        ("0842 3456 7890", None),  # no operator's prefix
        ("0812 3456 789O", None),  # a letter O
        ("", None),
    ],
)
def test_indonesian_mobile_numbers_in_e164(typed, stored):
    assert mobile_e164(typed) == stored


def test_numbers_are_shown_grouped():
    assert mobile_display("+6281234567890") == "+62 812-3456-7890"


def test_wa_me_links_encode_the_message_and_share_links_name_the_page():
    url = whatsapp_chat_url("+6281234567890", "Halo Sekar & Kepuh, “Batik” 100%? https://x.test/p?a=1#q")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/6281234567890")
    assert " " not in url and "&" not in parts.query and "#" not in url
    assert parse_qs(parts.query)["text"] == ["Halo Sekar & Kepuh, “Batik” 100%? https://x.test/p?a=1#q"]

    page = "https://pasar.test/products/7-batik?lang=en"
    links = {link.key: urlsplit(link.url) for link in share_links(page, "Batik & Co")}
    assert links["whatsapp"].netloc == "wa.me" and links["whatsapp"].path == "/"
    assert parse_qs(links["whatsapp"].query)["text"] == [f"Batik & Co {page}"]
    assert links["facebook"].netloc == "www.facebook.com"
    assert parse_qs(links["facebook"].query)["u"] == [page]
    assert links["x"].netloc == "x.com"
    assert parse_qs(links["x"].query) == {"text": ["Batik & Co"], "url": [page]}


def test_setting_the_number_is_opt_in_and_checked(session):
    shop = make_seller(session)
    with pytest.raises(ValidationError) as refused:
        set_whatsapp(session, shop, number="021 555 1234", publish=True)
    assert refused.value.field == "number"
    with pytest.raises(ValidationError):
        set_whatsapp(session, shop, number="", publish=True)  # publishing needs a number
    set_whatsapp(session, shop, number="0812 3456 7890", publish=False)
    assert (shop.whatsapp_number, shop.whatsapp_public) == ("+6281234567890", False)
    set_whatsapp(session, shop, number="+62 812 3456 7890", publish=True)
    assert shop.whatsapp_public
    set_whatsapp(session, shop, number="", publish=False)
    assert (shop.whatsapp_number, shop.whatsapp_public) == ("", False)


def _hrefs(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', html)]


def _ask_link(html: str) -> str | None:
    return next((h for h in _hrefs(html) if h.startswith("https://wa.me/62")), None)


def test_the_shop_opts_in_from_its_settings_and_the_product_page_offers_whatsapp(app, session):
    owner = make_user(session, locale="en")
    shop = make_seller(session, user_id=owner.id, name="Sanggar Kepuh")
    other_shop = make_seller(session)
    product = make_product(
        session, seller=shop, title_id="Kain Batik Gajah Oling", title_en="Gajah Oling Batik"
    )
    session.commit()
    page = f"/products/{product.id}-{product.slug}"
    anonymous = app.test_client()
    html = anonymous.get(page).get_data(as_text=True)
    assert _ask_link(html) is None  # not opted in
    # Share links: plain links to the networks' pages, no script of theirs.
    hrefs = _hrefs(html)
    assert any(h.startswith("https://www.facebook.com/sharer/sharer.php?u=") for h in hrefs)
    assert any(h.startswith("https://x.com/intent/post?") for h in hrefs)
    assert any(h.startswith("https://wa.me/?text=") for h in hrefs)
    assert 'id="share-url"' in html
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts and all(src.startswith("/") for src in scripts)

    seller_client = logged_in_as(app.test_client(), owner, lang="en")
    url = f"/seller/shops/{shop.id}/contact"
    assert "WhatsApp contact" in seller_client.get(url).get_data(as_text=True)
    refused = seller_client.post(url, data={"number": "021 555 1234", "publish": "y"})
    assert refused.status_code == 400
    assert "Enter an Indonesian mobile number" in refused.get_data(as_text=True)
    assert seller_client.post(url, data={"number": "0812-3456-7890", "publish": "y"}).status_code == 303
    # Another shop's settings: 404, nothing written.
    assert seller_client.get(f"/seller/shops/{other_shop.id}/contact").status_code == 404
    assert (
        seller_client.post(
            f"/seller/shops/{other_shop.id}/contact", data={"number": "0812 1111 2222", "publish": "y"}
        ).status_code
        == 404
    )
    session.expire_all()
    assert session.get(Seller, shop.id).whatsapp_number == "+6281234567890"
    assert session.get(Seller, other_shop.id).whatsapp_number == ""
    assert "+62 812-3456-7890" in seller_client.get("/seller/").get_data(as_text=True)

    # The product page, in each language: the message names the product and links it.
    for lang, words, title in (
        ("id", "Halo Sanggar Kepuh, saya ingin bertanya tentang", "Kain Batik Gajah Oling"),
        ("en", "Hello Sanggar Kepuh, I have a question about", "Gajah Oling Batik"),
    ):
        visitor = app.test_client()
        visitor.set_cookie("lang", lang)
        html = visitor.get(page).get_data(as_text=True)
        link = _ask_link(html)
        assert link is not None, lang
        parts = urlsplit(link)
        assert parts.path == "/6281234567890"
        text = parse_qs(parts.query)["text"][0]
        assert text.startswith(words) and f"“{title}”" in text
        # The page in the reader's language (the default language's URL has no `lang`).
        default = app.config["BABEL_DEFAULT_LOCALE"]
        expected_url = f"http://localhost{page}" + ("" if lang == default else f"?lang={lang}")
        assert text.endswith(expected_url), text

    # Opting out takes the button away.
    assert seller_client.post(url, data={"number": "0812 3456 7890"}).status_code == 303
    assert _ask_link(anonymous.get(page).get_data(as_text=True)) is None
    assert session.scalar(sa.select(Seller.whatsapp_public).where(Seller.id == shop.id)) is False
