"""`python -m tests.stripe_server --port 8420`: run the harness in the foreground."""

from tests.stripe_server.server import main

main()
