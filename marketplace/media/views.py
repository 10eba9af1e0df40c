"""Serves local-disk media at /media/ (with S3 storage, images come from the bucket's URL instead)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file

from marketplace.media.storage import (
    IMMUTABLE_CACHE_CONTROL,
    InvalidKey,
    LocalStorage,
    get_storage,
    is_public_key,
)

bp = Blueprint("media", __name__)

#: Only images are served; anything else in the media root (evidence files…) stays private.
SERVED_TYPES = {".webp": "image/webp", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


@bp.get("/media/<path:name>")
def serve(name: str):
    storage = get_storage(current_app)
    if not isinstance(storage, LocalStorage) or not is_public_key(name):
        abort(404)
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    mimetype = SERVED_TYPES.get(suffix)
    if mimetype is None:
        abort(404)
    try:
        path = storage.path(name)
    except InvalidKey:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=mimetype, conditional=True, etag=True, max_age=31536000)
    # Names are random and never reused, so the file at a URL never changes.
    response.headers["Cache-Control"] = IMMUTABLE_CACHE_CONTROL
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
