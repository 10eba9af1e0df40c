"""Strict query parameters for the API: a value its document refuses is a 400 naming the parameter.

The HTML search page ignores malformed values (a person can read the note and go on); an API
client would silently get the wrong data, so here the same parameters are refused instead. Each
parameter's rule is a small JSON Schema in `SCHEMAS`, which `openapi.py` publishes as it is and
`value_of` enforces exactly (no trimming, no case folding), so the document and the checks cannot
drift apart. Empty values (`?page=`) count as absent (`allowEmptyValue` in the document), except for
`currency`, whose empty value is refused; unknown parameters are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from marketplace.errors import NotFound, ValidationError
from marketplace.markets.context import SUPPORTED_CURRENCIES
from marketplace.storefront import listings, search_params
from marketplace.storefront.search_params import SearchParams

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
DEFAULT_PER_PAGE = search_params.DEFAULT_PER_PAGE
MAX_PER_PAGE = 100
#: Search parameters a product listing accepts (besides `lang`).
SEARCH_PARAMETERS = (
    "q", "cluster", "village", "seller", "label", "min_price", "max_price", "in_stock", "sort", "page",
    "per_page",
)  # fmt: skip
TRUE_VALUES = ("1", "true", "yes", "on")
FALSE_VALUES = ("0", "false", "no", "off")
#: The catalogue's slug and label code rules (`search_params._SLUG_RE`, `search_params._LABEL_CODE_RE`).
SLUG_PATTERN = "^[a-z0-9][a-z0-9-]{0,139}$"
LABEL_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
#: Integers are plain ASCII digits; past 19 digits none is in any range here.
_DIGITS = re.compile(r"[0-9]{1,19}")

_SLUG = {"type": "string", "pattern": SLUG_PATTERN}
_PRICE = {"type": "integer", "minimum": 0, "maximum": search_params.MAX_PRICE}
#: What a non-empty value of each query parameter must be, as JSON Schema (string or integer;
#: enum, pattern, maxLength, minimum, maximum). The OpenAPI document publishes these.
SCHEMAS: dict[str, dict] = {
    "lang": {"type": "string", "enum": list(LANGUAGES)},
    # No NUL: the app refuses it in any parameter (web.py, marketplace.params.refuse_nul).
    "q": {"type": "string", "maxLength": search_params.MAX_QUERY_LENGTH, "pattern": "^[^\\u0000]*$"},
    "cluster": _SLUG,
    "village": _SLUG,
    "seller": _SLUG,
    "label": {"type": "string", "pattern": LABEL_PATTERN},
    "min_price": _PRICE,
    "max_price": _PRICE,
    "in_stock": {"type": "string", "enum": [*TRUE_VALUES, *FALSE_VALUES]},
    "sort": {"type": "string", "enum": list(search_params.SORTS)},
    "page": {"type": "integer", "minimum": 1, "maximum": search_params.MAX_PAGE},
    "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
    # Read again by markets.presenters.api_converted_price, which refuses an empty value too.
    "currency": {"type": "string", "enum": list(SUPPORTED_CURRENCIES)},
}
#: Parameters whose empty value is refused rather than taken as absent.
EMPTY_REFUSED = frozenset({"currency"})


def _conforms(value: str, schema: Mapping) -> bool:
    """Whether a raw query value satisfies `schema` (the subset of JSON Schema SCHEMAS uses)."""
    if schema["type"] == "integer":
        return bool(_DIGITS.fullmatch(value)) and schema["minimum"] <= int(value) <= schema["maximum"]
    if "enum" in schema and value not in schema["enum"]:
        return False
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return False
    # fullmatch: a trailing newline does not satisfy `$` in JSON Schema (ECMA-262) regexes.
    return "pattern" not in schema or re.fullmatch(schema["pattern"], value) is not None


def value_of(args: Mapping[str, str], name: str) -> str | int | None:
    """The value of query parameter `name` (an int for integers), None when absent or empty.

    Raises ValidationError (400) naming the parameter when the value breaks its documented rule.
    """
    value = args.get(name)
    if not isinstance(value, str) or (value == "" and name not in EMPTY_REFUSED):
        return None
    schema = SCHEMAS[name]
    if not _conforms(value, schema):
        raise ValidationError(_message(name), field=name)
    return int(value) if schema["type"] == "integer" else value


def parse_language(args: Mapping[str, str]) -> str:
    """`lang` (id or en; Indonesian when absent). Raises ValidationError otherwise."""
    return value_of(args, "lang") or DEFAULT_LANGUAGE


def parse_currency(args: Mapping[str, str]) -> str | None:
    """`currency` to convert prices to (absent: None). Raises ValidationError otherwise."""
    return value_of(args, "currency")


def _message(name: str) -> str:
    """Why a value of `name` was refused."""
    if name in ("lang", "currency"):
        return _("%(name)s must be one of: %(values)s.", name=name, values=", ".join(SCHEMAS[name]["enum"]))
    if name == "q":
        return _(
            "%(name)s is too long: at most %(max)d characters.", name=name, max=search_params.MAX_QUERY_LENGTH
        )
    if name in ("cluster", "village", "seller"):
        return _("%(name)s must be a slug (lower-case letters, digits and hyphens).", name=name)
    if name == "label":
        return _("%(name)s must be a label code (letters, digits, '.', '_' or '-').", name=name)
    if name in ("min_price", "max_price"):
        return _(
            "%(name)s must be a whole number of minor units (rupiah) from 0 to %(max)d.",
            name=name,
            max=search_params.MAX_PRICE,
        )
    if name == "in_stock":
        return _("%(name)s must be true or false (or 1 or 0).", name=name)
    if name == "sort":
        return _("%(name)s must be one of: %(values)s.", name=name, values=", ".join(search_params.SORTS))
    if name in ("page", "per_page"):
        return _(
            "%(name)s must be a whole number from 1 to %(max)d.", name=name, max=SCHEMAS[name]["maximum"]
        )
    return _("%(name)s is not valid.", name=name)


def parse_product_search(args: Mapping[str, str]) -> SearchParams:
    """Validated search parameters for /products. Raises ValidationError (400) on the first bad one.

    A reversed price range (min_price above max_price) is kept as asked: it matches nothing.
    """
    values = {name: value_of(args, name) for name in SEARCH_PARAMETERS}
    # The catalogue parser normalises what passed (spaces in q, the default sort); its per_page
    # cap is lower than the API's, so per_page is set afterwards.
    given = {name: str(value) for name, value in values.items() if value is not None and name != "per_page"}
    params = search_params.parse_search_params(given)
    if params.ignored:  # cannot happen for values that passed SCHEMAS; refuse rather than drop
        raise ValidationError(_message(params.ignored[0]), field=params.ignored[0])
    return params.replace(
        min_price=values["min_price"],
        max_price=values["max_price"],
        per_page=values["per_page"] or DEFAULT_PER_PAGE,
    )


def check_filters_exist(session: Session, params: SearchParams) -> None:
    """Refuse (404, naming it) a well-formed filter naming no cluster, village, seller or label we know.

    An unknown value would otherwise match nothing and look like "no products". The value is
    well-formed, as the document promises, so this is "not found" rather than a 400. Up to two
    queries per filter given, none when there are no filters; call it only when a search found
    nothing.
    """
    lookups = (
        ("cluster", listings.get_cluster_by_slug),
        ("village", listings.get_village_by_slug),
        ("seller", listings.get_seller_by_slug),
    )
    for name, get in lookups:
        slug = getattr(params, name)
        if slug:
            try:
                get(session, slug)
            except NotFound:
                raise NotFound(_("%(name)s does not match anything that exists.", name=name)) from None
    if params.label and params.label not in {lt.code for lt in listings.list_label_types(session)}:
        raise NotFound(_("%(name)s does not match anything that exists.", name="label"))
