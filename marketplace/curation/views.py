"""HTTP views of the curation domain: the console's overview (bank transfers: transfer_views.py).

Other domains add their own curator pages under /curator/ (labels, monitoring, payouts…); they
extend templates/curation/_layout.html, which shows the console menu with the waiting counts.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from marketplace.accounts.access import curator_required
from marketplace.curation.console import console_menu
from marketplace.extensions import db

bp = Blueprint("curation", __name__, url_prefix="/curator")


@bp.app_context_processor
def curator_console():
    # Only curator pages pay for the counts query; everything else gets no menu.
    if request.path.startswith("/curator") and getattr(current_user, "is_curator", False):
        return {"curator_menu": console_menu(db.session)}
    return {"curator_menu": None}


@bp.get("/")
@curator_required
def overview():
    return render_template("curation/overview.html")


# Register their routes on bp.
from marketplace.curation import (  # noqa: E402,F401
    featured_views,
    late_views,
    profile_views,
    queue_views,
    transfer_views,
)
