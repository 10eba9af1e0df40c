"""OrjsonResponses (marketplace/application.py): `jsonify` written by orjson says what Flask's own
JSON says. Driven on a bare app of our Flask class (no blueprints: only the JSON is under test)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import jsonify
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

from marketplace.application import MarketplaceFlask, OrjsonResponses


@dataclass
class Point:
    x: int
    label: str


VALUE = {
    "zeta": 1,
    "alpha": [1, 2.5, None, True, "Kopi Robusta, 250 g"],
    "rate": Decimal("17300.25"),
    "when": datetime(2026, 12, 7, 8, 30, tzinfo=UTC),
    "day": date(2026, 12, 7),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "point": Point(3, "batik"),
    "html": Markup("<b>Gajah Oling</b>"),
    "text": "Kain batik tulis · “Gajah Oling” €12,50",
    "nested": {"b": {"d": 1, "c": 2}, "a": []},
}


@pytest.fixture
def bare_app():
    return MarketplaceFlask(__name__)


def _flask_body(app, value) -> bytes:
    with app.app_context():
        return DefaultJSONProvider(app).response(value).get_data()


def test_orjson_writes_what_flask_writes(bare_app):
    assert isinstance(bare_app.json, OrjsonResponses)
    with bare_app.app_context():
        ours = jsonify(VALUE)
    flasks = _flask_body(bare_app, VALUE)
    assert ours.mimetype == "application/json"
    assert json.loads(ours.get_data()) == json.loads(flasks)
    # Byte for byte (sorted, compact, one final newline) but for non-ASCII: UTF-8, not escaped.
    ascii_only = {k: v for k, v in VALUE.items() if k != "text"}
    with bare_app.app_context():
        assert jsonify(ascii_only).get_data() == _flask_body(bare_app, ascii_only)
        assert jsonify({"text": "€"}).get_data() == '{"text":"€"}\n'.encode()


def test_debug_indents_and_what_orjson_refuses_goes_to_flask(bare_app):
    bare_app.debug = True
    with bare_app.app_context():
        indented = jsonify({"b": 1, "a": [1]}).get_data()
        huge = jsonify({"n": 2**70}).get_data()
    assert indented == b'{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n'
    assert json.loads(huge) == {"n": 2**70}
