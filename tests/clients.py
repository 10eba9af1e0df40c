"""The test client every area uses: each request in its own context, as a real server runs it."""

from __future__ import annotations

import contextvars

from flask.testing import FlaskClient


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as a real server does.

    The `app` fixture keeps one app context open for the whole test; without this Flask would reuse
    it for requests, so `g` (the logged-in user, the CSRF token, the locale) and the SQLAlchemy
    session would leak from one request to the next and hide real bugs.
    """

    def open(self, *args, **kwargs):
        context = contextvars.Context()
        response = context.run(super().open, *args, **kwargs)
        if "Content-Length" not in response.headers:
            # A streamed body (stream_with_context) is made as it is read, in the request's
            # context, as a server reads it in the thread that ran the view: read it there now.
            # (Every body through the test client is an iterator, `is_streamed`; one the app made
            # whole has its length. Those are left to be read, and closed, as before.)
            body = response.response
            response.response = context.run(list, body)
            if hasattr(body, "close"):
                context.run(body.close)
        return response
