"""The web shell: a Flask app factory with REST, Socket.IO and pages.

    >>> app = create_app(load_hall("config/demo_hall.toml"), "sqlite:///data/hall.db")
    >>> live = app.extensions["motcua"].live   # its Socket.IO server, served by hall_server/web/asgi.py

Business rules live in the engine; this package only turns requests into commands and
events into broadcasts.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask, jsonify, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import OperationalError

from ..engine.errors import MotCuaError
from ..service import HallService
from ..store import Store
from .auth import login_manager
from .devices import DeviceBoard

log = logging.getLogger(__name__)


class MotCua:
    """Per-app state: the hall service and the socket bookkeeping."""

    def __init__(self, config, store: Store, service: HallService):
        self.config = config
        self.store = store
        self.service = service
        self.notice = ""
        self.socket_actors: dict = {}
        self.socket_tracks: dict = {}
        self.socket_addresses: dict[str, str] = {}
        self.trackers: dict[str, int] = {}
        self.device_sockets: dict[str, int] = {}
        self.devices = DeviceBoard(config)
        self.live = None  # the Socket.IO server (hall_server/web/live.py)


def _secret_key(app: Flask) -> str:
    if os.environ.get("MOTCUA_SECRET_KEY"):
        return os.environ["MOTCUA_SECRET_KEY"]
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


OPTIONAL_BLUEPRINTS = ("announce", "supervisor", "citizen")


def _optional_blueprints():
    """Blueprints of features that live in their own modules (hall_server/web/<name>.py: ``bp``)."""
    import importlib

    for name in OPTIONAL_BLUEPRINTS:
        module = f"{__name__}.{name}"
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        if getattr(mod, "bp", None) is not None:
            yield mod.bp


def _estimator(config):
    """Wait estimates that know which counters serve which fields (hall_server/queueing/estimator.py),
    learning each field's service time from the day as it goes (docs/simulation.md); None (the
    naive rule) for a hall whose fields the profile cannot map."""
    from ..queueing.estimator import ReplayEstimator, ServiceTimes
    from ..queueing.profile import SMALL_HALL

    try:
        return ReplayEstimator(ServiceTimes.from_profile(SMALL_HALL.for_fields(config.fields)))
    except Exception:
        log.warning("replay estimator unavailable for this hall; using the naive wait estimate", exc_info=True)
        return None


def create_app(config, db_url: str, *, clock=None, message_queue: str | None = None,
               secret_key: str | None = None, rate_limit: str = "20/minute", store: Store | None = None,
               mount: str = "", capacity=None, live_workers: int = 16) -> Flask:
    """Build the hall server app for one centre.

    ``mount`` is the URL prefix when several centres share one server (``/c/<centre id>``):
    the centre's session cookie is then limited to that path and signed with a key of its own.
    """
    app = Flask(__name__, instance_path=os.environ.get("MOTCUA_INSTANCE", str(Path("instance").resolve())))
    key = secret_key or _secret_key(app)
    if mount:
        import hashlib
        import hmac as _hmac

        key = _hmac.new(key.encode(), f"centre:{config.id}".encode(), hashlib.sha256).hexdigest()
        app.config.update(SESSION_COOKIE_PATH=mount + "/", SESSION_COOKIE_NAME=f"motcua_{config.id}")
    app.config.update(
        SECRET_KEY=key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.json.ensure_ascii = False
    if os.environ.get("MOTCUA_BEHIND_PROXY") == "1":
        # Behind nginx: take the client's address (rate limits) and scheme from one proxy hop.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    store = store or Store(db_url)
    kwargs = {"clock": clock} if clock else {}
    estimator = _estimator(config)
    # Several processes on one database (shared): reads catch up with what the others wrote.
    service = HallService(config, store, shared=bool(message_queue) or not db_url.startswith("sqlite"),
                          estimator=estimator, **kwargs)
    if estimator is not None:
        with service.read() as hall:
            estimator.learn_from_hall(hall)  # today's finished tickets, after a restart
        service.listeners.append(estimator.listener)
    ext = MotCua(config, store, service)
    app.extensions["motcua"] = ext

    login_manager.init_app(app)
    limiter = Limiter(get_remote_address, app=app, storage_uri=message_queue or "memory://",
                      default_limits=[], headers_enabled=True)
    ext.limiter = limiter

    from . import api, openapi, pages

    def _public_issue_exempt() -> bool:
        from .auth import current_actor

        try:
            return current_actor().role != "anonymous"
        except MotCuaError:
            return True

    limiter.limit(rate_limit, exempt_when=_public_issue_exempt, methods=["POST"])(api.bp)
    limiter.limit("10/minute", methods=["POST"])(pages.login_view)
    features = list(_optional_blueprints())  # imported first: they may add API endpoints
    app.register_blueprint(api.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(pages.bp)
    for blueprint in features:
        app.register_blueprint(blueprint)

    from .live import Live
    from .sockets import init_sockets

    ext.live = Live(channel=f"motcua-{config.id}", message_queue=message_queue, capacity=capacity,
                    workers=live_workers)
    init_sockets(app, ext, rate_limit)

    @app.errorhandler(429)
    def _too_many(exc):
        return jsonify(error="rate_limited", message=f"too many requests: {exc.description}"), 429

    @app.errorhandler(404)
    def _not_found(exc):
        if request.path.startswith("/api/"):
            return jsonify(error="not_found", message=f"no endpoint {request.method} {request.path}"), 404
        return exc

    @app.errorhandler(405)
    def _method(exc):
        resp = jsonify(error="method_not_allowed", message=f"{request.method} is not allowed here")
        resp.headers["Allow"] = ", ".join(getattr(exc, "valid_methods", None) or [])
        return resp, 405

    @app.errorhandler(413)
    def _too_large(exc):
        return jsonify(error="too_large", message="the request body is too large"), 413

    @app.errorhandler(MotCuaError)
    def _refused(exc):
        from .errors import http_status

        return jsonify(exc.to_dict()), http_status(exc)

    @app.errorhandler(OperationalError)
    def _storage(exc):
        log.error("storage unavailable: %s", exc.orig if hasattr(exc, "orig") else exc)
        return jsonify(error="storage_unavailable",
                       message="the database cannot be written now (locked, full or unreachable); nothing was changed, "
                               "try again"), 503

    @app.errorhandler(500)
    def _server_error(exc):
        return jsonify(error="server_error", message="the server failed; nothing was changed"), 500

    @app.after_request
    def _security_headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; media-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; "
            "connect-src 'self' ws: wss:",
        )
        return resp

    return app
