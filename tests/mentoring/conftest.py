"""Mentoring tests reuse the monitoring world (villages, sellers, a curator, a buyer, a seller)."""

from tests.monitoring.conftest import app, world  # noqa: F401  (fixtures)
