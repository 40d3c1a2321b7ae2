"""``python -m counter_buttons``: the same as ``motcua buttons``, without loading the hall server.

    python -m counter_buttons --server http://192.168.1.10:8080 --config /etc/motcua/buttons.toml

The systemd unit uses this form: the box then never imports the server's database and
report libraries, which keeps its memory small on a Pi.
"""

from .cli import buttons

if __name__ == "__main__":
    buttons(prog_name="python -m counter_buttons")
