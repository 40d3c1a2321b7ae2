"""``python -m ticket_printer --config FILE``: the dispenser as its own small process.

Same options as ``motcua printer`` (see :mod:`ticket_printer.cli`), but it loads
only the dispenser's code, which matters on a Raspberry Pi with 512 MB or 1 GB;
``deploy/motcua-printer.service`` runs it this way.

python-socketio and python-engineio import their asyncio client and their
Redis, Kafka, Kombu and RabbitMQ managers eagerly *if those packages are
installed* (as on a development machine). The dispenser uses none of them, so
they are marked absent here, before anything imports python-socketio: the
libraries then take the same "not installed" path as on a Pi installed with
``pip install '.[pi]'``, and the process stays about 20 MB smaller.
"""

import sys

#: Optional packages python-socketio/engineio would import but the dispenser never uses.
UNUSED = ("aiohttp", "redis", "valkey", "aioredis", "aio_pika", "kafka", "kombu", "tornado")

for _name in UNUSED:
    sys.modules.setdefault(_name, None)  # type: ignore[arg-type]  # "import x" now raises ImportError

from .cli import printer  # noqa: E402  (after the lines above, on purpose)

if __name__ == "__main__":  # pragma: no branch
    printer(prog_name="python -m ticket_printer")
