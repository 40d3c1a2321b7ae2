"""One switch for every background thread of the server (tracker updates, alert checks,
notification sending, SQLite checkpoints): set ``stopping`` and they finish their round and end.

Set at process exit, and by the test suite when its session ends (its databases are dropped).
"""

import atexit
import threading

stopping = threading.Event()
atexit.register(stopping.set)
