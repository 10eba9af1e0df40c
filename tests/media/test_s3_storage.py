"""S3-compatible media storage against a real S3 API: moto's server, spoken to over HTTP by boto3.

Nothing of ours is mocked: S3Storage and the app talk to the bucket exactly as they would to AWS
S3 or MinIO. The dummy credentials exist only while these tests run.
"""

from __future__ import annotations

import io
import json
import socket
import uuid
from datetime import timedelta

import boto3
import pytest
import requests  # installed with moto[server]
import sqlalchemy as sa
from botocore.config import Config
from moto.server import ThreadedMotoServer

from marketplace.catalogue.models import ProductImage, ProductStatus
from marketplace.catalogue.photos import store_product_image
from marketplace.labels.models import LabelStatus, ProductLabel
from marketplace.media.storage import (
    IMMUTABLE_CACHE_CONTROL,
    PUBLIC_PREFIXES,
    InvalidKey,
    S3Storage,
    StorageError,
    get_storage,
    public_media_origin,
)
from marketplace.timezones import market_today
from tests.factories import make_cluster, make_label_type, make_product, make_seller, make_user, make_village
from tests.labels.conftest import MINIMAL_PDF, post_request
from tests.media import samples
from tests.seller.conftest import log_in

PUBLIC_URL = "https://cdn.pasar.example/media"
PREFIX = "site-a"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """A local S3 server for this module, with dummy credentials set only while it runs."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ACCESS_KEY_ID", "pasar-desa-test")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "pasar-desa-test-secret")
        mp.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION"):
            mp.delenv(name, raising=False)
        for name in ("MEDIA_S3_BUCKET", "MEDIA_S3_ENDPOINT_URL", "MEDIA_S3_REGION", "MEDIA_S3_PUBLIC_URL",
                     "MEDIA_S3_PREFIX"):  # fmt: skip
            mp.delenv(name, raising=False)
        port = _free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()


@pytest.fixture
def s3(s3_endpoint):
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")


@pytest.fixture
def bucket(s3) -> str:
    """A fresh bucket per test, so tests never see each other's objects."""
    name = f"pasar-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


def object_names(s3, bucket: str, prefix: str = "") -> list[str]:
    response = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for item in response.get("Contents", []))


# ---------------------------------------------------------------------------------------------
# S3Storage on its own
# ---------------------------------------------------------------------------------------------


def test_round_trip_with_prefix_and_public_url(s3, s3_endpoint, bucket):
    storage = S3Storage(bucket, endpoint_url=s3_endpoint, public_url=PUBLIC_URL + "/", prefix="/site-a/")
    key = "products/abc-320.webp"
    assert not storage.exists(key)
    storage.save(key, b"RIFF....WEBP", "image/webp")
    assert object_names(s3, bucket) == ["site-a/products/abc-320.webp"]  # under the prefix
    assert storage.exists(key)
    assert storage.read(key) == b"RIFF....WEBP"
    with storage.open(key) as handle:
        assert handle.read() == b"RIFF....WEBP"
    head = s3.head_object(Bucket=bucket, Key="site-a/products/abc-320.webp")
    assert head["ContentType"] == "image/webp"
    assert head["CacheControl"] == IMMUTABLE_CACHE_CONTROL
    assert storage.url(key) == "https://cdn.pasar.example/media/site-a/products/abc-320.webp"

    storage.save(key, b"replaced", "image/webp")
    assert storage.read(key) == b"replaced"
    storage.delete(key)
    storage.delete(key)  # deleting what is gone is fine
    assert not storage.exists(key)
    assert object_names(s3, bucket) == []
    with pytest.raises(FileNotFoundError):
        storage.read(key)
    with pytest.raises(FileNotFoundError):
        storage.open(key)


