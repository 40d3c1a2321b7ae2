"""Device files (TOML): one reader and one error for every Pi program.

Each device program (dispenser, button box, wall board, rating box) describes its file with
a parse function or a pydantic model; this module reads the file, runs the check and turns
every problem into one ``"key: problem"`` line of a :class:`DeviceConfigError`, so nothing
starts until the whole file is right::

    from device_link.config import DeviceConfigError, load_device_file

    try:
        box = load_device_file("/etc/motcua/buttons.toml", parse_box)
    except DeviceConfigError as exc:
        print(exc)            # names the file, then one "file: key: problem" line per fault
        exc.problems          # ["counters[0].recall: required key is missing", ...]

Keys every device file may have: ``server`` (``http://host:port`` of the hall server) and
``token`` (this device's token from the hall file); the command line and the environment
(``--server``/``MOTCUA_SERVER``, ``--token``/``MOTCUA_DEVICE_TOKEN``) take precedence.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

__all__ = ["DeviceConfigError", "check_model", "check_server_url", "load_device_file", "read_toml"]

T = TypeVar("T")


class DeviceConfigError(ValueError):
    """A wrong device file. :attr:`problems` lists ``"key: problem"`` lines; :attr:`source`
    names the file."""

    def __init__(self, source: str, problems: Iterable[str]):
        self.source = str(source)
        self.problems = list(problems)
        lines = "\n".join(f"  {self.source}: {p}" for p in self.problems)
        super().__init__(f"invalid device file {self.source} ({len(self.problems)} problem(s)):\n{lines}")

    @property
    def errors(self) -> list[str]:
        """The same lines as :attr:`problems`."""
        return self.problems


def read_toml(path: str | os.PathLike[str]) -> dict:
    """The parsed TOML document at ``path``; :class:`DeviceConfigError` if it cannot be read."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DeviceConfigError(source, ["file not found"]) from None
    except IsADirectoryError:
        raise DeviceConfigError(source, ["is a directory, not a file"]) from None
    except UnicodeDecodeError as exc:
        raise DeviceConfigError(source, [f"not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    except OSError as exc:
        raise DeviceConfigError(source, [f"cannot read the file: {exc.strerror or exc}"]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DeviceConfigError(source, [f"TOML syntax: {exc}"]) from None


def load_device_file(path: str | os.PathLike[str], parse: Callable[[dict, str], T]) -> T:
    """Read the file at ``path`` and check it with ``parse(data, source)``.

    :raises DeviceConfigError: the file is missing, not TOML, or ``parse`` found problems.
    """
    return parse(read_toml(path), str(path))


def check_server_url(value: Any) -> str:
    """``value`` without a trailing slash; :class:`ValueError` unless it is http(s)://host[:port].

    >>> check_server_url("http://10.0.0.2:8080/")
    'http://10.0.0.2:8080'
    """
    parts = urlsplit(value.strip()) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"{value!r} is not an http:// or https:// URL (not a server address like http://10.0.0.2:8080)")
    try:
        _ = parts.port  # reading the port is the check: SplitResult.port raises ValueError for a bad one
    except ValueError:
        raise ValueError(f"{value!r} has an invalid port") from None
    return value.strip().rstrip("/")


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def check_model(model: type[T], data: Mapping[str, Any], source: str, *,
                cross_check: Callable[[T], list[str]] | None = None,
                explain: Callable[[dict], str | None] | None = None) -> T:
    """Validate ``data`` with a pydantic ``model``; every fault becomes a ``"key: problem"`` line.

    ``explain(error)`` may give a clearer message for one pydantic error (None: the default);
    ``cross_check(result)`` returns further problems found across keys.

    :raises DeviceConfigError: listing every problem.
    """
    from pydantic import ValidationError

    try:
        result = model.model_validate(data)  # type: ignore[attr-defined]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = (explain(err) if explain else None) or err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            elif err["type"] == "missing":
                msg = "required key is missing"
            problems.append(f"{_loc(err['loc'])}: {msg}")
        raise DeviceConfigError(source, problems) from None
    problems = cross_check(result) if cross_check else []
    if problems:
        raise DeviceConfigError(source, problems)
    return result
