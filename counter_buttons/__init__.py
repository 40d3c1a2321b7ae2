"""MotCua Queue: counter button boxes on a Raspberry Pi.

One Pi drives the Next, Recall, No-show and Finish buttons, a status LED and an optional
HD44780 LCD for each of one or more counters, and keeps them in step with the hall server
over Socket.IO::

    motcua buttons --server http://192.168.1.10:8080 --token TOKEN --config /etc/motcua/buttons.toml

Modules: :mod:`.config` (the box file), :mod:`.client` (the server link),
:mod:`.state` (the box's view of its counters), :mod:`.leds` (LED patterns),
:mod:`.display` (HD44780 LCDs), :mod:`.box` (everything wired together),
:mod:`.cli` (the command). Wiring and set-up: ``docs/pi/buttons.md``.
"""
