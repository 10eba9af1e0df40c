"""Audit tests reuse the seller dashboard's world and the facilitator fixtures."""

from tests.facilitator import conftest as facilitator_fixtures
from tests.seller.conftest import log_in  # noqa: F401  (re-exported for the tests here)

app = facilitator_fixtures.app
app_overrides = facilitator_fixtures.app_overrides
media_root = facilitator_fixtures.media_root
world = facilitator_fixtures.world
facilitators = facilitator_fixtures.facilitators
