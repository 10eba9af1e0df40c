"""Pasar Desa: an online marketplace for village products."""

from __future__ import annotations

from flask import Flask

from marketplace.config import REPO_ROOT, load_config


def create_app(overrides: dict | None = None) -> Flask:
    """Build the WSGI app. `overrides` wins over the environment (tests pass their database here)."""
    app = Flask(
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
