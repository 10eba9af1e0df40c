"""Pasar Desa: an online marketplace for village products."""

from __future__ import annotations

import gc

from flask import Flask

from marketplace.application import MarketplaceFlask
from marketplace.config import REPO_ROOT, load_config


def create_app(overrides: dict | None = None) -> Flask:
    """Build the WSGI app. `overrides` wins over the environment (tests pass their database here)."""
    # Building the app imports the domains and maps the models: ~300,000 objects that live as long
    # as the process. Automatic collections during the build walk them again and again and free
    # next to nothing: about 15% of a worker's or a command's start.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build_app(overrides)
    finally:
        if collecting:
            gc.enable()


def _build_app(overrides: dict | None) -> Flask:
    app = MarketplaceFlask(
        __name__,
        instance_path=str(REPO_ROOT / "instance"),
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
    )
    app.config.update(load_config(instance_path=app.instance_path))
    if overrides:
        app.config.update(overrides)

    from marketplace import web

    web.register_extensions(app)
    web.register_templates(app)
    web.register_blueprints(app)
    web.register_errorhandlers(app)
    web.register_request_hooks(app)
    web.register_commands(app)
    web.register_static(app)
    web.register_proxy(app)
    return app
