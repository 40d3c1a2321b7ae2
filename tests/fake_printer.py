"""The fake ESC/POS printer moved to :mod:`ticket_printer.testing`; this re-export keeps old imports working."""

from ticket_printer.testing import *  # noqa: F403
from ticket_printer.testing import __all__  # noqa: F401
