"""Rules the test suite keeps, so that CI checks what it says.

Every skip goes through ``need(...)`` in tests/conftest.py, which MOTCUA_REQUIRE_ALL=1 (set by
.ci/run) turns into a failure; a direct ``pytest.skip``, ``pytest.importorskip`` or a ``skip``/
``skipif`` marker would pass CI silently with the test not run.
"""

from __future__ import annotations

import ast
import concurrent.futures
from pathlib import Path

from .conftest import ROOT

TESTS = ROOT / "tests"
SKIPPING = {"skip", "skipif", "importorskip"}


def _direct_skips(path: Path) -> list[str]:
    found = []
    # parsed on a thread of its own: CPython 3.11's parser can fail with "AST constructor recursion
    # depth mismatch" when called deep in a stack that other tests left behind
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        tree = pool.submit(ast.parse, path.read_text(encoding="utf-8"), filename=str(path)).result()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in SKIPPING:
            found.append(f"{path.name}:{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("pytest", "unittest"):
            found += [f"{path.name}:{node.lineno}: import {a.name}" for a in node.names if a.name in SKIPPING]
    return found


def test_every_skip_goes_through_need():
    files = [p for p in sorted(TESTS.rglob("*.py")) if p.name != "conftest.py"]
    assert len(files) > 20
    found = [hit for path in files for hit in _direct_skips(path)]
    assert not found, ("skip through tests.conftest.need(condition, reason), which CI turns into a failure: "
                       + "; ".join(found))


def test_the_rule_sees_a_direct_skip(tmp_path):
    sample = tmp_path / "test_sample.py"
    skip = "pytest." + "skip"  # the forbidden calls, assembled so this file itself holds none
    sample.write_text(f"import pytest\n\n@{skip[:7]}mark.skipif(True, reason='x')\ndef test_a():\n"
                      f"    {skip}('no')\n    {skip[:7]}importorskip('zbar')\n")
    assert len(_direct_skips(sample)) == 3
