"""Static files through WhiteNoise: versioned, pre-compressed copies cached for a year.

`flask --app wsgi assets build` (run by `make setup`) copies every file under static/ to
static/dist/ as `name.<12 hex of its SHA-256>.ext`, writes gzip and brotli siblings, and records
`{"css/site.css": "dist/css/site.0123456789ab.css"}` in static/dist/manifest.json.

At app creation the manifest is read once; `url_for('static', filename='css/site.css')` then
returns the versioned URL (a `url_defaults` hook swaps the filename), so templates need no change.
Versioned names are served with `Cache-Control: max-age=31536000, public, immutable`; plain names
keep a short cache. Without a build (no manifest) every URL stays plain. With `app.debug` the
manifest is ignored and WhiteNoise re-reads the disk, so edited CSS shows on reload.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

DIST_DIRNAME = "dist"
MANIFEST_NAME = "manifest.json"
HASH_LENGTH = 12
#: One year, what browsers and CDNs accept as "forever" for a file whose name changes with its content.
IMMUTABLE_MAX_AGE = 365 * 24 * 3600
#: Plain (unversioned) URLs: short, so a deploy is picked up soon.
PLAIN_MAX_AGE = 300

_VERSIONED_URL = re.compile(rf"/{DIST_DIRNAME}/.+\.[0-9a-f]{{{HASH_LENGTH}}}(\.[A-Za-z0-9]+)?$")


class VersionedWhiteNoise(WhiteNoise):
    """WhiteNoise with a one-year (not ten-year) immutable lifetime for versioned names."""

    FOREVER = IMMUTABLE_MAX_AGE


def is_versioned_url(path: str, url: str) -> bool:
    """True for /static/dist/…/name.<hash>.ext — the only URLs whose content never changes."""
    return bool(_VERSIONED_URL.search(url))


def versioned_name(relative_path: str, content: bytes) -> str:
    """`css/site.css` + content → `css/site.<hash>.css`."""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    directory, _, filename = relative_path.rpartition("/")
    stem, dot, ext = filename.rpartition(".")
    hashed = f"{stem}.{digest}.{ext}" if dot and stem else f"{filename}.{digest}"
    return f"{directory}/{hashed}" if directory else hashed


def build(static_root: str | os.PathLike, *, log=None) -> dict[str, str]:
    """Write versioned, compressed copies of static_root's files into static_root/dist.

    Returns the manifest (source path → path under static_root). Older versioned files are kept so
    pages rendered by processes still running the previous build keep working until they restart.
    """
    root = Path(static_root)
    dist = root / DIST_DIRNAME
    dist.mkdir(parents=True, exist_ok=True)
    compressor = Compressor(quiet=True)
    manifest: dict[str, str] = {}
    for source in sorted(root.rglob("*")):
        if not source.is_file() or dist in source.parents:
            continue
        relative = source.relative_to(root).as_posix()
        if relative.endswith((".gz", ".br")) or relative.startswith("."):
            continue
        content = source.read_bytes()
        target_relative = f"{DIST_DIRNAME}/{versioned_name(relative, content)}"
        target = root / target_relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            # Per process: two builds at once (a test beside `make run`) never share a temporary file.
            tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        if compressor.should_compress(target.name) and not (target.with_name(target.name + ".gz").exists()):
            compressor.compress(str(target))
        manifest[relative] = target_relative
        if log:
            log(f"{relative} -> {target_relative}")
    tmp_manifest = dist / f"{MANIFEST_NAME}.{os.getpid()}.tmp"
    tmp_manifest.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp_manifest, dist / MANIFEST_NAME)
    return manifest


def load_manifest(static_root: str | os.PathLike) -> dict[str, str]:
    """The build's manifest, or {} when nobody ran `assets build` (plain URLs then)."""
    path = Path(static_root) / DIST_DIRNAME / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        current_app.logger.warning("ignoring unreadable asset manifest %s: %s", path, error)
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def static_root(app: Flask) -> str:
    """Where static files live; tests point `STATIC_ROOT` at a temporary directory."""
    return str(app.config.get("STATIC_ROOT") or app.static_folder)


def init_app(app: Flask) -> None:
    root = static_root(app)
    with app.app_context():
        manifest = {} if app.debug else load_manifest(root)
    app.extensions["asset_manifest"] = manifest

    if os.path.isdir(root):
        app.wsgi_app = VersionedWhiteNoise(
            app.wsgi_app,
            root=root,
            prefix="static/",
            max_age=0 if app.debug else PLAIN_MAX_AGE,
            autorefresh=app.debug,
            immutable_file_test=is_versioned_url,
        )

    if manifest:

        @app.url_defaults
        def versioned_static(endpoint: str, values: dict) -> None:
            # url_for('static', filename=X) → the built copy of X, when the build has one.
            if endpoint == "static":
                filename = values.get("filename")
                if filename in manifest:
                    values["filename"] = manifest[filename]


@click.group("assets", cls=AppGroup)
def assets_cli():
    """Static files."""


@assets_cli.command("build")
def build_assets():
    """Write versioned, pre-compressed copies of static files into static/dist/."""
    manifest = build(static_root(current_app))
    click.echo(f"built {len(manifest)} static file(s) into {Path(static_root(current_app)) / DIST_DIRNAME}")
