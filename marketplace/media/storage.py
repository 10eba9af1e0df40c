"""Where media bytes live: local disk by default, S3-compatible object storage when configured.

Object names ("keys") are slash-separated relative names such as `products/<random>-640.webp`.
Only names under PUBLIC_PREFIXES are ever served to the public; anything private (label
evidence, for example) must be stored under another prefix such as `private/`.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path
from typing import IO, Protocol
from urllib.parse import urlsplit

from flask import Flask

#: Prefixes of object names that may be served publicly (by /media/ or the bucket's public URL).
PUBLIC_PREFIXES = ("products/", "public/")

#: Files have random, never-reused names, so caches may keep them forever.
IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"
#: Private objects (label evidence…) must never sit in a shared cache (CDN, proxy).
PRIVATE_CACHE_CONTROL = "private, no-store"

_KEY_PART = r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}"
_KEY_RE = re.compile(rf"^{_KEY_PART}(?:/{_KEY_PART})*$")


class InvalidKey(ValueError):
    """An object name that could escape the storage root or is not a plain relative name."""


class StorageError(OSError):
    """The object store failed (unreachable, access denied, no such bucket…).

    An OSError, as local-disk failures are, so callers' `except OSError` clean-up works for
    every backend.
    """


def check_key(key: str) -> str:
    """Return `key` if it is a safe relative object name; raise InvalidKey otherwise."""
    # Each part starts with a letter, digit, "_" or "-", so "." and ".." can never appear.
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        raise InvalidKey(f"invalid media key {key!r}")
    return key


def is_public_key(key: str) -> bool:
    return key.startswith(PUBLIC_PREFIXES)


class MediaStorage(Protocol):
    """The small interface every media backend offers."""

    def save(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing what was there."""

    def open(self, key: str) -> IO[bytes]:
        """A readable binary file for `key`; raises FileNotFoundError when missing."""

    def read(self, key: str) -> bytes:
        """The bytes stored under `key`; raises FileNotFoundError when missing."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove `key`; a missing key is not an error."""

    def url(self, key: str) -> str:
        """The public URL of `key` (meaningful for PUBLIC_PREFIXES names only)."""


