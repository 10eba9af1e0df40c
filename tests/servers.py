"""What the tests' in-process servers share."""

#: How often a `serve_forever` loop looks for `shutdown()`: the default, half a second, was paid
#: by every test that stops a server (a few hundred of them).
POLL_SECONDS = 0.05