def public_read_policy(bucket: str, prefix: str = "") -> str:
    """The bucket policy the README asks for: anonymous reads of the public prefixes only."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": [f"arn:aws:s3:::{bucket}/{prefix}{public}*" for public in PUBLIC_PREFIXES],
        }],
    })  # fmt: skip


def test_default_public_url_is_path_style_on_the_endpoint_and_serves_public_objects_only(
    s3, s3_endpoint, bucket
):
    storage = S3Storage(bucket, endpoint_url=s3_endpoint)  # no region: S3 needs none
    storage.save("products/k-640.webp", b"webp bytes", "image/webp")
    storage.save("private/label-evidence/e.pdf", MINIMAL_PDF, "application/pdf")
    url = storage.url("products/k-640.webp")
    assert url == f"{s3_endpoint}/{bucket}/products/k-640.webp"
    assert requests.get(url, timeout=10).status_code == 403  # objects are private by default
    s3.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
    response = requests.get(url, timeout=10)
    assert response.status_code == 200 and response.content == b"webp bytes"
    assert response.headers["Content-Type"] == "image/webp"
    assert response.headers["Cache-Control"] == IMMUTABLE_CACHE_CONTROL
    # Evidence stays unreachable without credentials, even by its exact name.
    private = requests.get(storage.url("private/label-evidence/e.pdf"), timeout=10)
    assert private.status_code == 403 and MINIMAL_PDF not in private.content


def test_default_public_url_on_aws():
    class NoClient:  # never called: only the URL is computed
        pass

    assert S3Storage("pasar", client=NoClient()).url("products/k.webp") == (
        "https://pasar.s3.amazonaws.com/products/k.webp"
    )
    assert S3Storage("pasar", region="ap-southeast-3", client=NoClient()).url("products/k.webp") == (
        "https://pasar.s3.ap-southeast-3.amazonaws.com/products/k.webp"
    )


def test_private_objects_are_not_cacheable_publicly(s3, s3_endpoint, bucket):
    storage = S3Storage(bucket, endpoint_url=s3_endpoint, prefix=PREFIX)
    storage.save("private/label-evidence/e.pdf", MINIMAL_PDF, "application/pdf")
    head = s3.head_object(Bucket=bucket, Key="site-a/private/label-evidence/e.pdf")
    assert head["ContentType"] == "application/pdf"
    assert "public" not in head["CacheControl"] and "no-store" in head["CacheControl"]


@pytest.mark.parametrize(
    "key",
    ["../secret", "products/../../secret", "/etc/passwd", "products/./x", "", "products//x", "a\\..\\b",
     "products/x\x00.webp", ".hidden", "products/", "ä.webp"],
)  # fmt: skip
def test_unsafe_names_are_refused_before_reaching_the_bucket(s3, s3_endpoint, bucket, key):
    storage = S3Storage(bucket, endpoint_url=s3_endpoint, prefix=PREFIX)
    for call in (
        lambda: storage.save(key, b"x", "image/webp"),
        lambda: storage.read(key),
        lambda: storage.exists(key),
        lambda: storage.delete(key),
        lambda: storage.url(key),
    ):
        with pytest.raises(InvalidKey):
            call()
    assert object_names(s3, bucket) == []


@pytest.mark.parametrize("prefix", ["../up", "a b", "site//a", "./x", "ä"])
def test_unsafe_prefix_is_refused(s3_endpoint, prefix):
    with pytest.raises(InvalidKey):
        S3Storage("pasar", endpoint_url=s3_endpoint, prefix=prefix)


def test_a_missing_bucket_or_dead_endpoint_is_an_os_error(s3_endpoint):
    """Callers clean up with `except OSError` (as for local disk); S3 failures must be caught there."""
    missing = S3Storage("no-such-bucket-here", endpoint_url=s3_endpoint)
    with pytest.raises(StorageError):
        missing.save("products/k-320.webp", b"x", "image/webp")
    with pytest.raises(OSError):
        missing.delete("products/k-320.webp")
    dead_endpoint = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    client = boto3.client(
        "s3", endpoint_url=dead_endpoint, region_name="us-east-1", config=Config(retries={"max_attempts": 1})
    )
    dead = S3Storage("pasar", endpoint_url=dead_endpoint, client=client)
    for call in (lambda: dead.read("products/k.webp"), lambda: dead.exists("products/k.webp")):
        with pytest.raises(OSError):
            call()


def test_get_storage_builds_s3_from_config(s3_endpoint, bucket):
    from flask import Flask

    app = Flask(__name__)
    app.config.update(
        MEDIA_ROOT="/nonexistent", MEDIA_S3_BUCKET=bucket, MEDIA_S3_ENDPOINT_URL=s3_endpoint,
        MEDIA_S3_PUBLIC_URL=PUBLIC_URL, MEDIA_S3_PREFIX=PREFIX,
    )  # fmt: skip
    storage = get_storage(app)
    assert isinstance(storage, S3Storage)
    assert get_storage(app) is storage  # one client per app and settings
    storage.save("products/k-320.webp", b"x", "image/webp")
    assert storage.url("products/k-320.webp") == f"{PUBLIC_URL}/{PREFIX}/products/k-320.webp"
    assert public_media_origin(app) == "https://cdn.pasar.example"
    app.config["MEDIA_S3_PREFIX"] = "site-b"
    assert get_storage(app) is not storage
    assert not get_storage(app).exists("products/k-320.webp")
    app.config["MEDIA_S3_PUBLIC_URL"] = None
    assert public_media_origin(app) == s3_endpoint  # path style on the endpoint
    app.config["MEDIA_S3_PUBLIC_URL"] = "/cdn/"
    assert public_media_origin(app) is None  # the app's own host: 'self' covers it
    app.config["MEDIA_S3_BUCKET"] = None
    assert public_media_origin(app) is None  # local disk, served at /media/


# ---------------------------------------------------------------------------------------------
# The app on S3: photos and label evidence, end to end
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def app_overrides(media_root, s3_endpoint, bucket):
    return {
        "MEDIA_ROOT": str(media_root),
        "MEDIA_S3_BUCKET": bucket,
        "MEDIA_S3_ENDPOINT_URL": s3_endpoint,
        "MEDIA_S3_PUBLIC_URL": PUBLIC_URL,
        "MEDIA_S3_PREFIX": PREFIX,
    }


@pytest.fixture
def shop(session):
    village = make_village(session)
    owner = make_user(session, email="ani@example.test", name="Ani")
    seller = make_seller(session, user_id=owner.id, village=village, name="Dapur Ani")
    product = make_product(
        session,
        seller=seller,
        cluster=make_cluster(session),
        status=ProductStatus.PENDING_REVIEW,
        published_at=None,
    )
    other = make_user(session, email="budi@example.test")
    make_seller(session, user_id=other.id, village=village, name="Kopi Budi")
    curator = make_user(session, email="curator@example.test", is_curator=True)
    halal = make_label_type(session, code="halal", name_en="Halal", issuer="BPJPH", requires_certificate=True)
    session.commit()
    return {"owner": owner, "other": other, "curator": curator, "product": product, "halal": halal}


def upload_photo(client, product_id: int, width: int = 900):
    return client.post(
        f"/seller/products/{product_id}/photos",
        data={"photo": (io.BytesIO(samples.jpeg(width, 600)), "foto.jpg")},
        content_type="multipart/form-data",
    )


def test_photo_upload_lands_in_the_bucket_and_pages_use_the_public_url(
    app, session, shop, s3, s3_endpoint, bucket, media_root
):
    assert isinstance(get_storage(app), S3Storage)
    client = log_in(app.test_client(), shop["owner"].email)
    product_id = shop["product"].id
    response = upload_photo(client, product_id)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    session.expire_all()
    (image,) = session.scalars(sa.select(ProductImage).where(ProductImage.product_id == product_id))
    expected = [f"{PREFIX}/products/{image.storage_key}-{w}.webp" for w in (320, 640, 900)]
    assert object_names(s3, bucket) == sorted(expected)
    for name in expected:
        body = s3.get_object(Bucket=bucket, Key=name)["Body"].read()
        assert body[:4] == b"RIFF" and body[8:12] == b"WEBP"
    assert samples.stored_files(media_root) == []  # nothing on local disk
    # With the README's bucket policy, anyone can fetch the renditions (the CDN's origin).
    s3.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket, f"{PREFIX}/"))
    fetched = requests.get(f"{s3_endpoint}/{bucket}/{expected[0]}", timeout=10)
    assert fetched.status_code == 200 and fetched.content[8:12] == b"WEBP"

    page = client.get(f"/seller/products/{product_id}").get_data(as_text=True)
    assert f'src="{PUBLIC_URL}/{PREFIX}/products/{image.storage_key}-' in page
    assert f"{PUBLIC_URL}/{PREFIX}/products/{image.storage_key}-320.webp 320w" in page
    assert "/media/products/" not in page
    # The app's own /media/ route serves nothing when the bucket holds the files.
    assert client.get(f"/media/products/{image.storage_key}-320.webp").status_code == 404

    client.post(f"/seller/products/{product_id}/photos/i{image.id}/delete")
    assert object_names(s3, bucket) == []


def test_public_product_page_and_api_use_the_bucket_urls(app, session, shop, s3, bucket, client):
    product = make_product(session, seller=shop["product"].seller, title_en="Rattan basket")
    image = store_product_image(session, get_storage(app), product=product, data=samples.jpeg(700, 500))
    session.commit()
    base = f"{PUBLIC_URL}/{PREFIX}/products/{image.storage_key}"
    assert object_names(s3, bucket) == sorted(
        f"{PREFIX}/products/{image.storage_key}-{w}.webp" for w in (320, 640, 700)
    )

    page = client.get(f"/products/{product.id}", follow_redirects=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'src="{base}-' in html and f"{base}-700.webp 700w" in html
    assert f'<meta property="og:image" content="{base}-' in html  # absolute already: kept as is
    assert "/media/products/" not in html

    api = client.get(f"/api/v1/products/{product.id}").get_data(as_text=True)
    assert f'"{base}-700.webp"' in api and "/media/products/" not in api


def test_bucket_failures_leave_the_database_consistent(app, session, shop, s3, bucket, media_root):
    client = log_in(app.test_client(), shop["owner"].email)
    product_id = shop["product"].id
    assert upload_photo(client, product_id).status_code == 303
    session.expire_all()
    (image,) = session.scalars(sa.select(ProductImage))
    # The bucket disappears (misconfiguration, outage): deletes fail with NoSuchBucket.
    for name in object_names(s3, bucket):
        s3.delete_object(Bucket=bucket, Key=name)
    s3.delete_bucket(Bucket=bucket)

    # Deleting a photo still works: the files are removed after the commit, failures there are
    # harmless orphans (callers catch OSError; S3 errors are StorageError, an OSError).
    response = client.post(f"/seller/products/{product_id}/photos/i{image.id}/delete")
    assert response.status_code == 303
    session.expire_all()
    assert session.scalars(sa.select(ProductImage)).all() == []

    # Uploading fails as a server error page, and no row points at a file that was never stored.
    assert upload_photo(client, product_id).status_code == 500
    session.expire_all()
    assert session.scalars(sa.select(ProductImage)).all() == []
    assert samples.stored_files(media_root) == []


def test_content_security_policy_allows_images_from_the_public_url(app, client):
    policy = client.get("/").headers["Content-Security-Policy"]
    img_src = next(part for part in policy.split(";") if part.strip().startswith("img-src"))
    assert "https://cdn.pasar.example" in img_src


def test_label_evidence_is_private_in_the_bucket_and_downloaded_only_through_the_app(
    app, session, shop, s3, bucket, media_root
):
    owner = log_in(app.test_client(), shop["owner"].email)
    response = post_request(
        owner, shop["product"].id, label_type_id=shop["halal"].id, certificate_number="ID3511000041234",
        valid_until=(market_today() + timedelta(days=200)).isoformat(), issuer="",
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 303, html[html.find("<main") :][:3000]
    session.expire_all()
    (label,) = session.scalars(sa.select(ProductLabel))
    assert label.status == LabelStatus.REQUESTED
    assert label.evidence_key.startswith("private/label-evidence/")
    name = f"{PREFIX}/{label.evidence_key}"
    assert object_names(s3, bucket) == [name]
    stored = s3.get_object(Bucket=bucket, Key=name)
    assert stored["Body"].read() == MINIMAL_PDF
    assert "public" not in stored["CacheControl"]
    assert samples.stored_files(media_root) == []

    # Downloaded through the access-checked routes, from the bucket.
    download = owner.get(f"/seller/labels/{label.id}/evidence")
    assert download.status_code == 200 and download.data == MINIMAL_PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    curator = log_in(app.test_client(), shop["curator"].email)
    assert curator.get(f"/curator/labels/{label.id}/evidence").data == MINIMAL_PDF
    other = log_in(app.test_client(), shop["other"].email)
    assert other.get(f"/seller/labels/{label.id}/evidence").status_code == 404
    assert app.test_client().get(f"/seller/labels/{label.id}/evidence").status_code == 302

    # Pages link to the app's route, never to the bucket.
    for client, path in ((owner, "/seller/labels"), (curator, "/curator/labels")):
        page = client.get(path).get_data(as_text=True)
        assert f"/labels/{label.id}/evidence" in page
        assert PUBLIC_URL not in page and label.evidence_key not in page
    assert app.test_client().get("/media/" + label.evidence_key).status_code == 404

    # A file gone from the bucket is a 404, not a 500.
    s3.delete_object(Bucket=bucket, Key=name)
    assert owner.get(f"/seller/labels/{label.id}/evidence").status_code == 404
