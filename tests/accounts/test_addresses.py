"""Saved addresses: services and pages, one default per user, only the owner ever sees them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.accounts import services
from marketplace.accounts.models import Address
from marketplace.errors import NotFound, ValidationError
from tests.factories import make_user

HOME = {
    "label": "Rumah",
    "recipient_name": "Siti Aminah",
    "phone": "0812 3456 7890",
    "street": "Jl. Raya Kabat 280",
    "line2": "RT 01 RW 02",
    "district": "Kabat",
    "city": "Kabupaten Banyuwangi",
    "province": "Jawa Timur",
    "postal_code": "68461",
    "country": "ID",
}


def test_first_address_becomes_default_and_only_one_default(app, session):
    user = make_user(session)
    with app.test_request_context():
        home = services.save_address(session, user=user, values=HOME)
        office = services.save_address(session, user=user, values={**HOME, "label": "Kantor"})
        session.commit()
        assert home.is_default and not office.is_default
        services.set_default_address(session, user=user, address_id=office.id)
        session.commit()
    session.expire_all()
    assert [a.label for a in services.list_addresses(session, user)] == ["Kantor", "Rumah"]
    assert services.find_default_address(session, user).id == office.id


def test_database_refuses_two_defaults(app, session):
    user = make_user(session)
    with app.test_request_context():
        services.save_address(session, user=user, values=HOME)
    session.commit()
    session.add(Address(user_id=user.id, is_default=True, **HOME))
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()
    session.rollback()


def test_deleting_the_default_promotes_another(app, session):
    user = make_user(session)
    with app.test_request_context():
        home = services.save_address(session, user=user, values=HOME)
        office = services.save_address(session, user=user, values={**HOME, "label": "Kantor"})
        services.delete_address(session, user=user, address_id=home.id)
        session.commit()
    session.expire_all()
    assert office.is_default
    assert services.list_addresses(session, user) == [office]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"recipient_name": "  "}, "recipient_name"),
        ({"phone": "12"}, "phone"),
        ({"phone": "call me maybe"}, "phone"),
        ({"postal_code": "6846"}, "postal_code"),
        ({"postal_code": "ABCDE"}, "postal_code"),
        ({"country": "XX"}, "country"),
        ({"street": "x" * 201}, "street"),
    ],
)
def test_bad_addresses_are_refused_with_the_field(app, session, changes, field):
    user = make_user(session)
    with app.test_request_context(), pytest.raises(ValidationError) as info:
        services.save_address(session, user=user, values={**HOME, **changes})
    assert info.value.field == field


def test_foreign_postal_codes_follow_looser_rules(app, session):
    user = make_user(session)
    with app.test_request_context():
        address = services.save_address(
            session, user=user, values={**HOME, "country": "nl", "postal_code": "1012 AB"}
        )
    assert address.country == "NL"


def test_someone_elses_address_is_not_found(app, session):
    owner, other = make_user(session), make_user(session)
    with app.test_request_context():
        address = services.save_address(session, user=owner, values=HOME)
        with pytest.raises(NotFound):
            services.get_address(session, other, address.id)
        with pytest.raises(NotFound):
            services.save_address(session, user=other, values=HOME, address_id=address.id)
        with pytest.raises(NotFound):
            services.delete_address(session, user=other, address_id=address.id)


def test_address_pages_add_edit_default_delete(logged_in_client, session, user):
    client = logged_in_client
    assert client.get("/account/addresses").status_code == 200
    page = client.get("/account/addresses/new").get_data(as_text=True)
    assert 'autocomplete="shipping postal-code"' in page
    assert '<option selected value="ID">' in page

    response = client.post("/account/addresses/new", data={**HOME, "postal_code": "123"})
    assert response.status_code == 400
    assert "5-digit postal code" in response.get_data(as_text=True)
    assert 'aria-describedby="postal_code-hint postal_code-error"' in response.get_data(as_text=True)

    assert client.post("/account/addresses/new", data=HOME).status_code == 302
    assert client.post("/account/addresses/new", data={**HOME, "label": "Kantor"}).status_code == 302
    home, office = sorted(session.scalars(sa.select(Address)), key=lambda a: a.id)
    listing = client.get("/account/addresses").get_data(as_text=True)
    assert "Jl. Raya Kabat 280" in listing and "Kantor" in listing

    response = client.post(f"/account/addresses/{office.id}/edit", data={**HOME, "label": "Kantor Desa"})
    assert response.status_code == 302
    assert client.post(f"/account/addresses/{office.id}/default").status_code == 302
    session.expire_all()
    assert office.label == "Kantor Desa" and office.is_default and not home.is_default

    assert client.post(f"/account/addresses/{office.id}/delete").status_code == 302
    session.expire_all()
    assert [a.id for a in session.scalars(sa.select(Address))] == [home.id]
    assert home.is_default


def test_other_buyers_addresses_are_404(app, client, session, user):
    from tests.accounts.conftest import log_in

    stranger = make_user(session)
    with app.test_request_context():
        theirs = services.save_address(session, user=stranger, values=HOME)
    session.commit()
    log_in(client, user.email)
    assert client.get(f"/account/addresses/{theirs.id}/edit").status_code == 404
    assert client.post(f"/account/addresses/{theirs.id}/edit", data=HOME).status_code == 404
    assert client.post(f"/account/addresses/{theirs.id}/delete").status_code == 404
    assert client.post(f"/account/addresses/{theirs.id}/default").status_code == 404
    assert client.get("/account/addresses/999999/edit").status_code == 404
    session.expire_all()
    assert session.get(Address, theirs.id).label == "Rumah"


def test_address_pages_need_login(client):
    response = client.get("/account/addresses")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
    assert client.post("/account/addresses/new", data=HOME).status_code == 302
