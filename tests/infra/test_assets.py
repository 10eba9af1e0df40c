"""Static files: versioned build, far-future caching, compression, plain fallback without a build."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from flask import render_template_string, url_for

from marketplace import assets, create_app

CSS = "".join(f".rule-{n} {{ margin: {n}px; padding: {n}px; color: #123456; }}\n" for n in range(200))


@pytest.fixture
def static_dir(tmp_path):
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "css" / "site.css").write_text(CSS, encoding="utf-8")
    (root / "img").mkdir()
    (root / "img" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    return root


def _app(static_dir, tmp_path, **extra):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.db'}",
            "STATIC_ROOT": str(static_dir),
            **extra,
        }
    )


def test_build_writes_hashed_compressed_copies_and_manifest(static_dir):
    manifest = assets.build(static_dir)

    hashed = manifest["css/site.css"]
    assert re.fullmatch(r"dist/css/site\.[0-9a-f]{12}\.css", hashed)
    assert (static_dir / hashed).read_text(encoding="utf-8") == CSS
    assert gzip.decompress((static_dir / (hashed + ".gz")).read_bytes()).decode() == CSS
    # Already-compressed formats are copied, not compressed again.
    assert re.fullmatch(r"dist/img/logo\.[0-9a-f]{12}\.png", manifest["img/logo.png"])
    assert not (static_dir / (manifest["img/logo.png"] + ".gz")).exists()
    on_disk = json.loads((static_dir / "dist" / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest


def test_hash_follows_content_and_old_versions_stay(static_dir):
    first = assets.build(static_dir)["css/site.css"]
    assert assets.build(static_dir)["css/site.css"] == first
    (static_dir / "css" / "site.css").write_text(CSS + "body { color: black; }\n", encoding="utf-8")
    second = assets.build(static_dir)["css/site.css"]
    assert second != first
    assert (static_dir / first).exists() and (static_dir / second).exists()


def test_cli_command_builds(tmp_path, static_dir):
    app = _app(static_dir, tmp_path)
    result = app.test_cli_runner().invoke(args=["assets", "build"])
    assert result.exit_code == 0, result.output
    assert (static_dir / "dist" / "manifest.json").exists()


def test_url_for_static_points_at_versioned_file(static_dir, tmp_path):
    manifest = assets.build(static_dir)
    app = _app(static_dir, tmp_path)
    with app.test_request_context():
        assert url_for("static", filename="css/site.css") == f"/static/{manifest['css/site.css']}"
        html = render_template_string("{{ url_for('static', filename='css/site.css') }}")
        assert html == f"/static/{manifest['css/site.css']}"
        # A file the build does not know keeps its plain URL.
        assert url_for("static", filename="css/other.css") == "/static/css/other.css"


def test_versioned_file_is_immutable_and_gzipped(static_dir, tmp_path):
    manifest = assets.build(static_dir)
    client = _app(static_dir, tmp_path).test_client()

    with client.get(f"/static/{manifest['css/site.css']}", headers={"Accept-Encoding": "gzip"}) as response:
        body = response.data
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=31536000, public, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert gzip.decompress(body).decode() == CSS
    assert response.content_type.startswith("text/css")


def test_brotli_when_asked_and_available(static_dir, tmp_path):
    pytest.importorskip("brotli")
    manifest = assets.build(static_dir)
    client = _app(static_dir, tmp_path).test_client()
    with client.get(
        f"/static/{manifest['css/site.css']}", headers={"Accept-Encoding": "gzip, br"}
    ) as response:
        assert response.headers["Content-Encoding"] == "br"


def test_plain_file_gets_short_cache(static_dir, tmp_path):
    assets.build(static_dir)
    client = _app(static_dir, tmp_path).test_client()
    with client.get("/static/css/site.css") as response:
        assert response.status_code == 200
    assert response.headers["Cache-Control"] == f"max-age={assets.PLAIN_MAX_AGE}, public"
    assert "immutable" not in response.headers["Cache-Control"]


def test_without_build_urls_stay_plain_and_files_are_served(static_dir, tmp_path):
    app = _app(static_dir, tmp_path)
    with app.test_request_context():
        assert url_for("static", filename="css/site.css") == "/static/css/site.css"
    with app.test_client().get("/static/css/site.css") as response:
        assert response.status_code == 200
        assert response.data.decode() == CSS


def test_debug_ignores_manifest_so_edits_show(static_dir, tmp_path):
    assets.build(static_dir)
    app = _app(static_dir, tmp_path, DEBUG=True)
    with app.test_request_context():
        assert url_for("static", filename="css/site.css") == "/static/css/site.css"


def test_hashed_name_only_for_dist_urls():
    assert assets.is_versioned_url("", "/static/dist/css/site.0123456789ab.css")
    assert not assets.is_versioned_url("", "/static/css/site.0123456789ab.css")
    assert not assets.is_versioned_url("", "/static/dist/css/site.css")
