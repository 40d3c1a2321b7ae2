"""Spoken calls for the browser board: ``GET /announce.wav?ticket=A023&counter=5[&recall=1]``.

The answer is a WAV assembled from the clip library (chime, then the centre's sentence,
said twice for a recall), the same sound the Pi board plays::

    $ curl -o call.wav 'http://127.0.0.1:8080/announce.wav?ticket=A023&counter=5'

* the library is the directory in ``MOTCUA_CLIPS``, or ``<instance>/clips``; build it
  ahead with ``motcua audio build --out DIR --template '<the centre's announcement>'``;
* if it is missing (or lacks clips for the centre's sentence) the server builds it once,
  with espeak-ng, in a background thread, and answers ``503`` with a JSON error and
  ``Retry-After`` meanwhile;
* ``ticket`` must look like ``A023`` (one or two capital letters, one to four digits)
  and ``counter`` be a number from 1 to 999, else ``400`` with a JSON error;
* assembled WAVs are kept in a small in-memory LRU cache.

The blueprint ``bp`` is registered by :func:`hall_server.web.create_app` (it lists
``announce`` in ``OPTIONAL_BLUEPRINTS``).
"""

from __future__ import annotations

import fcntl
import functools
import io
import logging
import os
import re
import threading
import time
from pathlib import Path

from flask import Blueprint, current_app, jsonify, request, send_file

from audio.announce import announcement_clips
from audio.clips import ClipLibrary, LibraryError, MissingClipError, build_library

__all__ = ["bp", "ClipStore", "NotReady", "TICKET_RE"]

log = logging.getLogger(__name__)

bp = Blueprint("announce", __name__)

#: What a ticket code in the query must look like.
TICKET_RE = re.compile(r"[A-Z]{1,2}[0-9]{1,4}", re.ASCII)
_COUNTER_RE = re.compile(r"[1-9][0-9]{0,2}", re.ASCII)
_RECALL = {"0": False, "1": True}
#: Seconds a browser is told to wait before asking again while the library builds.
RETRY_AFTER = 5
#: Seconds before a failed build is tried again.
RETRY_FAILED = 60


