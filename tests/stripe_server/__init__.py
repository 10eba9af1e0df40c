"""A local Stripe-compatible server for tests: localstripe plus Checkout Sessions and idempotency.

`start_stripe_server()` runs it in a background thread; `python -m tests.stripe_server` runs it
in the foreground (prints STRIPE_API_BASE and the API key it accepts).
"""

from tests.stripe_server.server import API_KEY, WEBHOOK_SECRET, StripeHarness, start_stripe_server

__all__ = ["API_KEY", "WEBHOOK_SECRET", "StripeHarness", "start_stripe_server"]
