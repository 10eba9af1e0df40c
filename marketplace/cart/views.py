"""HTTP views of the cart domain."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cart", __name__)
