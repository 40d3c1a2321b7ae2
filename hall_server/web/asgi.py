"""The ASGI application the server runs: Socket.IO on the loop, Flask beside it through a2wsgi.

    asgi = build_asgi(flask_app, {"": live}, workers=32)

Requests to ``<prefix>/socket.io/`` go to that centre's :class:`~hall_server.web.live.Live`
server (python-socketio's ``ASGIApp``); everything else goes to the WSGI app (Flask, or the
province dispatcher), which a2wsgi runs in its own bounded thread pool.

In front of both sits :class:`SessionGate`: a new Engine.IO session (a handshake without a
``sid``) is refused at once — 429 past the per-address rate, 503 past the process's ceiling —
before it costs the server anything.
"""

from __future__ import annotations

import json
import os

import socketio
from a2wsgi import WSGIMiddleware
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .live import OVERLOADED, OVERLOADED_VI, Live


def client_address(scope: dict) -> str:
    """The client's address; behind nginx (``MOTCUA_BEHIND_PROXY=1``) the one the proxy saw."""
    if os.environ.get("MOTCUA_BEHIND_PROXY") == "1":
        for name, value in scope.get("headers") or ():
            if name == b"x-forwarded-for":
                return value.decode("latin-1").split(",")[-1].strip()
    client = scope.get("client")
    return client[0] if client else "unknown"


def socket_path(prefix: str) -> str:
    return f"{prefix.rstrip('/')}/socket.io/"


class SessionGate:
    """Refuses new Engine.IO sessions past the per-address rate or the process's ceiling."""

    def __init__(self, app, lives: dict[str, Live]):
        self.app = app
        self.lives = {socket_path(prefix): live for prefix, live in lives.items()}
        self.storage = MemoryStorage()
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.rates = {path: RateLimitItemPerMinute(live.capacity.connects_per_minute)
                      for path, live in self.lives.items()}

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            path = scope["path"] if scope["path"].endswith("/") else scope["path"] + "/"
            live = self.lives.get(path)
            if live is not None and b"sid=" not in scope.get("query_string", b""):
                refusal = self._refusal(scope, path, live)
                if refusal is not None:
                    return await self._refuse(scope, receive, send, *refusal)
        return await self.app(scope, receive, send)

    def _refusal(self, scope, path: str, live: Live):
        if len(live.sio.eio.sockets) >= live.capacity.ceiling:
            return 503, OVERLOADED, OVERLOADED_VI
        key = client_address(scope)
        if not self.limiter.hit(self.rates[path], "socket-connect", key):
            return 429, "rate_limited", "too many new connections from this address; try again in a minute"
        return None

    @staticmethod
    async def _refuse(scope, receive, send, status: int, code: str, message: str):
        if scope["type"] == "websocket":
            # Closing before accepting answers the upgrade with HTTP 403; the client backs off.
            await receive()
            await send({"type": "websocket.close", "code": 1013, "reason": code})
            return
        body = json.dumps({"error": code, "message": message}, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"), (b"retry-after", b"5"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def build_asgi(wsgi_app, lives: dict[str, Live], *, workers: int = 32):
    """One ASGI app: each centre's Socket.IO under ``<prefix>/socket.io``, the WSGI app for the rest."""
    app = WSGIMiddleware(wsgi_app, workers=workers)
    for prefix, live in lives.items():
        app = socketio.ASGIApp(live.sio, other_asgi_app=app, socketio_path=socket_path(prefix).strip("/"))
    return SessionGate(app, lives)
