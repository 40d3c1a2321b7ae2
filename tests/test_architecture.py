"""The import graph keeps the layers of docs/architecture.md.

Every ``.py`` file of the packages is parsed with :mod:`ast`; every import is collected, at
module level and inside functions (lazy imports count), plus ``importlib.import_module("…")``
and ``__import__("…")`` with a literal name; only ``if TYPE_CHECKING:`` blocks (never run) are left out. Each rule says which packages a layer must not
import; the one exception (the ``motcua`` launcher naming the device programs as strings) is
checked to stay what docs/architecture.md says it is.
"""

from __future__ import annotations

import ast
import concurrent.futures
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGES = ("hall_server", "device_link", "ticket_printer", "counter_buttons", "display_board", "audio")
DEVICES = ("ticket_printer", "counter_buttons", "display_board")
WEB_LIBS = ("flask", "flask_login", "flask_limiter", "flask_socketio", "werkzeug", "socketio", "engineio",
            "gunicorn", "uvicorn", "a2wsgi", "starlette")
DB_LIBS = ("sqlalchemy", "alembic", "psycopg", "redis")


@dataclass(frozen=True)
class Import:
    module: str      # the importing module, e.g. "hall_server.engine.hall"
    target: str      # what it imports, absolute, e.g. "hall_server.web.app"
    path: Path
    line: int
    lazy: bool       # inside a function


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join(base + ([name] if name else []))


def imports_of(path: Path, source: str | None = None) -> list[Import]:
    """The imports of the file at ``path`` (or of ``source``, as if it were that file)."""
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    text = source if source is not None else path.read_text(encoding="utf-8")
    # on a thread of its own: CPython 3.11's parser can fail deep in a stack other tests left behind
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        tree = pool.submit(ast.parse, text, filename=str(path)).result()
    found: list[Import] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:  # the body is for type checkers only, never run
                    visit(other, lazy)
                continue
            inner = lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend(Import(module, a.name, path, child.lineno, lazy) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                target = _resolve(module, is_package, child.level, child.module) if child.level else child.module
                found.append(Import(module, target or "", path, child.lineno, lazy))
                if child.level:  # "from . import x": x may be a module
                    found.extend(Import(module, f"{target}.{a.name}", path, child.lineno, lazy) for a in child.names)
            elif isinstance(child, ast.Call) and child.args and isinstance(child.args[0], ast.Constant) \
                    and isinstance(child.args[0].value, str):
                func = child.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("import_module", "__import__", "run_module"):
                    found.append(Import(module, child.args[0].value, path, child.lineno, True))
            visit(child, inner)

    visit(tree, False)
    return found


def all_imports() -> list[Import]:
    out = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            out.extend(imports_of(path))
    return out


def _top(name: str) -> str:
    return name.split(".")[0]


def _within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


#: (layer, what it must not import, why). A layer is a module prefix.
RULES = [
    ("hall_server.engine", ("hall_server",), "the engine is pure: it imports only itself and the standard library"),
    ("hall_server.engine", WEB_LIBS + DB_LIBS + ("requests",), "the engine never touches the web or a database"),
    ("hall_server.store", ("hall_server.web", "hall_server.service") + WEB_LIBS,
     "the store knows the engine, not the layers above it"),
    ("hall_server.service", ("hall_server.web", "hall_server.pipeline") + WEB_LIBS,
     "the service is called by the web layer, not the reverse"),
    ("hall_server.pipeline", ("hall_server.web",) + WEB_LIBS,
     "the command pipeline is below every transport: it knows no HTTP and no sockets"),
    ("hall_server.queueing", ("hall_server.web", "hall_server.store", "hall_server.service") + WEB_LIBS + DB_LIBS,
     "queue science works on engine values only"),
    ("hall_server", DEVICES + ("device_link",), "the server imports no device program and not their link"),
    ("device_link", ("hall_server", "audio") + DEVICES + ("flask", "sqlalchemy"),
     "the link is below every device and knows none of them, nor the server"),
    ("audio", ("hall_server", "device_link") + DEVICES, "audio is shared: it imports no server and no device"),
] + [
    (device, ("hall_server",) + tuple(d for d in DEVICES if d != device) + ("flask", "sqlalchemy", "alembic"),
     "a device imports only itself, device_link and audio")
    for device in DEVICES
]

#: The standard library, for the engine's allow-list.
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def violations(imports: list[Import]) -> list[str]:
    problems = []
    for imp in imports:
        if imp.module == "hall_server.cli" and imp.lazy and _within(imp.target, *DEVICES):
            continue  # never happens: the launcher names devices as strings (checked below)
        for layer, forbidden, why in RULES:
            if _within(imp.module, layer) and _within(imp.target, *forbidden) and not _within(imp.target, layer):
                problems.append(f"{imp.path.relative_to(ROOT)}:{imp.line}: {imp.module} imports {imp.target}"
                                f"{' (lazily)' if imp.lazy else ''}: {why}")
        if _within(imp.module, "hall_server.engine") and _top(imp.target) not in STDLIB \
                and not _within(imp.target, "hall_server.engine"):
            problems.append(f"{imp.path.relative_to(ROOT)}:{imp.line}: {imp.module} imports {imp.target}: "
                            "the engine imports only itself and the standard library")
    return sorted(set(problems))


def test_every_package_keeps_its_layer():
    imports = all_imports()
    assert len(imports) > 500  # the walk found the code
    assert violations(imports) == []


def test_the_motcua_launcher_names_device_programs_only_as_strings():
    """``motcua printer|buttons|rating-box|board`` dispatch by module path (importlib) to each device's
    own ``cli`` module, which also has its own console script; hall_server imports none of them."""
    from hall_server.cli import LAZY

    devices = {name: target for name, target in LAZY.items() if _within(target[0], *DEVICES)}
    assert devices == {"printer": ("ticket_printer.cli", "printer"), "buttons": ("counter_buttons.cli", "buttons"),
                       "rating-box": ("counter_buttons.cli", "rating_box"), "board": ("display_board.cli", "board")}
    launcher = [i for i in all_imports() if i.module == "hall_server.cli"]
    assert not [i for i in launcher if _within(i.target, *DEVICES)]
    setup = (ROOT / "setup.cfg").read_text(encoding="utf-8")
    for module, attr in set(devices.values()):
        assert f"{module}:{attr}" in setup, f"{module}:{attr} needs its own console_scripts entry"


@pytest.mark.parametrize("source, broken", [
    ("import flask\n", "hall_server/engine/x.py"),
    ("def f():\n    from hall_server.web import app\n", "hall_server/engine/x.py"),
    ("from ..store import db\n", "hall_server/engine/x.py"),
    ("def f():\n    import counter_buttons.box\n", "hall_server/web/x.py"),
    ("from hall_server.web.i18n import TEXT\n", "display_board/x.py"),
    ("import importlib\nimportlib.import_module('hall_server.config')\n", "ticket_printer/x.py"),
    ("from counter_buttons.box import ButtonBox\n", "display_board/x.py"),
    ("import display_board\n", "device_link/x.py"),
])
def test_the_rules_catch_a_wrong_import(source, broken):
    """Each rule really fails: the same walk over a file that breaks it."""
    assert violations(imports_of(ROOT / broken, source)), f"{broken}: {source!r} was not caught"
