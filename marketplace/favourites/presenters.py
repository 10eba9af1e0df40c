"""What the favourites templates print: the heart of a product, the favourites list, the
back-in-stock form. Every decision (saved or not, which label, on sale or not) is taken here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from marketplace import slots
from marketplace.accounts.redirects import safe_next_url
from marketplace.catalogue.models import Product, ProductStatus
from marketplace.catalogue.variants import offered_stock
from marketplace.favourites.alerts import alert_title
from marketplace.favourites.current import request_favourite_ids
from marketplace.html_refs import latin1_text
from marketplace.i18n import localized
from marketplace.markets.presenters import price
from marketplace.media import picture_attrs
from marketplace.request_locals import csrf_token, this_request
from marketplace.seller.models import SellerStatus

#: request.environ key: this page's path, the hearts' way back (computed once per page).
_BACK = "marketplace.favourites.back"
#: request.environ key: the card hearts' labels in the request's language (see card_heart_texts).
_HEART_TEXTS = "marketplace.favourites.heart_texts"


@dataclass(frozen=True)
class HeartView:
    product_id: int
    saved: bool
    #: What the form asks for: "add" or "remove".
    action: str
    #: The button's visible text and its alternative after a toggle (the script swaps them).
    label: str
    other_label: str
    #: Where the form returns without JavaScript: this page.
    next_url: str


def back_url() -> str:
    if not has_request_context():
        return "/"
    req = this_request()
    environ = req.environ
    if _BACK not in environ:
        back = "/" + quote(req.path.lstrip("/"), safe="/-_.~:@!$&'()*+,;=")
        if req.query_string:
            back += "?" + req.query_string.decode("latin-1")[:500]
        environ[_BACK] = safe_next_url(back) or "/"
    return environ[_BACK]


def card_heart_texts() -> tuple[str, str]:
    """The card hearts' two labels in this request's language, translated once per request (a
    listing has 24 hearts; Flask-Babel finds the catalogue again for every string, ≈ 25 µs)."""
    if not has_request_context():
        return _("Save “%(title)s” to favourites"), _("Remove “%(title)s” from favourites")
    environ = this_request().environ
    if _HEART_TEXTS not in environ:
        environ[_HEART_TEXTS] = (
            _("Save “%(title)s” to favourites"),
            _("Remove “%(title)s” from favourites"),
        )
    return environ[_HEART_TEXTS]


def card_heart_html() -> tuple[str, str]:
    """`card_heart_texts` as HTML (escaped, in Latin-1: `html_refs`) with the title's place left:
    `escape(text % title)` is `escape(text) % escape(title)`, and the text is prepared once."""
    return tuple(str(latin1_text(text)) for text in card_heart_texts())


def heart(product_id: int, title: str = "") -> HeartView:
    """The heart of one product for this visitor (their saved ids are read once per request).

    With `title` (a card among many) the button's name says which product it saves.
    """
    saved = product_id in request_favourite_ids()
    if title:
        save_text, unsave_text = card_heart_texts()
        save, unsave = save_text % {"title": title}, unsave_text % {"title": title}
    else:
        save, unsave = _("Save to favourites"), _("Remove from favourites")
    return HeartView(
        product_id=product_id,
        saved=saved,
        action="remove" if saved else "add",
        label=unsave if saved else save,
        other_label=save if saved else unsave,
        next_url=back_url(),
    )


def heart_frame(saved: bool, *, compact: bool = True) -> tuple[str, ...]:
    """The compact heart form (macros/favourites.html) rendered once per app for saved and not
    saved, with marks where a card's own values go: a listing's 24 hearts then cost a join each
    instead of a macro call. Not compact: a product page's own heart (`page_heart`)."""
    # Two entries each: saved or not.
    frames = current_app.extensions.setdefault("card_heart_frames" if compact else "page_heart_frames", {})
    frame = frames.get(saved)
    if frame is None:
        mark = "\ue000{}\ue000".format
        view = HeartView(
            product_id=mark("product_id"),  # type: ignore[arg-type] - a slot mark
            saved=saved,
            action="remove" if saved else "add",
            label=mark("label"),
            other_label=mark("other_label"),
            next_url=mark("next_url"),
        )
        macro = current_app.jinja_env.get_template("macros/favourites.html").module.heart
        html = str(macro(view, compact=compact, token=mark("token"), action=mark("action")))
        frame = frames.setdefault(saved, slots.split(html))
    return frame


