"""A local Stripe-compatible server for tests and the demo: localstripe plus Checkout Sessions
(with a test-mode payment page a person can use) and idempotency.

`start_stripe_server()` runs it in a background thread; `python -m marketplace.payments.local_stripe` runs it
in the foreground (prints STRIPE_API_BASE and the API key it accepts).
"""

from marketplace.payments.local_stripe.server import (
    API_KEY,
    WEBHOOK_SECRET,
    StripeHarness,
    start_stripe_server,
)

__all__ = ["API_KEY", "WEBHOOK_SECRET", "StripeHarness", "start_stripe_server"]
