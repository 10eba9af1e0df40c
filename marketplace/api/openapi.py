"""The OpenAPI 3.1 document of /api/v1, built as a dict (schemas are JSON Schema 2020-12).

Limits and enumerations come from the code that enforces them (`params`, catalogue `services`), so
the document cannot drift from the checks; tests validate real responses against these schemas.
"""

from __future__ import annotations

from marketplace.api import params
from marketplace.storefront import search as storefront_search
from marketplace.storefront import search_params

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
TITLE = "Pasar Desa public API"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict, description: str = "", optional: dict | None = None) -> dict:
    """A closed object: every property in `properties` required, those in `optional` not."""
    schema = {
        "type": "object",
        "properties": {**properties, **(optional or {})},
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


URL = {"type": "string", "format": "uri"}
SLUG = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"}
COUNT = {"type": "integer", "minimum": 0}


def schemas() -> dict:
    return {
        "Error": _object(
            {
                "error": _object(
                    {
                        "status": {"type": "integer", "minimum": 400, "maximum": 599},
                        "message": {"type": "string", "minLength": 1},
                    }
                )
            },
            "Every error: the HTTP status again and a human-readable message (in the `lang` asked "
            "for, when translated). The message names the parameter that was refused.",
        ),
        "VillageRef": _object(
            {
                "slug": SLUG,
                "name": {"type": "string"},
                "url": {**URL, "description": "The village's page on the marketplace."},
            },
            "A desa (village). Villages are renamed and split: key on `slug`, never on `name`.",
        ),
        "ClusterRef": _object(
            {
                "slug": SLUG,
                "name": {"type": "string", "description": "In the requested language."},
                "url": {**URL, "description": "The cluster's page on the marketplace."},
            },
            "A product cluster (batik, handicraft, souvenir, agro…).",
        ),
        "SellerRef": _object(
            {
                "slug": SLUG,
                "name": {"type": "string"},
                "url": {**URL, "description": "The seller's page on the marketplace."},
            },
            "An approved seller (an artisan, artisan group or village enterprise).",
        ),
        "Label": _object(
            {
                "code": {"type": "string", "description": "Label type code, usable as the `label` filter."},
                "name": {"type": "string", "description": "In the requested language."},
                "issuer": _nullable({"type": "string"}),
                "certificate_number": _nullable({"type": "string"}),
                "valid_until": _nullable(
                    {"type": "string", "format": "date", "description": "Last valid day (Asia/Jakarta)."}
                ),
            },
            "A quality label verified by a curator and not expired. Others are never listed.",
        ),
        "Rendition": _object(
            {
                "url": URL,
                "width": {"type": "integer", "minimum": 1},
                "height": {"type": "integer", "minimum": 1},
            },
            "One stored WebP size of an image.",
        ),
        "Image": _object(
            {
                "url": {**URL, "description": "The largest rendition."},
                "width": {"type": "integer", "minimum": 1},
                "height": {"type": "integer", "minimum": 1},
                "alt": {"type": "string"},
                "renditions": {"type": "array", "items": _ref("Rendition"), "minItems": 1},
            },
            "A product photo as WebP; `renditions` lists every stored width, smallest first.",
        ),
        "Product": _object(
            {
                "id": {"type": "integer", "minimum": 1},
                "slug": SLUG,
                "url": {**URL, "description": "Canonical product page."},
                "api_url": {**URL, "description": "This object at /api/v1/products/{id}."},
                "title": {
                    "type": "string",
                    "description": "In `lang`; the Indonesian original when the seller wrote no English.",
                },
                "title_id": {"type": "string"},
                "title_en": _nullable({"type": "string"}),
                "description": {"type": "string", "description": "Plain text, in `lang` as `title`."},
                "description_id": {"type": "string"},
                "description_en": _nullable({"type": "string"}),
                "price": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Integer amount in the minor units of `currency` (whole rupiah for "
                    "IDR, whose exponent is 0 here). Never a float.",
                },
                "currency": {
                    "type": "string",
                    "pattern": "^[A-Z]{3}$",
                    "description": "ISO 4217 code of `price`: the seller's currency, today always IDR. "
                    "Ask for `currency` to get `price_converted` as well.",
                },
                "price_display": {
                    "type": "string",
                    "description": "Formatted for `lang`, e.g. `Rp 125.000`.",
                },
                "stock": COUNT,
                "in_stock": {
                    "type": "boolean",
                    "description": "Whether some of it can be ordered now: true when a variant with "
                    "`in_stock` true exists (`stock` may count units of variants that cannot be "
                    "ordered yet).",
                },
                "processing_days": {**COUNT, "description": "Days to make or prepare before shipping."},
                "exportable": {"type": "boolean", "description": "May be shipped abroad."},
                "hs_code": _nullable(
                    {"type": "string", "description": "Harmonized System code for customs."}
                ),
                "origin_country": {"type": "string", "pattern": "^[A-Z]{2}$"},
                "weight_grams": {"type": "integer", "minimum": 1},
                "dimensions_mm": _nullable(
                    _object(
                        {
                            "length": {"type": "integer", "minimum": 1},
                            "width": {"type": "integer", "minimum": 1},
                            "height": {"type": "integer", "minimum": 1},
                        }
                    )
                ),
                "village": _ref("VillageRef"),
                "cluster": _ref("ClusterRef"),
                "seller": _ref("SellerRef"),
                "labels": {"type": "array", "items": _ref("Label")},
                "images": {"type": "array", "items": _ref("Image")},
                "published_at": _nullable(
                    {"type": "string", "format": "date-time", "description": "ISO 8601, UTC (`Z`)."}
                ),
                "options": {
                    "type": "array",
                    "items": _ref("ProductOption"),
                    "maxItems": 3,
                    "description": "The options the seller named (size, colour…); empty for a product "
                    "without options.",
                },
                "variants": {
                    "type": "array",
                    "items": _ref("Variant"),
                    "minItems": 1,
                    "description": "What can be bought, each with its own price and stock (`stock` above "
                    "is their sum, `price` the lowest). A product without options has one.",
                },
            },
            "A public product: active, from an approved seller. `price_converted` only with `currency`.",
            optional={
                "price_converted": _ref("PriceConverted"),
            },
        ),
        "PriceConverted": _object(
            {
                "amount": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "`price` in the minor units of the asked currency (at "
                    "its exponent, e.g. cents for EUR).",
                },
                "currency": {"type": "string", "enum": list(params.SCHEMAS["currency"]["enum"])},
                "display": {"type": "string", "description": "Formatted for `lang`."},
                "rate_idr_per_unit": {
                    "type": "string",
                    "pattern": "^[0-9]+(\\.[0-9]+)?$",
                    "description": "Rupiah per unit of `currency`, a decimal string (`1` for IDR).",
                },
                "rate_date": _nullable(
                    {"type": "string", "format": "date", "description": "Day of the rate used."}
                ),
            },
            "An indication in the buyer's currency; orders are charged at the rate of the day.",
        ),
        "ProductOption": _object(
            {
                "name": {"type": "string", "description": "In `lang` (the Indonesian name when no English)."},
                "name_id": {"type": "string"},
                "name_en": _nullable({"type": "string"}),
            },
            "An option of a product, e.g. Ukuran / Size.",
        ),
        "Variant": _object(
            {
                "id": {"type": "integer", "minimum": 1},
                "values": {
                    "type": "array",
                    "items": {"type": "string"},
                    "maxItems": 3,
                    "description": "One value per option, in the order of `options` (empty without options).",
                },
                "label": _nullable({"type": "string", "description": "E.g. `Size: XL`, in `lang`."}),
                "sku": _nullable({"type": "string"}),
                "price": {"type": "integer", "minimum": 0, "description": "Minor units of `currency`."},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "price_display": {"type": "string"},
                "stock": COUNT,
                "in_stock": {
                    "type": "boolean",
                    "description": "Whether it can be ordered now: in stock, with a value for every option "
                    "(a variant made before its product's last option was named has none until the "
                    "seller fills it in).",
                },
                "weight_grams": {"type": "integer", "minimum": 1},
                "image_url": _nullable({**URL, "description": "The variant's own photo, if it has one."}),
            },
            "One buyable version of the product. `price_converted` only with `currency`.",
            optional={"price_converted": _ref("PriceConverted")},
        ),
        "ProductPage": _object(
            {
                "items": {"type": "array", "items": _ref("Product"), "maxItems": params.MAX_PER_PAGE},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": params.MAX_PER_PAGE},
                "total": {
                    **COUNT,
                    "maximum": storefront_search.COUNT_CAP,
                    "description": f"Matching products, counted up to {storefront_search.COUNT_CAP}.",
                },
                "total_capped": {"type": "boolean", "description": "True when there are more than `total`."},
                "pages": {"type": "integer", "minimum": 1},
                "next": _nullable({**URL, "description": "The next page with the same parameters."}),
                "prev": _nullable({**URL, "description": "The previous page with the same parameters."}),
            },
            "One page of products. Follow `next` until it is null to read every result.",
            optional={
                "q_ignored": {
                    "type": "boolean",
                    "enum": [True],
                    "description": "Present (true) only when `q` has no letters or digits (`q=!@#`): "
                    "it was ignored, so every product matching the other parameters is listed.",
                },
                "notice": {
                    "type": "string",
                    "description": "With `q_ignored`: the same, said in `lang` for a person to read.",
                },
            },
        ),
        "Village": _object(
            {
                "slug": SLUG,
                "name": {"type": "string"},
                "url": URL,
                "story": {"type": "string", "description": "In `lang` (Indonesian when not translated)."},
                "product_count": {**COUNT, "description": "Public products of the village's sellers."},
                "products_url": {**URL, "description": "/api/v1/products filtered to this village."},
            },
            "A desa with its number of public products.",
        ),
        "VillageList": _object(
            {"items": {"type": "array", "items": _ref("Village")}}, "Every desa, by name."
        ),
        "Cluster": _object(
            {
                "slug": SLUG,
                "name": {"type": "string", "description": "In `lang`."},
                "url": URL,
                "name_id": {"type": "string"},
                "name_en": _nullable({"type": "string"}),
                "description": {"type": "string", "description": "In `lang`."},
                "product_count": {**COUNT, "description": "Public products in the cluster."},
                "products_url": {**URL, "description": "/api/v1/products filtered to this cluster."},
            },
            "A product cluster with its number of public products.",
        ),
        "ClusterList": _object(
            {"items": {"type": "array", "items": _ref("Cluster")}}, "Every cluster, in display order."
        ),
        "OpenAPIDocument": {"type": "object", "required": ["openapi", "info", "paths"]},
        "Index": _object(
            {
                "name": {"type": "string"},
                "version": {"type": "string"},
                "documentation": {
                    **URL,
                    "description": "A page for people: what the data is, with examples.",
                },
                "openapi": {**URL, "description": "This document."},
                "endpoints": _object(
                    {
                        "products": URL,
                        "product": {"type": "string", "format": "uri-template"},
                        "villages": URL,
                        "clusters": URL,
                    }
                ),
            },
            "The API's root: where the endpoints and their documents are.",
        ),
    }


