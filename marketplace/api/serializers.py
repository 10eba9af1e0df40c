"""JSON shapes of the public API: products, villages, clusters, pages — and the one query they add.

Every function here builds plain dicts from objects the catalogue services already loaded; the only
SQL is `visible_labels_by_product`, which loads the labels of a whole page of products in one
statement (the listing services load cards without labels). Needs a request context (absolute URLs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from urllib.parse import urljoin

import sqlalchemy as sa
from flask import current_app, request, url_for
from sqlalchemy.orm import Session, joinedload

from marketplace.catalogue.models import Cluster, Product, ProductImage, Region
from marketplace.catalogue.variants import is_offered, option_names, variant_label
from marketplace.i18n import localized
from marketplace.labels.models import LabelType, ProductLabel
from marketplace.labels.visibility import one_label_per_type, visible_label_filter
from marketplace.markets.presenters import api_converted_price
from marketplace.media.images import rendition_key, rendition_widths
from marketplace.media.storage import MediaStorage, get_storage
from marketplace.money import Money
from marketplace.seller.models import Seller
from marketplace.storefront.listings import ClusterSummary, VillageSummary
from marketplace.storefront.search import ProductPage


def visible_labels_by_product(
    session: Session, product_ids: Sequence[int], today: date
) -> dict[int, list[ProductLabel]]:
    """Verified, unexpired labels of these products (types loaded), by product id, in one query.

    Ordered as the product page shows them (label type position, then code).
    """
    if not product_ids:
        return {}
    stmt = (
        sa.select(ProductLabel)
        .join(LabelType, LabelType.id == ProductLabel.label_type_id)
        .where(ProductLabel.product_id.in_(list(product_ids)), visible_label_filter(today))
        .order_by(ProductLabel.product_id, LabelType.position, LabelType.code, ProductLabel.id)
        .options(joinedload(ProductLabel.label_type))
    )
    labels: dict[int, list[ProductLabel]] = {product_id: [] for product_id in product_ids}
    for label in session.scalars(stmt):
        labels[label.product_id].append(label)
    return {product_id: one_label_per_type(found) for product_id, found in labels.items()}


def iso_datetime(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, e.g. `2026-11-28T02:00:00Z`."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def absolute(url: str) -> str:
    """An absolute URL for a path the app or the media storage produced (absolute URLs pass)."""
    if url.startswith("/") and not url.startswith("//"):
        # The common case, a path from the site's root: urljoin's parsing cost 60 µs a photo.
        return request.host_url[:-1] + url
    return urljoin(request.host_url, url)


class Serializer:
    """Turns catalogue objects into the API's JSON objects for one request and language."""

    def __init__(self, lang: str, storage: MediaStorage | None = None):
        self.lang = lang
        self.storage = storage or get_storage(current_app)

    # -------------------------------------------------------------- references
    def village_ref(self, village: Region) -> dict:
        return {
            "slug": village.slug,
            "name": village.name,
            "url": url_for("storefront.village", slug=village.slug, _external=True),
        }

    def cluster_ref(self, cluster: Cluster) -> dict:
        return {
            "slug": cluster.slug,
            "name": localized(cluster, "name", self.lang),
            "url": url_for("storefront.cluster", slug=cluster.slug, _external=True),
        }

    def seller_ref(self, seller: Seller) -> dict:
        return {
            "slug": seller.slug,
            "name": seller.name,
            "url": url_for("storefront.seller", slug=seller.slug, _external=True),
        }

    # -------------------------------------------------------------- parts
    def image(self, image: ProductImage, fallback_alt: str) -> dict:
        renditions = [
            {
                "url": absolute(self.storage.url(rendition_key(image.storage_key, width))),
                "width": width,
                "height": max(1, round(image.height * width / image.width)),
            }
            for width in rendition_widths(image.width)
        ]
        largest = renditions[-1]
        return {
            "url": largest["url"],
            "width": largest["width"],
            "height": largest["height"],
            "alt": localized(image, "alt", self.lang) or fallback_alt,
            "renditions": renditions,
        }

    def label(self, label: ProductLabel) -> dict:
        return {
            "code": label.label_type.code,
            "name": localized(label.label_type, "name", self.lang),
            "issuer": label.issuer or label.label_type.issuer or None,
            "certificate_number": label.certificate_number or None,
            "valid_until": label.valid_until.isoformat() if label.valid_until else None,
        }

    # -------------------------------------------------------------- objects
    def product(self, product: Product, labels: Sequence[ProductLabel]) -> dict:
        """The product object; `labels` must already be the visible ones (see services)."""
        title = localized(product, "title", self.lang)
        seller = product.seller
        dimensions = (product.length_mm, product.width_mm, product.height_mm)
        return {
            "id": product.id,
            "slug": product.slug,
            "url": url_for("storefront.product", product_id=product.id, slug=product.slug, _external=True),
            "api_url": url_for("api.product", product_id=product.id, _external=True),
            "title": title,
            "title_id": product.title_id,
            "title_en": product.title_en or None,
            "description": localized(product, "description", self.lang),
            "description_id": product.description_id,
            "description_en": product.description_en or None,
            "price": product.price_minor,
            "currency": product.currency,
            "price_display": Money(product.price_minor, product.currency).format(self.lang),
            **api_converted_price(product.price_minor, self.lang),  # only with ?currency= (markets)
            "stock": product.stock,
            # What the product page says: stock only in variants missing an option's value is not.
            "in_stock": bool(product.has_offered_stock),
            "processing_days": product.processing_days,
            "exportable": product.exportable,
            "hs_code": product.hs_code or None,
            "origin_country": product.origin_country,
            "weight_grams": product.weight_grams,
            "dimensions_mm": (
                {"length": dimensions[0], "width": dimensions[1], "height": dimensions[2]}
                if all(dimensions)
                else None
            ),
            "village": self.village_ref(seller.village),
            "cluster": self.cluster_ref(product.cluster),
            "seller": self.seller_ref(seller),
            "labels": [self.label(label) for label in labels],
            "images": [self.image(image, title) for image in product.images],
            "published_at": iso_datetime(product.published_at),
            **self.options_and_variants(product, title),
        }

    def options_and_variants(self, product: Product, title: str) -> dict:
        """`options` (none for a plain product) and `variants` (at least one), each variant with its
        own price (also in `?currency=`), stock, weight, SKU and photo."""
        options = product.options
        names = option_names(options, self.lang)
        images = {image.id: image for image in product.images}
        variants = []
        for variant in product.variants:
            price = variant.effective_price_minor
            image = images.get(variant.image_id) if variant.image_id else None
            variants.append(
                {
                    "id": variant.id,
                    "values": [variant.values[option.position - 1] for option in options],
                    "label": variant_label(options, variant, self.lang) or None,
                    "sku": variant.sku or None,
                    "price": price,
                    "currency": product.currency,
                    "price_display": Money(price, product.currency).format(self.lang),
                    **api_converted_price(price, self.lang),
                    "stock": variant.stock,
                    "in_stock": variant.stock > 0 and is_offered(options, variant),
                    "weight_grams": variant.effective_weight_grams,
                    "image_url": self.image(image, title)["url"] if image is not None else None,
                }
            )
        return {
            "options": [
                {"name": name, "name_id": option.name_id, "name_en": option.name_en or None}
                for option, name in zip(options, names, strict=True)
            ],
            "variants": variants,
        }

    def product_page(self, result: ProductPage, items: list[dict], page_url: Callable[[int], str]) -> dict:
        """The list's page: `items` are the page's product objects (`product`), `result` its
        place in the list."""
        return {
            "items": items,
            "page": result.page,
            "per_page": result.per_page,
            "total": result.total,
            "total_capped": result.total_capped,
            "pages": result.pages,
            "next": page_url(result.page + 1) if result.has_next else None,
            "prev": page_url(result.page - 1) if result.has_prev else None,
        }

    def village(self, summary: VillageSummary) -> dict:
        village = summary.village
        return {
            **self.village_ref(village),
            "story": localized(village, "story", self.lang),
            "product_count": summary.product_count,
            "products_url": url_for("api.products", village=village.slug, _external=True),
        }

    def cluster(self, summary: ClusterSummary) -> dict:
        cluster = summary.cluster
        return {
            **self.cluster_ref(cluster),
            "name_id": cluster.name_id,
            "name_en": cluster.name_en or None,
            "description": localized(cluster, "description", self.lang),
            "product_count": summary.product_count,
            "products_url": url_for("api.products", cluster=cluster.slug, _external=True),
        }
