"""The hall server's address, as given on the command line (standard library only, so the
command line can check it before the heavy imports).

    >>> check_server_url("https://motcua.example.vn")
    'https://motcua.example.vn'
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["check_server_url"]


def check_server_url(url: str) -> str:
    """``url`` without a trailing slash; :class:`ValueError` unless it is http(s)://host[:port].

    >>> check_server_url("http://10.0.0.2:8080/")
    'http://10.0.0.2:8080'
    """
    parts = urlsplit(url.strip()) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"{url!r} is not a server address like http://10.0.0.2:8080")
    try:
        parts.port
    except ValueError:
        raise ValueError(f"{url!r} has an invalid port") from None
    return url.strip().rstrip("/")
