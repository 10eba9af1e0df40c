"""The product page's variant picker: one choice per variant with its price, stock and photo.

Everything is computed here from the product's eager-loaded options, variants and images (no
query): the template lists the choices as radio buttons (sold-out ones shown, disabled; those
missing a value for an option left out), and static/js/variant-picker.js makes the page's price,
stock and photo follow the choice.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from marketplace.catalogue.models import Product
from marketplace.catalogue.variants import is_offered, option_names, variant_values_text
from marketplace.markets.presenters import price
from marketplace.storefront.presenters import DETAIL_SIZES, image_view


@dataclass(frozen=True)
class VariantChoice:
    id: int
    name: str
    price: str
    availability: str
    in_stock: bool
    checked: bool
    image_src: str = ""
    image_srcset: str = ""
    #: A sold-out variant's "tell me when it is back" page.
    notify_url: str = ""


@dataclass(frozen=True)
class VariantPicker:
    legend: str
    choices: list[VariantChoice]


def variant_picker(product: Product, lang: str) -> VariantPicker | None:
    """The picker, or None for a product without options (its one variant needs no choice)."""
    options = product.options
    if not options:
        return None
    images = {image.id: image for image in product.images}
    title = product.title_en if lang == "en" and product.title_en else product.title_id
    # A variant missing a value for an option (named after it existed) is not offered at all:
    # nobody could tell which size it is (catalogue.variants.missing_options).
    offered = [v for v in product.variants if is_offered(options, v)]
    first_in_stock = next((v.id for v in offered if v.stock > 0), None)
    choices = []
    for variant in offered:
        image = images.get(variant.image_id) if variant.image_id else None
        view = (
            image_view(
                image, alt_fallback=title, sizes=DETAIL_SIZES, lazy=False, lang=lang, display_width=1200
            )
            if image is not None
            else None
        )
        in_stock = variant.stock > 0
        choices.append(
            VariantChoice(
                id=variant.id,
                name=variant_values_text(options, variant),
                price=price(variant.effective_price_minor, lang),
                availability=ngettext("In stock: %(num)d left", "In stock: %(num)d left", variant.stock)
                if in_stock
                else _("Sold out"),
                in_stock=in_stock,
                checked=variant.id == first_in_stock,
                image_src=view.src if view else "",
                image_srcset=view.srcset if view else "",
                notify_url=""
                if in_stock
                else url_for("favourites.back_in_stock", product_id=product.id, variant=variant.id),
            )
        )
    return VariantPicker(legend=" / ".join(option_names(options, lang)), choices=choices)
