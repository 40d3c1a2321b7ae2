"""MotCua Queue: the one link every Raspberry Pi program uses to talk to the hall server.

* :mod:`device_link.link` — :class:`DeviceLink`: connect with the device token, reconnect
  with back-off and jitter, snapshot and events in ``seq`` order (a short gap is held before
  a snapshot is asked for), commands with a request id and a deadline, offline state, REST;
* :mod:`device_link.sequence` — :class:`Sequencer`, the ordering on its own (no I/O);
* :mod:`device_link.backoff` — :class:`Backoff`;
* :mod:`device_link.config` — reading device files (TOML) and :class:`DeviceConfigError`.

It imports nothing of the hall server and nothing of the device programs
(docs/architecture.md). Importing the package is cheap: python-socketio and requests load
with :mod:`device_link.link`.
"""

from __future__ import annotations

__all__ = ["Answer", "Backoff", "DeviceConfigError", "DeviceLink", "NoAnswer", "Offline", "Sequencer",
           "new_request_id"]

_WHERE = {"Answer": "link", "DeviceLink": "link", "NoAnswer": "link", "Offline": "link", "new_request_id": "link",
          "Backoff": "backoff", "Sequencer": "sequence", "DeviceConfigError": "config"}


def __getattr__(name: str):
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
