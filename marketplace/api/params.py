"""Strict query parameters for the API: a malformed value is a 400 naming the parameter.

The HTML search page ignores malformed values (a person can read the note and go on); an API
client would silently get the wrong data, so here the same parameters are refused instead. The
rules themselves are the catalogue's (`services.parse_search_params`); this module only turns
"ignored" into "refused" and adds the API's own limits (per_page up to 100, integer prices).
Empty values (`?page=`) count as absent, as on the page. Unknown parameters are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from marketplace.catalogue import services
from marketplace.catalogue.services import SearchParams
from marketplace.errors import NotFound, ValidationError

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
DEFAULT_PER_PAGE = services.DEFAULT_PER_PAGE
MAX_PER_PAGE = 100
#: Search parameters a product listing accepts (besides `lang`).
SEARCH_PARAMETERS = (
    "q", "cluster", "village", "seller", "label", "min_price", "max_price", "in_stock", "sort", "page",
    "per_page",
)  # fmt: skip
TRUE_VALUES = ("1", "true", "yes", "on")
FALSE_VALUES = ("0", "false", "no", "off")
_DIGITS = re.compile(r"^[0-9]{1,13}$")


def _raw(args: Mapping[str, str], name: str) -> str:
    value = args.get(name)
    return value.strip() if isinstance(value, str) else ""


def parse_language(args: Mapping[str, str]) -> str:
    """`lang` (id or en; Indonesian when absent). Raises ValidationError otherwise."""
    value = _raw(args, "lang").lower()
    if not value:
        return DEFAULT_LANGUAGE
    if value not in LANGUAGES:
        raise ValidationError(
            _("%(name)s must be one of: %(values)s.", name="lang", values=", ".join(LANGUAGES)), field="lang"
        )
    return value


def _message(name: str) -> str:
    """Why a value of `name` was refused (the catalogue parser said it was malformed)."""
    if name == "q":
        return _(
            "%(name)s is too long: at most %(max)d characters.", name=name, max=services.MAX_QUERY_LENGTH
        )
    if name in ("cluster", "village", "seller"):
        return _("%(name)s must be a slug (lower-case letters, digits and hyphens).", name=name)
    if name == "label":
        return _("%(name)s must be a label code (letters, digits, '.', '_' or '-').", name=name)
    if name in ("min_price", "max_price"):
        return _(
            "%(name)s must be a whole number of minor units (rupiah) from 0 to %(max)d.",
            name=name,
            max=services.MAX_PRICE,
        )
    if name == "in_stock":
        return _("%(name)s must be true or false (or 1 or 0).", name=name)
    if name == "sort":
        return _("%(name)s must be one of: %(values)s.", name=name, values=", ".join(services.SORTS))
    if name == "page":
        return _("%(name)s must be a whole number from 1 to %(max)d.", name=name, max=services.MAX_PAGE)
    return _("%(name)s is not valid.", name=name)


def parse_product_search(args: Mapping[str, str]) -> SearchParams:
    """Validated search parameters for /products. Raises ValidationError (400) on the first bad one."""
    for name in ("min_price", "max_price"):
        # The page also takes "Rp 50.000"; the API takes plain integers, as the document says.
        value = _raw(args, name)
        if value and not _DIGITS.match(value):
            raise ValidationError(_message(name), field=name)

    per_page_raw = _raw(args, "per_page")
    per_page = DEFAULT_PER_PAGE
    if per_page_raw:
        if not _DIGITS.match(per_page_raw) or not 1 <= int(per_page_raw) <= MAX_PER_PAGE:
            raise ValidationError(
                _("%(name)s must be a whole number from 1 to %(max)d.", name="per_page", max=MAX_PER_PAGE),
                field="per_page",
            )
        per_page = int(per_page_raw)

    # The catalogue parser caps per_page lower than the API does; it gets everything else.
    raw_args = {name: args.get(name) for name in SEARCH_PARAMETERS if name != "per_page" and name in args}
    params = services.parse_search_params(raw_args)
    for name in SEARCH_PARAMETERS:
        if name in params.ignored:
            raise ValidationError(_message(name), field=name)

    in_stock = _raw(args, "in_stock").lower()
    if in_stock and in_stock not in TRUE_VALUES + FALSE_VALUES:
        raise ValidationError(_message("in_stock"), field="in_stock")

    # parse_search_params swaps a reversed range; the API refuses it (checked against the raw values).
    raw_min, raw_max = _raw(args, "min_price"), _raw(args, "max_price")
    if raw_min and raw_max and int(raw_min) > int(raw_max):
        raise ValidationError(
            _("%(low)s must not be more than %(high)s.", low="min_price", high="max_price"), field="min_price"
        )

    return params.replace(per_page=per_page)


def check_filters_exist(session: Session, params: SearchParams) -> None:
    """Refuse (400) a well-formed filter naming no cluster, village, seller or label we know.

    An unknown value would otherwise match nothing and look like "no products". Up to two queries
    per filter given, none when there are no filters; call it only when a search found nothing.
    """
    lookups = (
        (
            "cluster",
            services.get_cluster_by_slug,
            _("%(name)s does not match anything that exists.", name="cluster"),
        ),
        (
            "village",
            services.get_village_by_slug,
            _("%(name)s does not match anything that exists.", name="village"),
        ),
        (
            "seller",
            services.get_seller_by_slug,
            _("%(name)s does not match anything that exists.", name="seller"),
        ),
    )
    for name, get, message in lookups:
        slug = getattr(params, name)
        if slug:
            try:
                get(session, slug)
            except NotFound:
                raise ValidationError(message, field=name) from None
    if params.label and params.label not in {lt.code for lt in services.list_label_types(session)}:
        raise ValidationError(_("%(name)s does not match anything that exists.", name="label"), field="label")
