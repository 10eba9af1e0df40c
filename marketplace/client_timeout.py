"""A client that stops sending its request body frees its server thread (`CLIENT_IDLE_TIMEOUT_SECONDS`).

Under gunicorn's gthread worker a request holds a thread while its body arrives, however slowly: a
phone link at 250 kbit/s is fine (every read returns something), but a client that sends headers
and half a body and then nothing would hold the thread for good, and a few such clients would hold
them all. While the body is read, the connection's socket gets a timeout per read; a read that
waits longer ends the request (Werkzeug: ClientDisconnected, a 400 page) and frees the thread.
Once the app starts its response the timeout is lifted: a slow download is the proxy's concern,
and a total-duration send timeout would cut off large responses to slow readers.

Only under gunicorn (it puts the socket in `environ["gunicorn.socket"]`); behind nginx, which
buffers request bodies, no read ever waits.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable

SOCKET_KEY = "gunicorn.socket"


class ClientIdleTimeout:
    def __init__(self, wsgi_app: Callable, seconds: float | None):
        self.wsgi_app = wsgi_app
        self.seconds = seconds

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        sock = environ.get(SOCKET_KEY)
        if not self.seconds or not isinstance(sock, socket.socket):
            return self.wsgi_app(environ, start_response)
        _set_timeout(sock, self.seconds)

        def respond(status, headers, exc_info=None):
            _set_timeout(sock, None)  # reading is over: no limit on writing the answer
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return self.wsgi_app(environ, respond)


def _set_timeout(sock: socket.socket, seconds: float | None) -> None:
    try:
        sock.settimeout(seconds)
    except OSError:  # the client is already gone: the read or write that follows will say so
        pass
