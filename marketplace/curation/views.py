"""HTTP views of the curation domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("curation", __name__, url_prefix="/curator")