class NotReady(Exception):
    """The clip library cannot be used yet (being built, or its build failed)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class ClipStore:
    """The clip library of one server, built on first use if it is missing.

    >>> store = ClipStore("/var/lib/motcua/clips", "Xin mời số {ticket} đến quầy {counter}")  # doctest: +SKIP
    >>> wav = store.wav("A023", 5, recall=False)   # raises NotReady while building  # doctest: +SKIP

    ``builder`` renders the library (:func:`audio.clips.build_library` with espeak-ng by
    default). Thread-safe; a file lock keeps two server processes from building at once.
    """

    def __init__(self, directory: str | os.PathLike, template: str, mode: str = "number", *,
                 builder=None, cache_size: int = 32):
        self.directory = Path(directory)
        self.template = template
        self.mode = mode
        self.builder = builder or (lambda directory, template: build_library(directory, "espeak-ng", template))
        self.status = "unknown"  # "ready", "building" or "failed"
        self.error = ""
        self._library: ClipLibrary | None = None
        self._failed_at = 0.0
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._cached = functools.lru_cache(maxsize=cache_size)(self._assemble)

    def library(self) -> ClipLibrary:
        """The ready library; raises :class:`NotReady` (and starts a build) if there is none."""
        with self._lock:
            if self._library is not None:
                return self._library
            if self.status == "building":
                raise NotReady("audio_building", self._building_message())
            library, problem = self._open()
            if library is not None:
                self._library, self.status = library, "ready"
                return library
            if problem:
                self.status, self.error = "failed", problem
                raise NotReady("audio_unavailable", problem)
            if self.status == "failed" and time.monotonic() - self._failed_at < RETRY_FAILED:
                raise NotReady("audio_unavailable", f"building the announcement clips failed: {self.error}")
            self.status = "building"
            self._thread = threading.Thread(target=self._build, name="motcua-clip-build", daemon=True)
            self._thread.start()
            raise NotReady("audio_building", self._building_message())

    def wav(self, ticket: str, counter: int, recall: bool = False) -> bytes:
        """The announcement as WAV bytes (cached); raises :class:`NotReady`."""
        library = self.library()
        return self._cached(library, ticket, counter, recall)

    def wait_ready(self, timeout: float) -> bool:
        """Block until a build running now ends; True if the library is ready."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.status == "ready"

    # ------------------------------------------------------------------ helpers
    def _building_message(self) -> str:
        return (f"the announcement clips are being built in {self.directory} (seconds on a PC, under a minute "
                f"on a Raspberry Pi); try again in {RETRY_AFTER} s")

    def _open(self) -> tuple[ClipLibrary | None, str]:
        """(library, "") when usable; (None, reason) when it must not be rebuilt here; (None, "") to build."""
        try:
            library = ClipLibrary(self.directory)
        except LibraryError:
            return None, ""
        missing = library.missing_for_template(self.template)
        if not missing:
            return library, ""
        if library.engine not in ("", "espeak-ng"):
            # rebuilding with espeak-ng would replace the clips of the other voice
            return None, (f"the clip library in {self.directory} (voice {library.engine}) has no clip for "
                          f"{', '.join(missing[:5])}; rebuild it with: motcua audio build --engine {library.engine} "
                          f"--out {self.directory} --template '{self.template}'")
        return None, ""

    def _build(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with open(self.directory / ".build.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building it: wait, then reuse
                library, problem = self._open()
                if library is None and not problem:
                    log.info("building the announcement clips in %s", self.directory)
                    self.builder(self.directory, self.template)
                    library, problem = self._open()
            if library is None:
                raise LibraryError(problem or f"the clips built in {self.directory} are incomplete")
        except Exception as exc:  # espeak-ng missing, disk full …
            log.error("building the announcement clips in %s failed: %s", self.directory, exc)
            with self._lock:
                self.status, self.error, self._failed_at = "failed", str(exc), time.monotonic()
            return
        log.info("announcement clips ready in %s", self.directory)
        with self._lock:
            self._library, self.status, self.error = library, "ready", ""

    def _assemble(self, library: ClipLibrary, ticket: str, counter: int, recall: bool) -> bytes:
        keys = announcement_clips(self.template, ticket, counter, self.mode, recall=recall)
        return library.assemble(keys)


_STORE_LOCK = threading.Lock()


def _store() -> ClipStore:
    """This app's clip store, made on first use."""
    ext = current_app.extensions["motcua"]
    with _STORE_LOCK:
        store = getattr(ext, "clip_store", None)
        if store is None:
            directory = os.environ.get("MOTCUA_CLIPS") or str(Path(current_app.instance_path) / "clips")
            centre = ext.config.centre
            store = ext.clip_store = ClipStore(directory, centre.announcement, centre.ticket_reading)
    return store


def _error(status: int, code: str, message: str):
    resp = jsonify(error=code, message=message)
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/announce.wav")
def announce_wav():
    """The spoken call of ``ticket`` to ``counter`` (``recall=1``: said twice) as audio/wav."""
    ticket = request.args.get("ticket", "")
    counter = request.args.get("counter", "")
    recall = request.args.get("recall", "0")
    if not TICKET_RE.fullmatch(ticket):
        return _error(400, "invalid_query",
                      "ticket must be one or two capital letters and one to four digits, such as A023")
    if not _COUNTER_RE.fullmatch(counter):
        return _error(400, "invalid_query", "counter must be a number from 1 to 999")
    if recall not in _RECALL:
        return _error(400, "invalid_query", "recall must be 0 or 1")
    store = _store()
    try:
        wav = store.wav(ticket, int(counter), _RECALL[recall])
    except NotReady as exc:
        resp = _error(503, exc.code, exc.message)
        resp.headers["Retry-After"] = str(RETRY_AFTER)
        return resp
    except (MissingClipError, LibraryError, ValueError) as exc:
        log.error("cannot assemble the announcement of %s at counter %s: %s", ticket, counter, exc)
        return _error(503, "audio_unavailable", str(exc))
    resp = send_file(io.BytesIO(wav), mimetype="audio/wav", conditional=True, etag=False, max_age=600,
                     download_name=f"{ticket}-{counter}{'-recall' if _RECALL[recall] else ''}.wav")
    resp.headers["Content-Disposition"] = "inline"
    return resp
