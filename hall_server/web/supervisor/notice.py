"""The notice on the waiting-room display: stored with the centre, set by a supervisor, shown everywhere."""

from __future__ import annotations

import re
import unicodedata

from pydantic import Field, StrictStr

from .. import schemas as s
from ..api import BadRequest, add_query
from . import WHO, app_ext, require_supervisor

NOTICE_MAX = 500


class NoticeBody(s.Body):
    text: StrictStr = Field(max_length=2000, description="The notice; empty removes it (at most 500 characters)")


class NoticeOut(s.Out):
    text: str


def load_notice(store, centre_id: str) -> str:
    return store.notice(centre_id)


def clean_notice(raw: str) -> str:
    """NFC, one line, at most :data:`NOTICE_MAX` characters; :class:`BadRequest` otherwise."""
    value = re.sub(r"\s+", " ", unicodedata.normalize("NFC", raw)).strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in value):
        raise BadRequest("invalid_body", "text: control characters are not allowed")
    if len(value) > NOTICE_MAX:
        raise BadRequest("invalid_body", f"text: at most {NOTICE_MAX} characters (got {len(value)})")
    return value


def set_notice(ext, value: str, actor) -> None:
    """Store the notice and its audit row (the service does, in one transaction); the displays
    hear it through the service's notice listeners (hall_server/web/sockets.py)."""
    ext.service.set_notice(value, actor)


@add_query("GET", "/notice", "The notice shown on the waiting-room display", "anyone", NoticeOut)
def get_notice(args):
    return {"text": app_ext().notice}


@add_query("PUT", "/notice", "Set the notice shown on the waiting-room display (empty removes it); "
           "broadcast as the socket event `notice` and written to the audit log", WHO, NoticeOut,
           public=False, body=NoticeBody)
def put_notice(args, body: NoticeBody):
    actor = require_supervisor()
    value = clean_notice(body.text)
    set_notice(app_ext(), value, actor)
    return {"text": value}
