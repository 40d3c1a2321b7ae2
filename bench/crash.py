"""The long crash run: many SIGKILLs during a busy morning; figures for docs/performance.md.

    python -m bench.crash [KILLS]
"""

import json
import sys
import tempfile
from pathlib import Path

from hall_server.testing import LiveServer
from hall_server.testing.crash import check, run

from .record import write_result


def main(kills: int = 30) -> dict:
    server = LiveServer(Path(tempfile.mkdtemp(prefix="motcua-crash-"))).start()
    try:
        figures = check(server, run(server, kills=kills, seed=2026))
    finally:
        server.stop()
    return {"benchmark": "crash", **figures}


if __name__ == "__main__":
    out = main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
    print(json.dumps(out, indent=2))
    write_result("crash", out)
