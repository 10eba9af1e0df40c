"""Boundary values in every route's URL arguments, query parameters and numeric form fields: never a 5xx.

The test walks `app.url_map`. Every GET route gets each boundary value in each of its URL arguments
and in each query parameter its view reads (`QUERY_PARAMS`, kept complete by a test that greps the
views), as a curator, a seller and an anonymous visitor. A page is swept one parameter at a time
by the roles it is for (those answered 200 with ordinary arguments; anonymous alone for public
pages, where the role changes nothing in the parsing); the other roles, turned away before any
parsing, send a few values in all parameters at once, and so do the pages whose parser and query
another page's sweep covers parameter by parameter (`SWEPT_WITH`). An `<int:…>` argument only gets the values
its converter lets through to the view (and one it does not). POST routes that take ids, numbers
or dates in forms get the values field by field (a buyer's forms logged out and as one logged-in
role).

The sweeps are split by area (curator, seller, public pages) into test classes, which
pytest-xdist's `--dist loadscope` hands out as separate units: together ~2,900 requests on SQLite.
PostgreSQL gets the values whose answer can depend on the database (`DATABASE_SENSITIVE_VALUES`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from marketplace import params
from marketplace.labels.models import LabelStatus
from marketplace.orders import services as orders
from marketplace.shipping.services import ensure_default_shipping_rates
from marketplace.types import utcnow
from tests.built_once import built_once
from tests.factories import (
    TEST_PASSWORD,
    make_cluster,
    make_featured,
    make_label_type,
    make_product,
    make_product_label,
    make_seller,
    make_user,
    make_village,
)
from tests.orders.helpers import make_cart, place

ROOT = Path(__file__).resolve().parents[1]

#: What a careless or hostile client sends: past int64, negative, zero, overflowing floats, empty,
#: not-a-number, dates past what Python or the database can hold, very long, NUL (raw and
#: percent-encoded) and text no parser expects.
BOUNDARY_VALUES = (
    "9223372036854775808",
    "-1",
    "0",
    "1e309",
    "",
    "NaN",
    "9999-12-31",
    "0000-00-00",
    "9" * 10_000,
    "\x00",
    "%00",
    "²",  # a digit to str.isdigit(), not to int()
    "😀漢字",
)
#: The values whose answer can depend on the database: numbers past an integer column's range,
#: a date no column holds, NUL (PostgreSQL refuses it in text), text longer than a column, and text
#: or an empty string where a number is compared (PostgreSQL casts the parameter, SQLite compares
#: it as it is). The rest are read, or refused, in Python whatever the database: "1e309" and "NaN"
#: never reach SQL (numbers are read as integers, `marketplace/numbers.py`, or finite Decimals), "9999-12-31"
#: is a date both hold (a day past it overflows in Python), "-1", "0", "%00" and "²" are ordinary
#: integers or text. The first database (SQLite) gets every value, PostgreSQL these.
DATABASE_SENSITIVE_VALUES = frozenset(
    ("9223372036854775808", "2147483648", "", "0000-00-00", "9" * 10_000, "\x00", "😀漢字")
)
#: What an `<int:…>` URL argument lets through (digits), and one value it turns into a 404 itself.
INT_ARGUMENT_VALUES = (*(v for v in BOUNDARY_VALUES if v.isascii() and v.isdigit()), "2147483648", "-1")
#: What a role a page is not for sends (in turn across its arguments and parameters, at once).
TURNED_AWAY_VALUES = ("9223372036854775808", "9999-12-31", "\x00", "😀漢字")
#: The catalogue's search parameters (storefront.search_params.parse_search_params).
SEARCH = (
    "q",
    "cluster",
    "village",
    "seller",
    "label",
    "min_price",
    "max_price",
    "in_stock",
    "sort",
    "page",
    "per_page",
)
#: Read on every request (i18n.select_locale, markets.context): tried on a few pages only.
GLOBAL_PARAMS = ("lang", "currency", "country")
GLOBAL_PARAM_ENDPOINTS = (
    "storefront.home",
    "storefront.search",
    "cart.show",
    "curation.overview",
    "seller.dashboard",
)
AUDIT_FILTERS = ("action", "actor", "role", "seller_id", "target_type", "target_id", "date_from", "date_to")
MONITORING = ("preset", "from", "to", "village", "cluster")
#: The query parameters each endpoint's view reads (`request.args` in marketplace/**/views.py).
QUERY_PARAMS: dict[str, tuple[str, ...]] = {
    "storefront.search": SEARCH,
    "storefront.cluster": SEARCH,
    "storefront.village": SEARCH,
    "storefront.seller": SEARCH,
    "api.products": (*SEARCH, "lang", "currency"),
    "api.product": ("lang", "currency"),
    "api.villages": ("lang",),
    "api.clusters": ("lang",),
    "audit.log": ("before", *AUDIT_FILTERS),
    "audit.log_csv": AUDIT_FILTERS,
    "audit.seller_history": ("before",),
    "monitoring.dashboard": MONITORING,
    "monitoring.figure_csv": MONITORING,
    "labels.registry": ("page", "type", "village", "state"),
    "origin.curator_tags": ("state", "q"),
    "labels.registry_csv": ("type", "village", "state"),
    "labels.request_label": ("type",),
    "curation.featured": ("q", "product"),
    "curation.featured_preview": ("at",),
    "curation.featured_fairness": ("from", "to"),
    "curation.featured_fairness_csv": ("from", "to"),
    "curation.transfers": ("q",),
    "mentoring.index": ("village", "seller"),
    "refunds.index": ("q",),
    "refunds.order": ("by",),
    "payments.stripe_return": ("order", "token", "checks"),
    "payments.stripe_cancel": ("order", "token", "checks"),
    "payments.transfer_claim_page": ("token",),
    "payments.transfer_receipt": ("token",),
    "payouts.index": ("month",),
    "payouts.bulk_csv": ("month",),
    "payouts.seller_sales": ("shop", "month"),
    "payouts.seller_sales_csv": ("shop", "month"),
    "seller.new_product": ("shop",),
    "seller.products": ("page", "status", "cluster", "q"),
    "orders.show": ("token",),
    "orders.checkout_quote": ("ship_country", "province", "city", "postal_code", "shipping_method"),
    "favourites.back_in_stock": ("variant",),
    "cases.report": ("token",),
    "cases.for_part": ("token",),
    "cases.show": ("token",),
    "cases.photo": ("token",),
    "accounts.login": ("next",),
    "accounts.register": ("next",),
    "accounts.edit_address": ("next",),
    "accounts.add_address": ("next",),
}
#: Parameters read together (a range): also swept with the same value in both.
PAIRS = {
    "audit.log": ("date_from", "date_to"),
    "audit.log_csv": ("date_from", "date_to"),
    "monitoring.dashboard": ("from", "to"),
    "monitoring.figure_csv": ("from", "to"),
    "curation.featured_fairness": ("from", "to"),
    "curation.featured_fairness_csv": ("from", "to"),
    "storefront.search": ("min_price", "max_price"),
    "api.products": ("min_price", "max_price"),
}
#: Endpoints that read their query through the same parser, into the same query, as another endpoint
#: swept one parameter at a time: the listings (a search with one filter fixed) and the CSV twins of
#: pages. Each value goes to all their parameters at once, one request a value, not one a parameter.
SWEPT_WITH = {
    "storefront.cluster": "storefront.search",
    "storefront.village": "storefront.search",
    "storefront.seller": "storefront.search",
    "audit.log_csv": "audit.log",
    "monitoring.figure_csv": "monitoring.dashboard",
    "curation.featured_fairness_csv": "curation.featured_fairness",
    "labels.registry_csv": "labels.registry",
    "payouts.seller_sales_csv": "payouts.seller_sales",
}
#: Routes the fuzz leaves out: files on disk (WhiteNoise serves /static in production).
SKIPPED_ENDPOINTS = {"static"}


@dataclass
class Shop:
    curator: object
    seller_user: object
    seller: object
    product: object
    label: object
    label_type: object
    placement: object
    order: object
    fulfilment: object
    village: object
    cluster: object


@pytest.fixture
def shop(session) -> Shop:
    return built_once(session, _build_shop)


def _build_shop(session) -> Shop:
    village = make_village(session, name="Tambong", slug="tambong")
    cluster = make_cluster(session, slug="kerajinan", name_id="Kerajinan", name_en="Handicraft")
    curator = make_user(session, email="curator@example.test", is_curator=True)
    seller_user = make_user(session, email="seller@example.test")
    seller = make_seller(session, user_id=seller_user.id, village=village, name="Rotan Ani", slug="rotan-ani")
    product = make_product(session, seller=seller, cluster=cluster, price_minor=85_000, stock=10)
    label_type = make_label_type(session, code="halal", name_id="Halal", name_en="Halal")
    label = make_product_label(session, product=product, label_type=label_type, status=LabelStatus.REQUESTED)
    placement = make_featured(session, product=product)
    ensure_default_shipping_rates(session)
    order = place(session, make_cart(session, {product: 1}), email="buyer@example.test")
    orders.mark_order_paid(session, order, actor_label="test", now=utcnow())
    session.commit()
    return Shop(
        curator, seller_user, seller, product, label, label_type, placement, order, order.fulfilments[0],
        village, cluster,
    )  # fmt: skip


def _default_args(shop: Shop, endpoint: str = "") -> dict[str, str]:
    """An ordinary value for each URL argument name, naming a real row where one exists."""
    slugs = {"storefront.cluster": shop.cluster.slug, "storefront.village": shop.village.slug}
    return {
        "product_id": str(shop.product.id),
        "seller_id": str(shop.seller.id),
        "fulfilment_id": str(shop.fulfilment.id),
        "label_id": str(shop.label.id),
        "type_id": str(shop.label_type.id),
        "placement_id": str(shop.placement.id),
        "number": shop.order.number,
        "slug": slugs.get(endpoint, shop.seller.slug),
        "figure": "months",
        "chunk": "1",
        "name": "none.webp",
        "token": "x",
    }


def _url(rule, values: dict[str, str]) -> str:
    """The rule's path with `values` put in verbatim (percent-encoded), even ones it would not build."""

    def argument(match: re.Match) -> str:
        return quote(values.get(match.group(1), "1"), safe="")

    return re.sub(r"<(?:[a-zA-Z_]+(?:\([^)]*\))?:)?([a-zA-Z_]+)>", argument, rule.rule)


