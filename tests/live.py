"""The live-server harness moved to :mod:`hall_server.testing`; this re-export keeps old imports working."""

from hall_server.testing import BUTTONS_1, BUTTONS_2, DISPLAY, KIOSK, LiveServer, free_port

__all__ = ["BUTTONS_1", "BUTTONS_2", "DISPLAY", "KIOSK", "LiveServer", "free_port"]
