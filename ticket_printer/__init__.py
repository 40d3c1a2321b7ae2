"""MotCua Queue: the Raspberry Pi ticket dispenser (máy lấy số).

Modules, one idea each:

- :mod:`ticket_printer.render` — draw a ticket as a 1-bit image (Vietnamese text, QR code)
- :mod:`ticket_printer.printer` — send it to an ESC/POS printer, read the printer's state
- :mod:`ticket_printer.config` — the device file (server, token, printer, buttons, LED)
- :mod:`device_link` (shared by every Pi program) — the self-healing connection to the hall server
- :mod:`ticket_printer.buttons` — field buttons and the priority toggle (gpiozero)
- :mod:`ticket_printer.status` — what the status LED shows
- :mod:`ticket_printer.jobs` — print jobs and the ticket drawn for them
- :mod:`ticket_printer.dispenser` — all of it together
- :mod:`ticket_printer.cli` — ``motcua printer`` / ``python -m ticket_printer``

Set-up on a Pi: docs/pi/dispenser.md.
"""
