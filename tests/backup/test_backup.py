"""Backup and restore: a catalogue, an order, the ledger and a photo come back whole in an empty install.

Restores go into a new SQLite file or a new PostgreSQL database, and a media directory of their own.
"""

from __future__ import annotations

import tarfile

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.backup.archive import BackupError, create_backup, media_keys, read_manifest, restore_backup
from marketplace.catalogue.models import ProductImage
from marketplace.catalogue.photos import store_product_image
from marketplace.extensions import db
from marketplace.media.storage import LocalStorage, S3Storage, get_storage
from marketplace.payouts.models import LedgerEntry
from tests.conftest import POSTGRES_ADMIN_URL
from tests.media.samples import jpeg
from tests.media.test_s3_storage import bucket, s3, s3_endpoint  # noqa: F401  (the local S3 server)
from tests.payouts.helpers import make_shop, paid_order


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A database nobody has used: a new SQLite file, or a new PostgreSQL database (dropped after)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = sa.make_url(database_url).database + "_restore"
    admin = sa.create_engine(sa.make_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def seed(session, storage) -> None:
    seller, product = make_shop(session, price=150_000)
    store_product_image(
        session, storage, product=product, data=jpeg(320, 240), alt_id="Batik", alt_en="Batik"
    )
    session.commit()
    paid_order(session, {product: 2})  # an order, its payment, stock ledger and the seller's ledger
    assert session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) > 0
    assert session.scalar(sa.select(sa.func.count()).select_from(ProductImage)) == 1


def all_rows(engine: sa.Engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(
                    sa.select(table).order_by(*(table.primary_key.columns or table.columns))
                )
            ]
            for table in db.metadata.sorted_tables
        }


def test_restore_into_an_empty_install_gives_the_same_catalogue_orders_ledger_and_pictures(
    app, session, tmp_path, empty_database
):
    storage = get_storage(app)
    seed(session, storage)
    archive = tmp_path / "pasar.tar.gz"

    result = app.test_cli_runner().invoke(args=["backup", "create", str(archive)])
    assert result.exit_code == 0, result.output
    manifest = read_manifest(archive)
    assert manifest["database"]["kind"] == db.engine.dialect.name
    assert manifest["alembic_revision"] is None  # the tests build the schema from the models
    assert manifest["tables"]["orders"] == 1 and manifest["tables"]["products"] == 1
    assert manifest["media"]["files"] == len(list(media_keys(storage))) > 0

    media_root = tmp_path / "restored-media"
    fresh = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database, "MEDIA_ROOT": str(media_root)}
    )
    with fresh.app_context():
        result = fresh.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert all_rows(db.engine) == all_rows_of(app)
        restored = LocalStorage(media_root)
        keys = list(media_keys(storage))
        assert list(media_keys(restored)) == keys
        assert all(restored.read(key) == storage.read(key) for key in keys)
        # The restored site serves the photo.
        image_key = next(key for key in keys if key.startswith("products/"))
        with fresh.test_client().get(f"/media/{image_key}") as response:
            assert response.status_code == 200 and response.data == storage.read(image_key)

        # A second restore would overwrite data: refused unless forced.
        again = fresh.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert again.exit_code == 1 and "already has data" in again.output
        forced = fresh.test_cli_runner().invoke(args=["backup", "restore", "--force", str(archive)])
        assert forced.exit_code == 0, forced.output
        assert all_rows(db.engine) == all_rows_of(app)
        db.session.remove()
        db.engine.dispose()


def all_rows_of(app) -> dict[str, list[tuple]]:
    with app.app_context():
        return all_rows(db.engine)


def test_a_damaged_or_foreign_archive_is_refused_before_anything_changes(app, session, tmp_path):
    seed(session, get_storage(app))
    archive = tmp_path / "pasar.tar"
    create_backup(archive, engine=db.engine, storage=get_storage(app))
    with pytest.raises(BackupError, match="exists"):
        create_backup(archive, engine=db.engine, storage=get_storage(app))

    damaged = tmp_path / "damaged.tar"
    data = bytearray(archive.read_bytes())
    with tarfile.open(archive) as tar:
        member = next(info for info in tar if info.name.startswith("media/"))
        data[member.offset_data + 10] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(damaged, engine=db.engine, storage=get_storage(app), force=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(ProductImage)) == 1

    foreign = tmp_path / "foreign.tar"
    with tarfile.open(foreign, "w") as tar:
        tar.add(__file__, arcname="notes.txt")
    with pytest.raises(BackupError, match="manifest"):
        read_manifest(foreign)


def test_media_on_s3_is_backed_up_and_restored_into_an_empty_bucket(tmp_path, s3, s3_endpoint):  # noqa: F811
    """Media only (the database side is the test above): a SQLite file of its own, empty tables."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    db.metadata.create_all(engine)
    s3.create_bucket(Bucket="pasar-source")
    s3.create_bucket(Bucket="pasar-restored")
    source = S3Storage("pasar-source", endpoint_url=s3_endpoint, prefix="site-a", client=s3)
    target = S3Storage("pasar-restored", endpoint_url=s3_endpoint, prefix="site-b", client=s3)
    source.save("products/a-640.webp", b"RIFF-picture", "image/webp")
    source.save("private/evidence/cert.pdf", b"%PDF-1.4 certificate", "application/pdf")
    archive = tmp_path / "pasar.tar"

    report = create_backup(archive, engine=engine, storage=source)
    assert report.manifest["media"] == {"kind": "s3", "files": 2, "bytes": 32}
    restore_backup(archive, engine=engine, storage=target)

    assert sorted(media_keys(target)) == ["private/evidence/cert.pdf", "products/a-640.webp"]
    assert target.read("private/evidence/cert.pdf") == b"%PDF-1.4 certificate"
    head = s3.head_object(Bucket="pasar-restored", Key="site-b/products/a-640.webp")
    assert head["ContentType"] == "image/webp" and "immutable" in head["CacheControl"]
    private = s3.head_object(Bucket="pasar-restored", Key="site-b/private/evidence/cert.pdf")
    assert private["CacheControl"] == "private, no-store"
    with pytest.raises(BackupError, match="media store already has files"):
        restore_backup(archive, engine=engine, storage=target)
    engine.dispose()