def _clients(
    app, shop: Shop, roles: tuple[str, ...] = ("curator", "seller", "anonymous")
) -> dict[str, object]:
    """A test client per role, logged in through the form (English pages)."""
    emails = {"curator": shop.curator.email, "seller": shop.seller_user.email, "anonymous": None}
    clients = {}
    for role in roles:
        email = emails[role]
        client = app.test_client()
        client.set_cookie("lang", "en")
        if email:
            response = client.post("/account/login", data={"email": email, "password": TEST_PASSWORD})
            assert response.status_code in (302, 303), (role, response.status_code)
        clients[role] = client
    return clients


def _status(client, url: str) -> int:
    response = client.get(url)
    response.close()
    return response.status_code


def _get_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" in rule.methods and rule.endpoint not in SKIPPED_ENDPOINTS:
            yield rule


def _params_for(endpoint: str) -> tuple[str, ...]:
    extra = GLOBAL_PARAMS if endpoint in GLOBAL_PARAM_ENDPOINTS else ()
    return (*QUERY_PARAMS.get(endpoint, ()), *extra)


#: The areas the sweeps are split into, by the first part of a route's path. Each is a test class,
#: which pytest-xdist (`--dist loadscope`) hands to a worker of its own: in one test the sweep was
#: the run's longest chain (two minutes of one worker). Anything not listed is "public".
AREAS = {"curator": "curator", "seller": "seller"}


