"""`python -m marketplace.payments.local_stripe --port 8420`: run the harness in the foreground."""

from marketplace.payments.local_stripe.server import main

main()
