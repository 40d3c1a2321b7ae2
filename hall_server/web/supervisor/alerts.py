"""Wait alerts in the background, and the console's per-app state (:class:`Supervision`)."""

from __future__ import annotations

import logging
import threading
import time
import weakref

from ...reports import figures
from ...reports.alerts import AlertSettings, alert_signature, wait_alerts
from ...reports.live import today_visits

log = logging.getLogger(__name__)

CHECK_SECONDS = 10.0


class AlertChecker:
    """Recomputes the wait alerts now and then and on events; sends ``wait_alerts`` when they change."""

    COALESCE = 0.3

    def __init__(self, ext, interval: float = CHECK_SECONDS):
        self._ext = weakref.ref(ext)
        self.interval = interval
        self.settings = AlertSettings.from_config(ext.config)
        self.current: list[dict] = []
        self._signature = None
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.interval > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="wait-alerts", daemon=True)
            self._thread.start()

    def poke(self, events=None, service=None) -> None:
        """A service listener: something happened, look again soon."""
        self._wake.set()

    def _run(self) -> None:
        from ...background import stopping

        while not stopping.is_set():
            woken = self._wake.wait(self.interval)
            if woken:
                time.sleep(self.COALESCE)
            self._wake.clear()
            ext = self._ext()
            if ext is None or stopping.is_set():
                return  # the app is gone
            try:
                self.check(ext)
            except Exception:  # the checker must outlive any one bad moment
                log.exception("wait alert check failed")
            del ext

    def check(self, ext=None) -> list[dict]:
        """Compute the alerts now; send them if they differ from the last ones sent."""
        ext = ext or self._ext()
        with ext.service.read() as hall:
            alerts = wait_alerts(hall, ext.service.clock(), self.settings)
        with self._lock:
            signature = alert_signature(alerts)
            changed = signature != self._signature
            self._signature = signature
            self.current = alerts
        if changed and ext.live is not None:
            from ..sockets import centre_room

            ext.live.emit("wait_alerts", alerts, to=centre_room(ext.config.id))
        return alerts


class Supervision:
    """Per-app state of the console: the alert checker and small caches of visits.

    A report page asks for its figures and three charts at once; they share one read of the
    period's transitions as long as nothing happened in the hall in between (same ``seq``).
    """

    REPORT_CACHE = 3

    def __init__(self, ext, interval: float):
        self.checker = AlertChecker(ext, interval)
        self._visits_key = None
        self._visits: list = []
        self._reports: dict = {}
        self._lock = threading.Lock()

    def visits_for(self, ext, period: figures.Period) -> list:
        key = (period.first, period.last, ext.service.hall.seq)
        with self._lock:
            if key in self._reports:
                return self._reports[key]
        visits = figures.load_visits(ext.store.engine, ext.config, period)
        with self._lock:
            self._reports[key] = visits
            while len(self._reports) > self.REPORT_CACHE:
                self._reports.pop(next(iter(self._reports)))
        return visits

    def visits_today(self, ext, seq: int, now):
        key = (seq, now.astimezone(ext.config.tz).date())
        with self._lock:
            if key == self._visits_key:
                return self._visits
        visits = today_visits(ext.store.engine, ext.config, now)
        with self._lock:
            self._visits_key, self._visits = key, visits
        return visits