def _area(rule) -> str:
    return AREAS.get(rule.rule.split("/")[1], "public")


def _for_database(app, values: tuple[str, ...]) -> tuple[str, ...]:
    """`values` on SQLite; on PostgreSQL those whose answer may depend on the database."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return values
    return tuple(v for v in values if v in DATABASE_SENSITIVE_VALUES)


def _sweep_get_routes(app, shop, area: str) -> None:
    clients = _clients(app, shop)
    boundary_values = _for_database(app, BOUNDARY_VALUES)
    int_argument_values = _for_database(app, INT_ARGUMENT_VALUES)
    failures: list[str] = []
    requests = 0

    def check(role: str, method: str, url: str, **kwargs) -> None:
        nonlocal requests
        requests += 1
        response = clients[role].open(url, method=method, **kwargs)
        response.close()  # file routes (static, media) hold the file open until closed
        if response.status_code >= 500:
            sent = kwargs.get("query_string") or kwargs.get("data") or {}
            shown = {k: (v[:30] + "…" if len(v) > 30 else v) for k, v in sent.items()}
            failures.append(f"{response.status_code} {role} {method} {url[:120]} {shown}")

    for rule in _get_rules(app):
        if _area(rule) != area:
            continue
        params = _params_for(rule.endpoint)
        defaults = _default_args(shop, rule.endpoint)
        base = _url(rule, defaults)
        answered = {role: _status(clients[role], base) for role in clients}
        requests += len(answered)
        sweepers = (
            ["anonymous"] if answered["anonymous"] == 200 else [r for r, s in answered.items() if s == 200]
        )
        for role in clients:
            if role in sweepers:
                for argument in rule.arguments:
                    converter = type(rule._converters[argument]).__name__
                    values = int_argument_values if converter == "IntegerConverter" else boundary_values
                    for value in values:
                        check(role, "GET", _url(rule, {**defaults, argument: value}))
                singly = [(name,) for name in params] + [PAIRS.get(rule.endpoint)] * (rule.endpoint in PAIRS)
                for names in [params] if rule.endpoint in SWEPT_WITH else singly:
                    for value in boundary_values:
                        check(role, "GET", base, query_string=dict.fromkeys(names, value))
            elif params or rule.arguments:
                # One request: the values in turn across the arguments and parameters.
                names = [*sorted(rule.arguments), *params]
                sent = {name: TURNED_AWAY_VALUES[i % len(TURNED_AWAY_VALUES)] for i, name in enumerate(names)}
                query = {name: sent[name] for name in params}
                check(role, "GET", _url(rule, {**defaults, **sent}), query_string=query)

    assert not failures, f"{len(failures)} of {requests} requests failed:\n" + "\n".join(failures)


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    #: The fields that carry an id, a number or a date (by input type or name).
    numeric: list[str] = field(default_factory=list)


#: Form fields that take a number, an id or a date (names as the forms spell them).
NUMERIC_NAME = re.compile(
    r"(^|_)(id|ids|product|quantity|qty|price|amount|stock|delta|days|position|rate|threshold|percent|"
    r"month|year|date|on|at|from|to|until|weight|length|width|height|count|min|max|level|value)($|_)"
)
NUMERIC_TYPES = {"number", "date", "datetime-local", "month", "hidden"}
#: POST forms the fuzz leaves alone: they end the session it relies on.
SKIPPED_ACTIONS = {"/account/logout"}


class _Forms(HTMLParser):
    """The POST forms of a page with what a browser would send by default."""

    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "form":
            post = attrs.get("method", "get").lower() == "post"
            self._form = Form(action=attrs.get("action", "")) if post else None
            if self._form:
                self.forms.append(self._form)
        elif self._form is None or "name" not in attrs:
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "button", "file", "checkbox", "radio"):
            self._add(attrs["name"], attrs.get("value", ""), attrs.get("type", "text"))
        elif tag == "input" and attrs.get("type") in ("checkbox", "radio") and "checked" in attrs:
            self._add(attrs["name"], attrs.get("value", "on"), "text")
        elif tag == "textarea":
            self._add(attrs["name"], "", "text")
        elif tag == "select":
            self._select = attrs["name"]
            self._add(attrs["name"], "", "select")
        if tag == "option" and self._form is not None and self._select:
            if not self._form.fields[self._select] or "selected" in attrs:
                self._form.fields[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None

    def _add(self, name: str, value: str, kind: str) -> None:
        self._form.fields.setdefault(name, value)
        if name != "csrf_token" and (kind in NUMERIC_TYPES or NUMERIC_NAME.search(name)):
            self._form.numeric.append(name)

    def close(self):
        super().close()
        for form in self.forms:
            # `title_id` beside `title_en` is Indonesian text, not an id.
            form.numeric = [
                n
                for n in dict.fromkeys(form.numeric)
                if not (n.endswith("_id") and n[:-3] + "_en" in form.fields)
            ]


#: A buyer's forms (cart, favourites, checkout, market) read the same whoever is logged in: swept
#: logged out and logged in once (as the seller), not again as the curator.
BUYER_FORM_PATHS = ("/cart/", "/account/", "/checkout", "/market")
BUYER_FORMS_SWEPT_BY = {"anonymous", "seller"}

#: Forms each role must have found (so the sweep cannot silently lose its subject).
EXPECTED_FORMS = {
    "anonymous": {"cart.add", "cart.update", "cart.remove", "markets.choose"},
    "seller": {"seller.stock", "seller.new_product", "labels.request_label"},
    "curator": {"curation.create_featured", "markets.rates", "mentoring.seller_log"},
}


def _sweep_forms(app, shop, only_role: str) -> None:
    """Every POST form `only_role` can reach, each numeric, id or date field given each boundary value."""
    clients = _clients(app, shop, roles=(only_role,))
    boundary_values = _for_database(app, BOUNDARY_VALUES)
    defaults = _default_args(shop)
    failures: list[str] = []
    requests = 0
    forms: dict[tuple, tuple[str, Form]] = {}
    for client in clients.values():  # so that the cart shows its forms
        client.post("/cart/add", data={"product_id": str(shop.product.id), "quantity": "1"})
    for rule in _get_rules(app):
        if rule.arguments - set(defaults) or rule.endpoint.startswith("api."):
            continue
        for role, client in clients.items():
            response = client.get(_url(rule, _default_args(shop, rule.endpoint)), follow_redirects=True)
            response.close()
            requests += 1
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            parser = _Forms()
            parser.feed(response.get_data(as_text=True))
            parser.close()
            for form in parser.forms:
                action = urlsplit(form.action).path or response.request.path
                try:
                    endpoint = app.url_map.bind("localhost").match(action, method="POST")[0]
                except HTTPException as error:
                    raise AssertionError(f"{response.request.path} posts to {action}: {error}") from None
                # Each form once per role (the same form repeats on every page, or on every row).
                buyers = action.startswith(BUYER_FORM_PATHS) and role not in BUYER_FORMS_SWEPT_BY
                if form.numeric and action not in SKIPPED_ACTIONS and not buyers:
                    forms.setdefault((endpoint, role, frozenset(form.fields)), (action, form))
    assert {key[0] for key in forms} >= EXPECTED_FORMS[only_role]

    for (_, role, _), (action, form) in sorted(forms.items(), key=lambda item: item[1][0]):
        for name in form.numeric:
            for value in boundary_values:
                requests += 1
                response = clients[role].post(action, data={**form.fields, name: value})
                response.close()
                if response.status_code >= 500:
                    failures.append(f"{response.status_code} {role} POST {action} {name}={value[:30]!r}")
    assert not failures, f"{len(failures)} of {requests} requests failed:\n" + "\n".join(failures)


def _sweeps_of(area: str, role: str) -> type:
    """A test class sweeping one area's routes (GET) and one role's forms (POST): its own xdist unit."""

    @pytest.mark.slow
    class Sweeps:
        def test_boundary_values_never_make_a_server_error(self, app, shop):
            _sweep_get_routes(app, shop, area)

        def test_numeric_form_fields_never_make_a_server_error(self, app, shop):
            _sweep_forms(app, shop, role)

    return Sweeps


TestCuratorArea = _sweeps_of("curator", "curator")
TestSellerArea = _sweeps_of("seller", "seller")
TestPublicPages = _sweeps_of("public", "anonymous")


# The outside review's cases, by name: each was a 500.
REVIEWED = [
    ("curator", "/curator/audit?before=9223372036854775808", 200),
    ("curator", "/curator/audit?target_id=9223372036854775808", 400),
    ("curator", "/curator/audit?date_to=9999-12-31", 400),
    ("curator", "/curator/audit.csv?date_from=0001-01-01", 400),
    ("curator", "/curator/monitoring?from=9999-12-30&to=9999-12-31", 400),
    ("curator", "/curator/monitoring/months.csv?from=0001-01-01&to=0001-01-02", 400),
    ("seller", "/seller/history?before=9223372036854775808", 200),
    ("seller", "/seller/products/9223372036854775808", 404),
    ("seller", "/seller/sales?shop=%C2%B2", 404),
    ("anonymous", "/sitemaps/products-9223372036854775808.xml", 404),
    ("anonymous", "/villages/%00", 400),
    ("anonymous", "/search?q=%00", 400),  # the one rule for NUL, wherever it is (marketplace.params)
]


@pytest.mark.parametrize(("role", "url", "status"), REVIEWED, ids=[url for _, url, _ in REVIEWED])
def test_reviewed_out_of_range_input_is_a_clear_answer(app, shop, role, url, status):
    client = _clients(app, shop, roles=(role,))[role]
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    if "%00" in url:
        assert b"must not contain a NUL character" in response.data


def test_a_huge_id_removed_from_the_cart_is_a_notice_not_an_error(app, shop):
    client = _clients(app, shop, roles=("anonymous",))["anonymous"]
    response = client.post("/cart/remove", data={"product_id": "9223372036854775808"})
    assert response.status_code < 500


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42), (" 7 ", 7), ("2147483647", 2**31 - 1), ("2147483648", None),
        ("9223372036854775808", None), ("9" * 10_000, None), ("0", None), ("-1", None), ("1e3", None),
        ("1.0", None), ("+1", None), ("²", None), ("١٢", None), ("", None), (None, None), ("7\n", 7),
    ],
)  # fmt: skip
def test_find_id_reads_plain_digits_within_the_id_range(raw, expected):
    assert params.find_id(raw) == expected


def test_find_int_takes_a_sign_only_when_the_range_has_negatives():
    assert params.find_int("-3", low=-10, high=10) == -3
    assert params.find_int("-3", low=0, high=10) is None
    assert params.find_int("11", low=0, high=10) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-01-31", date(2026, 1, 31)), ("2000-01-01", date(2000, 1, 1)),
        ("2100-12-31", date(2100, 12, 31)), ("1999-12-31", None), ("2101-01-01", None),
        ("9999-12-31", None), ("0000-00-00", None),
        ("2026-02-30", None), ("2026-1-5", None), ("20260131", None), ("2026-01-31T00:00", None), ("", None),
    ],
)  # fmt: skip
def test_find_date_reads_iso_dates_from_2000_to_2100(raw, expected):
    assert params.find_date(raw) == expected


def test_pages_swept_at_once_read_no_parameter_their_twin_does_not_sweep_singly():
    for endpoint, twin in SWEPT_WITH.items():
        assert set(QUERY_PARAMS[endpoint]) <= set(QUERY_PARAMS[twin]), endpoint


def test_every_query_parameter_a_view_reads_is_fuzzed():
    """A new `request.args.get("name")` in a view must be added to QUERY_PARAMS above."""
    pattern = re.compile(r"""(?:request\.args|\bargs)\.get\(\s*["']([a-z_]+)["']""")
    read = set()
    for path in (ROOT / "marketplace").rglob("*.py"):
        if path.name in (
            "views.py",
            "services.py",
            "featured_views.py",
            "transfer_views.py",
            "context.py",
            "presenters.py",
            "i18n.py",
        ):
            read.update(pattern.findall(path.read_text(encoding="utf-8")))
    fuzzed = set(GLOBAL_PARAMS).union(*QUERY_PARAMS.values())
    assert read - fuzzed == set()
