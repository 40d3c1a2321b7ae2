"""MotCua Queue: the waiting-room display board on a Raspberry Pi with an HDMI TV.

It shows who goes to which counter and says it aloud in Vietnamese (docs/pi/display.md)::

    $ python -m display_board --server http://10.0.0.2:8080 --token TOKEN --library /var/lib/motcua/audio

The parts, each usable alone:

* :mod:`display_board.state` — the live hall from snapshots and numbered events;
* :mod:`display_board.calls` — calls shown one after another, each long enough to read;
* :mod:`display_board.board` — what the board shows (:class:`~display_board.board.Board`);
* :mod:`display_board.layout`, :mod:`display_board.typeset`, :mod:`display_board.render` — drawing;
* :mod:`display_board.client` — the link to the hall server (REST + Socket.IO);
* :mod:`display_board.voice` — calls spoken through :mod:`audio.player`;
* :mod:`display_board.app`, :mod:`display_board.cli` — the program and ``motcua board``.

The state model needs neither pygame nor a network::

    >>> from display_board.board import Board
    >>> Board().view().call is None
    True

Importing the package imports nothing heavy (pygame, socketio, requests load on use).
"""