def page_heart(product_id: int) -> Markup:
    """What `fav.heart(favourite_heart(product_id))` prints (a product page's own heart, filled in
    per visitor), from the frame rendered once per app instead of a macro call."""
    view = heart(product_id)
    values = {
        "product_id": str(escape(product_id)),
        "label": str(latin1_text(view.label)),
        "other_label": str(latin1_text(view.other_label)),
        "next_url": str(escape(view.next_url)),
        "token": str(escape(csrf_token())),
        "action": str(escape(url_for("favourites.toggle"))),
    }
    return slots.fill(heart_frame(view.saved, compact=False), values.__getitem__)


def card_hearts(token: str, action: str) -> Callable[[int, str], str]:
    """The hearts of a grid of cards for this visitor: a function of a card's id and title giving
    what `fav.heart(favourite_heart(id, title), compact=true, token=token, action=action)` prints.

    What every heart of the grid shares (the CSRF token, the form's action, this page's address, the
    two labels, the visitor's saved ids) is escaped or looked up once; a card then costs its two
    labels and a join of the frame's pieces.
    """
    saved_ids = request_favourite_ids()
    save_html, unsave_html = card_heart_html()
    shared = {
        "token": str(escape(token)),
        "action": str(escape(action)),
        "next_url": str(escape(back_url())),
    }
    frames = {saved: heart_frame(saved) for saved in (False, True)}

    def fill(product_id: int, title: str) -> str:
        saved = product_id in saved_ids
        named = {"title": str(escape(title))}
        save, unsave = save_html % named, unsave_html % named
        values = {
            **shared,
            "product_id": str(escape(product_id)),
            "label": unsave if saved else save,
            "other_label": save if saved else unsave,
        }
        parts = list(frames[saved])
        for index in range(1, len(parts), 2):
            parts[index] = values[parts[index]]
        return "".join(parts)

    return fill


def card_heart(product_id: int, title: str, token: str, action: str) -> Markup:
    """A card's heart for this visitor: what `fav.heart(favourite_heart(id, title), compact=true,
    token=token, action=action)` prints, from the rendered frame."""
    return Markup(card_hearts(token, action)(product_id, title))  # noqa: S704 - the macro's output with escaped values


def favourite_rows(products: list[Product], lang: str) -> list[dict]:
    """One row per saved product: current price in the buyer's currency, stock, on sale or not."""
    rows = []
    for product in products:
        on_sale = product.status == ProductStatus.ACTIVE and product.seller.status == SellerStatus.APPROVED
        image = product.images[0] if product.images else None
        attrs = picture_attrs(image, wanted_width=320) if image is not None else None
        # As the product page counts: not the units of a size left without a value.
        units = offered_stock(product) if on_sale else 0
        if not on_sale:
            availability = _("No longer on sale")
        elif units > 0:
            availability = _("In stock: %(n)d", n=units)
        else:
            availability = _("Out of stock")
        rows.append(
            {
                "product_id": product.id,
                "title": localized(product, "title", lang),
                "url": url_for("storefront.product", product_id=product.id, slug=product.slug)
                if on_sale
                else "",
                "price": price(product.price_minor, lang) if on_sale else "",
                "in_stock": units > 0,
                "availability": availability,
                "seller_name": product.seller.name,
                "village_name": product.seller.village.name if product.seller.village else "",
                "image": attrs,
            }
        )
    return rows


def alert_rows(waiting: list, lang: str) -> list[dict]:
    """One row per back-in-stock alert still waiting: what it waits for, and its "Stop" form."""
    rows = []
    for alert in waiting:
        product = alert.product
        title = alert_title(product, alert.variant, lang)
        rows.append(
            {
                "title": title,
                "url": url_for("storefront.product", product_id=product.id, slug=product.slug),
                "stop_action": url_for("favourites.stop_alert", alert_id=alert.id),
                "stop_label": _("Stop the alert for “%(title)s”", title=title),
            }
        )
    return rows


def back_in_stock_form(
    product_id: int,
    *,
    user,
    variant_id: int | None = None,
    alert: tuple[int, str] | None = None,
) -> dict:
    """The sold-out product's (or variant's) "tell me when it is back" form: an address field only
    for guests. `alert`: (id, address) of the alert the visitor already waits on: the page says so
    (naming the address to a guest, who may have mistyped it), and its "Stop" button stops that
    alert and comes back to this page."""
    alert_id, email = alert if alert is not None else (None, "")
    email = email if user is None else ""
    return {
        "action": url_for("favourites.back_in_stock", product_id=product_id),
        "needs_email": user is None,
        "subscribed": alert_id is not None,
        "waiting_text": (
            _("We will email %(email)s once when it is back in stock.", email=email)
            if email
            else _("We will email you once when it is back in stock.")
        )
        if alert_id is not None
        else "",
        "variant_id": variant_id,
        "stop_action": url_for("favourites.stop_alert", alert_id=alert_id) if alert_id is not None else "",
        "next_url": back_url() if alert_id is not None else "",
    }
