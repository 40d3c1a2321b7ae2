"""The wall board program: a pygame window (full screen on the TV) driven by the hall server.

    >>> app = BoardApp("http://10.0.0.2:8080", "display-token",
    ...                library="/var/lib/motcua/audio")      # doctest: +SKIP
    >>> app.run()                                            # doctest: +SKIP

:class:`BoardApp` wires the parts together: :class:`~display_board.client.BoardClient`
(network, its own thread) feeds the :class:`~display_board.board.Board` (state), whose
calls go to the :class:`~display_board.voice.Voice` (sound, its own thread); the main
thread runs :meth:`BoardApp.step` in a loop: it advances the call queue, redraws the
whole board when what it shows changed, and otherwise only the scrolling notice. A new
call's announcement goes to the audio device before the call is drawn (sound first: on a
slow Pi, drawing a new large code takes longer than starting the sound).

Keys: Ctrl+Q quits (Esc too in a window). SIGTERM (``systemctl stop``) quits cleanly.
Headless machines and tests use ``SDL_VIDEODRIVER=dummy``.
"""

from __future__ import annotations

import logging
import os
import signal
import time

from .board import Board
from .client import BoardClient
from .voice import Voice, open_voice

__all__ = ["BoardApp"]

log = logging.getLogger(__name__)


class BoardApp:
    """The board program (see the module docs).

    ``size`` is the window size for ``fullscreen=False`` (default 1280×720); full screen
    uses the TV's own resolution. ``sound=False`` or a missing library keeps it silent.
    ``voice`` replaces the voice built from ``library`` (tests).
    """

    IDLE_FPS = 10      # frames per second with nothing moving: events and clock only
    SCROLL_FPS = 30    # while the notice scrolls

    def __init__(self, server: str, token: str, *, library: str | os.PathLike | None = None,
                 fullscreen: bool = True, size: tuple[int, int] | None = None, min_show: float = 4.0,
                 lang: str = "vi", sound: bool = True, voice: Voice | None = None, display: int = 0):
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        import pygame

        from .render import Renderer

        self.pygame = pygame
        self.voice = voice if voice is not None else (open_voice(library) if sound else None)
        self.board = Board(
            min_show=min_show, lang=lang,
            on_call=self.voice.say if self.voice else None,
            busy=self.voice.busy if self.voice else None,
        )
        self.client = BoardClient(server, token, self.board,
                                  on_centre=self._configure_voice if self.voice else None)
        pygame.display.init()
        pygame.font.init()
        pygame.display.set_caption("MotCua – bảng hiển thị")
        if fullscreen:
            self.screen = pygame.display.set_mode((0, 0), pygame.FULLSCREEN, display=display)
            pygame.mouse.set_visible(False)
        else:
            self.screen = pygame.display.set_mode(size or (1280, 720), pygame.RESIZABLE, display=display)
        self.fullscreen = fullscreen
        self.renderer = Renderer()
        self.clock = pygame.time.Clock()
        self.started = time.monotonic()
        self.running = False
        self.frames = 0
        self.redraws = 0
        self.drawn = None
        self.view = None  # the BoardView last drawn
        self._dirty = True

    def _configure_voice(self, centre: dict) -> None:
        self.voice.configure(centre.get("announcement"), centre.get("ticket_reading"))

    # ------------------------------------------------------------------ the loop
    def start(self) -> BoardApp:
        """Start the network link (the window exists already)."""
        self.client.start()
        self.running = True
        return self

    def step(self) -> bool:
        """One frame: input, call queue, drawing. Returns False once asked to quit."""
        pg = self.pygame
        for event in pg.event.get():
            if event.type == pg.QUIT:
                self.running = False
            elif event.type == pg.KEYDOWN:
                ctrl = event.mod & pg.KMOD_CTRL
                if (event.key == pg.K_q and ctrl) or (event.key == pg.K_ESCAPE and not self.fullscreen):
                    self.running = False
            elif event.type in (pg.VIDEORESIZE, pg.WINDOWSIZECHANGED, pg.VIDEOEXPOSE):
                self.screen = pg.display.get_surface()
                self._dirty = True
        self.board.tick()
        if self.voice is not None and self.voice.starting():
            self.clock.tick(200)  # sound first: draw the new call once its announcement has started
            return self.running
        view = self.board.view()
        if self._dirty or view != self.view:
            self.drawn = self.renderer.draw(self.screen, view)
            self.view, self._dirty = view, False
            self.redraws += 1
            if view.notice:
                self.renderer.draw_notice(self.screen, view, time.monotonic() - self.started, self.drawn.boxes)
            pg.display.flip()
        elif view.notice and self.renderer.notice_scrolls(self.screen, view):
            strip = self.renderer.draw_notice(self.screen, view, time.monotonic() - self.started, self.drawn.boxes)
            pg.display.update(strip)
        self.frames += 1
        scrolling = bool(view.notice) and self.renderer.notice_scrolls(self.screen, view)
        self.clock.tick(self.SCROLL_FPS if scrolling else self.IDLE_FPS)
        return self.running

    def run(self) -> int:
        """Run until Ctrl+Q, the window closing or SIGTERM; returns the exit status."""
        previous = signal.signal(signal.SIGTERM, lambda *_: setattr(self, "running", False))
        try:
            self.start()
            while self.step():
                pass
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.close()
        return 0

    def close(self) -> None:
        """Disconnect, stop the voice and close the window."""
        self.running = False
        self.client.stop()
        if self.voice is not None:
            self.voice.close()
        self.pygame.display.quit()
