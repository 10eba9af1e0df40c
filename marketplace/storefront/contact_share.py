"""The product page's contact and share links.

"Ask the maker on WhatsApp" opens `https://wa.me/<digits>?text=…` with a message naming the product
and its link, in the reader's language, when the shop opted in (seller.whatsapp). Share links are
plain links to each network's share page: no third-party script runs on our pages. The questions
section is built by storefront.product_page (shared part) and its per-visitor slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from flask_babel import gettext as _

from marketplace.catalogue.models import Product
from marketplace.contact import mobile_display
from marketplace.seller.whatsapp import public_whatsapp
from marketplace.storefront.seo import page_links_for_product


@dataclass(frozen=True)
class ShareLink:
    key: str
    label: str
    url: str


@dataclass(frozen=True)
class ContactShare:
    #: wa.me link to the maker with the prefilled message; "" when the shop has not opted in.
    whatsapp_url: str
    whatsapp_number: str
    #: The page's canonical address in the reader's language, and the title to share it with.
    page_url: str
    title: str
    links: list[ShareLink]


def whatsapp_chat_url(e164: str, message: str) -> str:
    """`https://wa.me/6281234567890?text=…`: wa.me wants the number's digits only, no "+"."""
    return f"https://wa.me/{e164.lstrip('+')}?text={quote(message, safe='')}"


def share_links(page_url: str, title: str) -> list[ShareLink]:
    """WhatsApp, Facebook and X share pages for `page_url`, as plain links."""
    text = f"{title} {page_url}"
    return [
        ShareLink("whatsapp", "WhatsApp", f"https://wa.me/?text={quote(text, safe='')}"),
        ShareLink(
            "facebook", "Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": page_url})
        ),
        ShareLink("x", "X", "https://x.com/intent/post?" + urlencode({"text": title, "url": page_url})),
    ]


def contact_share(product: Product, title: str) -> ContactShare:
    page_url = page_links_for_product(product)
    shop = product.seller
    number = public_whatsapp(shop)
    message = _(
        "Hello %(shop)s, I have a question about “%(product)s”: %(url)s",
        shop=shop.name,
        product=title,
        url=page_url,
    )
    return ContactShare(
        whatsapp_url=whatsapp_chat_url(number, message) if number else "",
        whatsapp_number=mobile_display(number) if number else "",
        page_url=page_url,
        title=title,
        links=share_links(page_url, title),
    )