def _query(name: str, description: str, **extra) -> dict:
    """A query parameter whose value rule is `params.SCHEMAS[name]`, the one the API enforces."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        # Empty values (`?page=`) count as absent, exactly as the OpenAPI keyword says.
        "allowEmptyValue": name not in params.EMPTY_REFUSED,
        "schema": {**params.SCHEMAS[name], **extra},
        "description": description,
    }


def parameters() -> dict:
    return {
        "lang": _query(
            "lang",
            "Language of `title`, `description`, names and `price_display`. Anything else: 400.",
            default=params.DEFAULT_LANGUAGE,
        ),
        "q": _query(
            "q",
            "Words to search for in both languages (prefix match; only letters and digits count, "
            f"the first {search_params.MAX_QUERY_TOKENS} words). Longer than "
            f"{search_params.MAX_QUERY_LENGTH} characters, or holding a NUL character: 400. Without "
            "any letter or digit (`!@#`) it is ignored, and the answer says so (`q_ignored`, `notice`).",
        ),
        "cluster": _query("cluster", "Cluster slug. Malformed: 400; unknown: 404."),
        "village": _query("village", "Village slug. Malformed: 400; unknown: 404."),
        "seller": _query("seller", "Seller slug. Malformed: 400; unknown: 404."),
        "label": _query(
            "label",
            "Label type code: only products carrying that verified, unexpired label. Malformed: 400; "
            "unknown: 404.",
        ),
        "min_price": _query(
            "min_price", "Lowest price in minor units (whole rupiah), digits only. Otherwise 400."
        ),
        "max_price": _query(
            "max_price",
            "Highest price in minor units, digits only. Otherwise 400. Below `min_price`, the range "
            "is empty and matches nothing.",
        ),
        "in_stock": _query(
            "in_stock",
            "When true, only products that can be ordered now (`in_stock` true). Anything else: 400.",
        ),
        "sort": _query(
            "sort",
            "Order. Default: `relevance` when `q` has words, else `newest` (relevance without words "
            "is newest too); `rating`: best average of buyers' stars first (products without reviews "
            "last); `best_selling`: most units delivered first. Anything else: 400.",
        ),
        "page": _query(
            "page", "Page number. Malformed or out of range: 400; past the last page: 404.", default=1
        ),
        "per_page": _query(
            "per_page",
            f"Products per page, at most {params.MAX_PER_PAGE}. Otherwise 400.",
            default=params.DEFAULT_PER_PAGE,
        ),
        "currency": _query(
            "currency",
            "Add `price_converted`, each price in this currency at the latest exchange rate (`price` "
            "stays in rupiah). Empty or anything else: 400; no exchange rate for it yet: 404.",
        ),
        "product_id": {
            "name": "id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
            "description": "Product id. Not a public product (or not an integer): 404.",
        },
    }


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "headers": {"Access-Control-Allow-Origin": {"$ref": "#/components/headers/AccessControlAllowOrigin"}},
        "content": {"application/json": {"schema": _ref("Error")}},
    }


def responses() -> dict:
    return {
        "BadRequest": _error_response("A query parameter was malformed; the message names it."),
        "NotFound": _error_response(
            "No such public resource (or page), or a filter naming nothing that exists (the message "
            "names it)."
        ),
        "MethodNotAllowed": _error_response("Any method but GET, HEAD or OPTIONS (the API is read-only)."),
    }


def headers() -> dict:
    return {
        "CacheControl": {
            "description": "`public, max-age=60` on successful responses; errors are `no-store`.",
            "schema": {"type": "string"},
        },
        "AccessControlAllowOrigin": {
            "description": "`*`: the API is public and read-only.",
            "schema": {"type": "string", "const": "*"},
        },
    }


def _ok(schema: str, description: str) -> dict:
    return {
        "description": description,
        "headers": {
            "Cache-Control": {"$ref": "#/components/headers/CacheControl"},
            "Access-Control-Allow-Origin": {"$ref": "#/components/headers/AccessControlAllowOrigin"},
        },
        "content": {"application/json": {"schema": _ref(schema)}},
    }


def _param(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def _error(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def paths() -> dict:
    search = ["q", "cluster", "village", "seller", "label", "min_price", "max_price", "in_stock", "sort"]
    return {
        "/": {
            "get": {
                "operationId": "getIndex",
                "summary": "Links to every endpoint and to the documents (also at /api/v1)",
                "responses": {"200": _ok("Index", "The links.")},
            }
        },
        "/products": {
            "get": {
                "operationId": "listProducts",
                "summary": "Search and list public products",
                "description": "The same search and filters as the /search page, paginated. Only "
                "active products of approved sellers appear; labels are verified and unexpired.",
                "parameters": [_param(name) for name in [*search, "page", "per_page", "lang", "currency"]],
                "responses": {
                    "200": _ok("ProductPage", "One page of products."),
                    "400": _error("BadRequest"),
                    "404": _error("NotFound"),
                },
            }
        },
        "/products/{id}": {
            "get": {
                "operationId": "getProduct",
                "summary": "One public product",
                "parameters": [_param("product_id"), _param("lang"), _param("currency")],
                "responses": {
                    "200": _ok("Product", "The product."),
                    "400": _error("BadRequest"),
                    "404": _error("NotFound"),
                },
            }
        },
        "/villages": {
            "get": {
                "operationId": "listVillages",
                "summary": "Every village with its number of public products",
                "parameters": [_param("lang")],
                "responses": {"200": _ok("VillageList", "Every desa."), "400": _error("BadRequest")},
            }
        },
        "/clusters": {
            "get": {
                "operationId": "listClusters",
                "summary": "Every cluster with its number of public products",
                "parameters": [_param("lang")],
                "responses": {"200": _ok("ClusterList", "Every cluster."), "400": _error("BadRequest")},
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "getOpenAPIDocument",
                "summary": "This document",
                "responses": {"200": _ok("OpenAPIDocument", "The OpenAPI 3.1 document.")},
            }
        },
    }


DESCRIPTION = """\
The public, read-only catalogue of the marketplace: products, villages (desa) and clusters.

* Everything is `GET` (and `HEAD`/`OPTIONS`); any other method answers 405 with the error object.
* Every error is JSON `{"error": {"status": 400, "message": "…"}}` with a 4xx status, including
  unknown paths (404). Malformed query parameters are refused with 400, never silently ignored;
  values are taken exactly as written (no trimming, case matters); empty values (`?page=`) count
  as absent (`allowEmptyValue`), and unknown parameters are ignored. A well-formed filter naming
  no cluster, village, seller or label answers 404. A NUL character in any parameter: 400.
* Successful responses may be cached for 60 seconds (`Cache-Control: public, max-age=60`) and are
  readable from any origin (`Access-Control-Allow-Origin: *`).
* Money is an integer in the minor units of `currency` (never a float).
* Text comes in the language asked with `lang` (`id`, the default, or `en`).
"""


def document(server_url: str = "/api/v1") -> dict:
    """The whole OpenAPI document; `server_url` is the absolute /api/v1 base of this deployment."""
    return {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": TITLE, "version": API_VERSION, "description": DESCRIPTION},
        "servers": [{"url": server_url}],
        "paths": paths(),
        "components": {
            "schemas": schemas(),
            "parameters": parameters(),
            "responses": responses(),
            "headers": headers(),
        },
    }
