"""Every page names the site's icon, and /favicon.ico (asked for by browsers anyway) finds it."""

from __future__ import annotations

import io

from PIL import Image


def test_pages_name_the_icon_and_favicon_ico_leads_to_it(client, app):
    html = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in html and 'rel="apple-touch-icon"' in html

    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response.headers["Location"])
    try:
        assert icon.status_code == 200
        with Image.open(io.BytesIO(icon.get_data())) as image:
            assert image.format == "ICO"
    finally:
        icon.close()  # a static file is streamed from disk
