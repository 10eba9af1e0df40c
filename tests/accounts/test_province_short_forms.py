"""The province as buyers type it: "jatim", "DIY", "Kalbar" … are read as the listed province, in a
saved address and at checkout (both clean through contact.clean_address)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace import contact
from marketplace.accounts import services
from marketplace.accounts.models import Address
from tests.accounts.test_addresses import HOME
from tests.factories import make_user

TYPED = {
    "jatim": "Jawa Timur",
    "Jatim": "Jawa Timur",
    "JATIM": "Jawa Timur",
    "jateng": "Jawa Tengah",
    "jabar": "Jawa Barat",
    "DKI": "DKI Jakarta",
    "Jakarta": "DKI Jakarta",
    "D.K.I. Jakarta": "DKI Jakarta",
    "DIY": "DI Yogyakarta",
    "D.I.Y.": "DI Yogyakarta",
    "D.I. Yogyakarta": "DI Yogyakarta",
    "Yogya": "DI Yogyakarta",
    "Jogja": "DI Yogyakarta",
    "NTB": "Nusa Tenggara Barat",
    "NTT": "Nusa Tenggara Timur",
    "Kalbar": "Kalimantan Barat",
    "Kaltim": "Kalimantan Timur",
    "Sumut": "Sumatera Utara",
    "Sumatra Utara": "Sumatera Utara",
    "Sulsel": "Sulawesi Selatan",
    "Kepri": "Kepulauan Riau",
    "Babel": "Kepulauan Bangka Belitung",
    "Prov. Jawa Timur": "Jawa Timur",
    "Provinsi  jawa timur": "Jawa Timur",
    "East Java": "Jawa Timur",
}


@pytest.mark.parametrize(("typed", "province"), TYPED.items())
def test_short_forms_read_as_the_listed_province(typed, province):
    assert contact.canonical_province(typed) == province
    cleaned = contact.clean_address({**HOME, "name": HOME["recipient_name"], "province": typed})
    assert cleaned["province"] == province
    assert "province" not in contact.address_errors(cleaned)


def test_every_alias_names_a_listed_province_and_no_alias_hides_a_name():
    assert set(contact.PROVINCE_ALIASES.values()) <= set(contact.PROVINCES)
    for province in contact.PROVINCES:
        assert contact.canonical_province(province) == province
    # Not a province: left as typed, and still refused for Indonesia.
    for typed in ("Java", "Jawa", "Sumatra", "California"):
        assert contact.canonical_province(typed) == typed


def test_a_short_form_abroad_is_kept_as_a_region_of_that_country():
    cleaned = contact.clean_address({**HOME, "country": "US", "province": "NTB"})
    assert cleaned["province"] == "NTB"
    assert contact.clean_address({**HOME, "country": "US", "province": "jawa timur"})["province"] == ""


def test_a_saved_address_typed_with_a_short_form_is_saved_as_the_province(app, session, logged_in_client):
    with app.test_request_context():
        saved = services.save_address(session, user=make_user(session), values={**HOME, "province": "jatim"})
    assert saved.province == "Jawa Timur"
    session.commit()
    response = logged_in_client.post("/account/addresses/new", data={**HOME, "province": "Sulsel"})
    assert response.status_code == 302
    session.expire_all()
    assert "Sulawesi Selatan" in set(session.scalars(sa.select(Address.province)))
