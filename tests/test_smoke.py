from marketplace.catalogue.models import Product
from tests.factories import make_product


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["database"] == "ok"
    # This request's own connection is the only one checked out; every pool stays within its size.
    assert response.json["pools"]["app"]["checked_out"] == 1


def test_stock_cannot_go_negative(session):
    import pytest
    import sqlalchemy as sa

    product = make_product(session, stock=1)
    session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        session.execute(sa.update(Product).where(Product.id == product.id).values(stock=-1))
        session.flush()
    session.rollback()


def test_search_text_kept_by_hook(session):
    product = make_product(session, title_id="Batik Gajah Oling")
    session.commit()
    assert "Gajah Oling" in product.search_text
    assert product.seller.name in product.search_text


def test_compiled_templates_are_loaded_from_disk_by_a_new_worker(app):
    # An app of its own: the tests' apps share compiled templates in memory (tests/conftest.py).
    from jinja2 import Environment, FileSystemBytecodeCache

    from marketplace import create_app

    built = create_app(dict(app.config))
    cache = built.jinja_env.bytecode_cache
    assert isinstance(cache, FileSystemBytecodeCache)
    built.jinja_env.get_template("base.html")  # compiled, and stored
    fresh = Environment(loader=built.jinja_env.loader, bytecode_cache=cache, autoescape=True)
    source, filename, _ = fresh.loader.get_source(fresh, "base.html")
    assert cache.get_bucket(fresh, "base.html", filename, source).code is not None
