"""Devices on the hall network: their status, the alerts they raise, and print jobs.

* A device reports its state with the socket event ``device_status``
  ``{"printer": "ok"|"paper_low"|"paper_out"|"cover_open"|"offline"|"unknown", "detail": "..."}``.
  The server keeps the latest report, raises or clears an alert, and broadcasts
  ``device_status`` and ``alerts`` to the centre room (supervisors, kiosk pages).
* A device that disconnects raises a "device offline" alert until it is back.
* A ticket issued over REST with a dispenser's token (the touch kiosk page on the Pi)
  is sent to that dispenser as a ``print`` job; the dispenser answers ``print_result``
  ``{"ticket": ID, "ok": bool, "printer": status}``. A dispenser that issues over its own
  socket (a physical button) prints the answer itself, so nothing prints twice.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone

PRINTER_STATES = ("ok", "paper_low", "paper_out", "cover_open", "offline", "unknown")
PRINTER_PROBLEMS = {
    "paper_low": ("warning", "Máy in sắp hết giấy", "Printer paper is low", "Thay cuộn giấy mới sớm."),
    "paper_out": ("error", "Máy in hết giấy", "Printer is out of paper", "Thay cuộn giấy cho máy lấy số."),
    "cover_open": ("error", "Nắp máy in đang mở", "Printer cover is open", "Đóng nắp máy in."),
    "offline": ("error", "Máy in không hoạt động", "Printer is offline",
                "Kiểm tra nguồn điện và cáp của máy in."),
    "unknown": ("warning", "Không rõ trạng thái máy in", "Printer state unknown",
                "Kiểm tra máy in; công dân vẫn nhận số trên màn hình."),
}


def device_room(device_id: str) -> str:
    return f"device:{device_id}"


class DeviceBoard:
    """Latest status of each device and the alerts that follow from it."""

    def __init__(self, config):
        self.config = config
        self._lock = threading.Lock()
        self.status: dict[str, dict] = {}
        self.alerts: dict[str, dict] = {}

    @staticmethod
    def _now() -> str:
        return datetime.now(timezone.utc).isoformat()

    def report(self, device_id: str, printer: str | None, detail: str = "") -> bool:
        """Record a device's report; return True if the alerts changed."""
        with self._lock:
            self.status[device_id] = {"device": device_id, "online": True, "printer": printer,
                                      "detail": detail[:200], "at": self._now()}
            changed = self._clear(f"offline:{device_id}")
            if printer is not None:
                key = f"printer:{device_id}"
                if printer in PRINTER_PROBLEMS:
                    severity, vi, en, action = PRINTER_PROBLEMS[printer]
                    changed |= self._raise(key, "printer", severity, device_id, vi, en, action)
                else:
                    changed |= self._clear(key)
            return changed

    def connected(self, device_id: str) -> bool:
        with self._lock:
            entry = self.status.setdefault(device_id, {"device": device_id, "printer": None, "detail": ""})
            entry.update(online=True, at=self._now())
            return self._clear(f"offline:{device_id}")

    def disconnected(self, device_id: str) -> bool:
        with self._lock:
            entry = self.status.setdefault(device_id, {"device": device_id, "printer": None, "detail": ""})
            entry.update(online=False, at=self._now())
            device = self.config.devices.get(device_id)
            name = device.name if device and device.name else device_id
            return self._raise(f"offline:{device_id}", "device_offline", "error", device_id,
                               f"Thiết bị mất kết nối: {name}", f"Device offline: {name}",
                               "Kiểm tra nguồn điện và mạng của thiết bị.")

    def _raise(self, key, kind, severity, device_id, vi, en, action) -> bool:
        current = self.alerts.get(key)
        if current and current["message_vi"] == vi:
            return False
        self.alerts[key] = {"id": key, "kind": kind, "severity": severity, "device": device_id,
                            "message_vi": vi, "message_en": en, "action_vi": action, "since": self._now()}
        return True

    def _clear(self, key) -> bool:
        return self.alerts.pop(key, None) is not None

    def snapshot(self) -> dict:
        with self._lock:
            return {"alerts": list(self.alerts.values()), "devices": list(self.status.values())}
