"""The web pages' text tables: one format, NFC, both languages, and one wording per key.

Every table is ``key -> {"vi": ..., "en": ...}`` (hall_server/web/i18n.py); a feature's page gets
the shared table and its own, so a key both define must read the same in both. The wall board's
table (display_board/texts.py) is held to the same rule; tests/test_display_board.py compares it
with the web's too.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import unicodedata

import pytest

import hall_server.web as web
from hall_server.web import i18n

from .conftest import ROOT


def _web_modules():
    yield web
    for info in pkgutil.walk_packages(web.__path__, "hall_server.web."):
        yield importlib.import_module(info.name)


def _text_tables() -> dict[str, dict]:
    """Every text table of the web: module-level ``TEXT`` or ``*_TEXT``, named by the deepest module holding it
    (a package re-exports its ``texts`` module's table)."""
    names: dict[int, tuple[str, dict]] = {}
    for mod in _web_modules():
        for name, value in vars(mod).items():
            if (name == "TEXT" or name.endswith("_TEXT")) and isinstance(value, dict):
                where = f"{mod.__name__}.{name}"
                if id(value) not in names or len(where) > len(names[id(value)][0]):
                    names[id(value)] = (where, value)
    return dict(names.values())


TABLES = _text_tables()


def test_the_tables_are_found():
    assert {"hall_server.web.i18n.TEXT", "hall_server.web.citizen.texts.TEXT", "hall_server.web.citizen.texts.RATING_TEXT",
            "hall_server.web.supervisor.texts.TEXT"} <= set(TABLES), sorted(TABLES)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_table_has_the_one_format(name):
    table = TABLES[name]
    assert table and all(isinstance(k, str) and k for k in table), name
    for key, entry in table.items():
        assert isinstance(entry, dict) and set(entry) == set(i18n.LANGS), f"{name}[{key!r}] = {entry!r}"
        for lang, value in entry.items():
            assert isinstance(value, str) and value.strip(), f"{name}[{key!r}][{lang!r}] is empty"
            assert unicodedata.is_normalized("NFC", value), f"{name}[{key!r}][{lang!r}] is not NFC"
    assert i18n.checked(table) is table


def test_no_table_in_the_old_pair_format_and_no_second_helper():
    assert not hasattr(i18n, "Texts")
    pairs = []
    for mod in _web_modules():
        for name, value in vars(mod).items():
            if isinstance(value, dict) and value and all(
                    isinstance(v, tuple) and len(v) == 2 and all(isinstance(x, str) for x in v) for v in value.values()):
                pairs.append(f"{mod.__name__}.{name}")
    assert pairs == [], "text as (vi, en) pairs: use {'vi': ..., 'en': ...} (hall_server/web/i18n.py)"


def test_no_key_is_defined_twice_with_different_text():
    from display_board.texts import TEXT as BOARD_TEXT

    tables = dict(TABLES) | {"display_board.texts.TEXT": BOARD_TEXT}
    first: dict[str, tuple[str, dict]] = {}
    different = []
    for name, table in tables.items():
        for key, entry in table.items():
            if key in first and first[key][1] != entry:
                different.append((key, first[key][0], first[key][1], name, entry))
            first.setdefault(key, (name, entry))
    assert different == []
    i18n.merge(*tables.values())  # the helper agrees


def test_weekdays_are_spelled_as_the_reports_spell_them():
    from hall_server.reports.labels import WEEKDAYS

    assert [(i18n.TEXT[f"weekday_{d}"]["vi"], i18n.TEXT[f"weekday_{d}"]["en"]) for d in range(7)] == list(WEEKDAYS)


def test_the_helper_looks_up_formats_and_merges():
    table = i18n.checked({"left": {"vi": "còn {n} chỗ", "en": "{n} left"}})
    assert i18n.lookup(table, "left", "vi", n=3) == "còn 3 chỗ"
    assert i18n.lookup(table, "left", "en", n=3) == "3 left"
    assert i18n.lookup(table, "left", "fr") == "còn {n} chỗ"  # Vietnamese when the language is unknown
    assert i18n.lookup(table, "missing", "en") == "missing"
    assert i18n.flat(table, "en") == {"left": "{n} left"}
    assert i18n.merge(table, table, {"x": {"vi": "x", "en": "x"}}) == table | {"x": {"vi": "x", "en": "x"}}
    with pytest.raises(ValueError, match="defined twice"):
        i18n.merge(table, {"left": {"vi": "còn {n}", "en": "{n} left"}})
    for bad in ({"k": ("vi", "en")}, {"k": {"vi": "chỉ tiếng Việt"}}, {"k": {"vi": "", "en": "x"}},
                {"k": {"vi": unicodedata.normalize("NFD", "Thứ Bảy"), "en": "Saturday"}}):
        with pytest.raises(ValueError):
            i18n.checked(bad)


# ---------------------------------------------------------------------- every key the pages ask for exists
def _keys_used(pattern: str, *globs: str) -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for glob in globs:
        for path in sorted((ROOT / "hall_server/web").glob(glob)):
            for key in re.findall(pattern, path.read_text(encoding="utf-8")):
                used.setdefault(key, set()).add(path.name)
    return used


def test_every_key_the_templates_and_scripts_use_is_in_its_table():
    from hall_server.web.citizen import texts as citizen
    from hall_server.web.supervisor import texts as supervisor

    missing = []
    for pattern, table in ((r'(?<![\w.])t\("([a-z0-9_]+)"\s*[,)]', i18n.TEXT),
                           (r'\bct\("([a-z0-9_]+)"\s*[,)]', citizen.TEXT), (r'\bst\("([a-z0-9_]+)"\s*[,)]', supervisor.TEXT)):
        used = _keys_used(pattern, "templates/*.html")
        missing += [(key, sorted(files)) for key, files in used.items() if key not in table]
    every = i18n.merge(*TABLES.values())
    used = _keys_used(r'\b(?:M\.t|st)\("([a-z0-9_]+)"\s*[,)]', "static/js/*.js")
    missing += [(key, sorted(files)) for key, files in used.items() if key not in every]
    assert missing == []