class LocalStorage:
    """Files under a directory (config MEDIA_ROOT), served by the app at MEDIA_URL (/media/)."""

    def __init__(self, root: str | os.PathLike[str], base_url: str = "/media/"):
        self.root = Path(root).resolve()
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"

    def path(self, key: str) -> Path:
        """The file path for `key`, guaranteed to lie inside the root."""
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise InvalidKey(f"invalid media key {key!r}")
        return path

    def save(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename, so a reader never sees half a file.
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> IO[bytes]:
        return self.path(key).open("rb")

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def url(self, key: str) -> str:
        return self.base_url + check_key(key)


class S3Storage:
    """An S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, Wasabi…), shared by every app server.

    Credentials come from boto3's usual sources (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
    instance roles…). boto3 is imported only when this backend is configured, so it is not a
    dependency of the default install: `pip install boto3` where S3 is used.
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        public_url: str | None = None,
        prefix: str = "",
        client=None,
    ):
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        prefix = (prefix or "").strip("/")
        # The prefix becomes part of every object name and URL: it must be as safe as a key.
        self.prefix = check_key(prefix) + "/" if prefix else ""
        if public_url:
            self.public_url = public_url.rstrip("/") + "/"
        elif endpoint_url:
            # Path-style addressing works on every S3-compatible service.
            self.public_url = f"{endpoint_url.rstrip('/')}/{bucket}/"
        elif region:
            self.public_url = f"https://{bucket}.s3.{region}.amazonaws.com/"
        else:
            self.public_url = f"https://{bucket}.s3.amazonaws.com/"
        if client is None:
            import boto3  # only needed when S3 storage is configured

            client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None)
        self.client = client

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    @staticmethod
    def _is_missing(error) -> bool:
        # Only "no such key": a missing bucket (NoSuchBucket) is a misconfiguration, not a
        # missing file. (Without s3:ListBucket permission AWS answers 403 for a missing key.)
        code = str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))
        return code in {"404", "NoSuchKey", "NotFound"}

    def _call(self, operation: str, key: str, **params):
        """Call the client; botocore's errors become FileNotFoundError or StorageError (OSError)."""
        from botocore.exceptions import BotoCoreError, ClientError

        name = self._name(key)
        try:
            return getattr(self.client, operation)(Bucket=self.bucket, Key=name, **params)
        except ClientError as error:
            if operation != "delete_object" and self._is_missing(error):
                raise FileNotFoundError(key) from error
            raise StorageError(f"{operation} {self.bucket}/{name}: {error}") from error
        except BotoCoreError as error:  # unreachable endpoint, no credentials, timeouts…
            raise StorageError(f"{operation} {self.bucket}/{name}: {error}") from error

    def save(self, key: str, data: bytes, content_type: str) -> None:
        self._call(
            "put_object",
            key,
            Body=data,
            ContentType=content_type,
            CacheControl=IMMUTABLE_CACHE_CONTROL if is_public_key(key) else PRIVATE_CACHE_CONTROL,
        )

    def open(self, key: str) -> IO[bytes]:
        return io.BytesIO(self.read(key))

    def read(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError

        response = self._call("get_object", key)
        try:
            return response["Body"].read()
        except (BotoCoreError, OSError) as error:  # the connection broke while reading the body
            raise StorageError(f"get_object {self.bucket}/{self._name(key)}: {error}") from error

    def exists(self, key: str) -> bool:
        try:
            self._call("head_object", key)
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        # S3 deletes are idempotent: a missing key is not an error.
        self._call("delete_object", key)

    def url(self, key: str) -> str:
        return self.public_url + self._name(key)


_EXTENSION_KEY = "marketplace.media"


def _setting(app: Flask, name: str) -> str | None:
    # Every MEDIA_S3_* setting is read from the environment by marketplace/config.py.
    return app.config.get(name) or None


def get_storage(app: Flask) -> MediaStorage:
    """The configured backend: S3Storage when MEDIA_S3_BUCKET is set, else LocalStorage(MEDIA_ROOT).

    Settings: MEDIA_S3_BUCKET, MEDIA_S3_ENDPOINT_URL, MEDIA_S3_REGION, MEDIA_S3_PUBLIC_URL,
    MEDIA_S3_PREFIX; or MEDIA_ROOT and MEDIA_URL for local disk. The backend is built once per
    app and settings (kept in app.extensions), since pages ask for it for every image URL.
    """
    bucket = _setting(app, "MEDIA_S3_BUCKET")
    if bucket:
        settings: tuple = (
            "s3",
            bucket,
            _setting(app, "MEDIA_S3_ENDPOINT_URL"),
            _setting(app, "MEDIA_S3_REGION"),
            _setting(app, "MEDIA_S3_PUBLIC_URL"),
            _setting(app, "MEDIA_S3_PREFIX") or "",
        )
    else:
        settings = ("local", app.config["MEDIA_ROOT"], app.config.get("MEDIA_URL") or "/media/")
    cached = app.extensions.get(_EXTENSION_KEY)
    if cached is not None and cached[0] == settings:
        return cached[1]
    if settings[0] == "s3":
        _, bucket, endpoint_url, region, public_url, prefix = settings
        storage: MediaStorage = S3Storage(
            bucket, endpoint_url=endpoint_url, region=region, public_url=public_url, prefix=prefix
        )
    else:
        storage = LocalStorage(settings[1], settings[2])
    app.extensions[_EXTENSION_KEY] = (settings, storage)
    return storage


def public_media_origin(app: Flask) -> str | None:
    """The origin (`scheme://host[:port]`) pages load media from when it is not the app itself.

    For the Content-Security-Policy: `img-src` must list it, or browsers refuse the bucket's
    images. None with local storage (or a public URL on the app's own host, such as `/cdn/`).
    """
    storage = get_storage(app)
    if not isinstance(storage, S3Storage):
        return None
    parts = urlsplit(storage.public_url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"
