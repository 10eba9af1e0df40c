"""One set of address, phone and email rules: a saved address always passes checkout's checks."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace import contact
from marketplace.accounts import services
from marketplace.errors import ValidationError
from marketplace.shipping.services import ShippingAddress, validate_address
from tests.factories import make_user

#: Per field, values a buyer might type: good ones, sloppy-but-fixable ones and bad ones.
VARIANTS = {
    "recipient_name": ["Siti Aminah", "  Budi   Santoso ", "", "x" * 121, "Anna de Vries"],
    "phone": [
        "0812 3456 7890", "(0812) 3456-7890", "0812.3456.7890", "+62 812-3456-7890",
        "+31 20 123 4567", "12", "call me maybe", "0812345678901234567890123", "+1 (415) 555 0100",
    ],
    "street": ["Jl. Raya Kabat 280", "Keizersgracht 1", "", "x" * 201],
    "line2": ["", "RT 01 RW 02", "x" * 201],
    "district": ["Kabat", "", "x" * 121],
    "city": ["Kabupaten Banyuwangi", "Amsterdam", "", "x" * 121],
    "province": ["Jawa Timur", "jawa  timur", "DKI Jakarta", "Java", "", "California", "x" * 121],
    "postal_code": [
        "68461", "06846", "6846", "ABCDE", "1012 ab", "1012AB", "94107", "SW1A 1AA", "", "100-0001",
    ],
    "country": ["ID", "id", "", "NL", "US", "GB", "JP", "HK", "XX", "BR"],
}  # fmt: skip

addresses = st.fixed_dictionaries({name: st.sampled_from(values) for name, values in VARIANTS.items()})


def _as_checkout(address) -> ShippingAddress:
    """What checkout builds from a saved address (orders.views._form_from_address)."""
    return ShippingAddress(
        name=address.recipient_name,
        phone=address.phone,
        street=address.street,
        line2=address.line2 or "",
        district=address.district,
        city=address.city,
        province=address.province,
        postal_code=address.postal_code,
        country=address.country,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=addresses)
def test_a_saved_address_always_passes_checkout(app, session, values):
    user = make_user(session)
    with app.test_request_context():
        try:
            saved = services.save_address(session, user=user, values={"label": "", **values})
        except ValidationError as error:
            assert error.field in VARIANTS or error.field == "label"
            return
        assert validate_address(_as_checkout(saved)) == {}
        assert contact.address_errors(_as_checkout(saved).__dict__) == {}


GOOD = {
    "recipient_name": "Siti Aminah", "phone": "0812 3456 7890", "street": "Jl. Raya Kabat 280",
    "district": "Kabat", "city": "Banyuwangi", "province": "Jawa Timur", "postal_code": "68461",
    "country": "ID",
}  # fmt: skip
SEVERAL = [
    GOOD,
    {**GOOD, "phone": "(0812) 3456.7890", "province": "jawa timur", "line2": "RT 01 RW 02"},
    {**GOOD, "country": "NL", "city": "Amsterdam", "district": "", "province": "", "postal_code": "1012 ab",
     "phone": "+31 20 123 4567"},
    {**GOOD, "country": "US", "city": "San Francisco", "province": "California", "postal_code": "94107",
     "phone": "+1 (415) 555 0100"},
    {**GOOD, "country": "GB", "city": "London", "province": "", "postal_code": "sw1a 1aa"},
    {**GOOD, "country": "JP", "city": "Tokyo", "province": "Tokyo", "postal_code": "100-0001"},
    {**GOOD, "country": "HK", "city": "Hong Kong", "province": "", "postal_code": ""},
    {**GOOD, "country": "BR", "city": "Recife", "province": "", "postal_code": "50030-230"},
]  # fmt: skip


@pytest.mark.parametrize("values", SEVERAL, ids=lambda v: f"{v['country']}-{v['phone']}")
def test_several_saved_addresses_pass_checkout(app, session, values):
    with app.test_request_context():
        saved = services.save_address(session, user=make_user(session), values=values)
        assert validate_address(_as_checkout(saved)) == {}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=addresses)
def test_checkout_and_the_contact_rules_agree(app, values):
    """shipping.validate_address and contact.address_errors give the same answer on any input."""
    checkout = {("name" if k == "recipient_name" else k): v for k, v in values.items()}
    checkout["country"] = checkout["country"] or "ID"
    with app.test_request_context():
        assert validate_address(ShippingAddress(**checkout)) == contact.address_errors(checkout)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ({"phone": "(0812) 3456.7890"}, {"phone": "0812 3456 7890"}),
        ({"province": "jawa  timur"}, {"province": "Jawa Timur"}),
        (
            {"country": "nl", "postal_code": "1012 ab", "province": ""},
            {"country": "NL", "postal_code": "1012 AB"},
        ),
    ],
)  # fmt: skip
def test_sloppy_typing_is_cleaned_before_the_rules(app, session, typed, stored):
    values = {**GOOD, **typed}
    with app.test_request_context():
        saved = services.save_address(session, user=make_user(session), values=values)
    assert {name: getattr(saved, name) for name in stored} == stored


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("budi@example.com", True),
        ("budi@example.test", True),
        ("not-an-email", False),
        ("@example.com", False),
        ("budi@", False),
        ("budi @example.com", False),
        ("b" * 250 + "@example.com", False),
    ],
)
def test_email_rule(email, ok):
    assert contact.email_ok(contact.normalize_email(email), allow_reserved=True) is ok


def test_reserved_domains_only_outside_production():
    assert not contact.email_ok("budi@example.test", allow_reserved=False)
    assert contact.email_ok("budi@example.com", allow_reserved=False)


def test_phone_rules():
    assert contact.clean_phone(" (0812)  3456.7890 ") == "0812 3456 7890"
    assert contact.phone_ok("+62 812-3456-7890")
    assert not contact.phone_ok("0812")
    assert contact.phone_digits("+62 (812) 3456-7890") == "+6281234567890"


@pytest.mark.parametrize(
    ("country", "typed", "kept"),
    [
        ("NL", "Jawa Timur", ""),  # left over when the form switched from Indonesia
        ("NL", "jawa  timur", ""),
        ("US", "California", "California"),
        ("ID", "jawa timur", "Jawa Timur"),
    ],
)
def test_an_indonesian_province_is_no_region_abroad(country, typed, kept):
    cleaned = contact.clean_address({"country": country, "province": typed, "city": "X"})
    assert cleaned["province"] == kept
