"""ruff (lint and import order) and mypy (strict on the engine) pass; configuration in pyproject.toml.

Both are in the dev extra (setup.cfg); without them the test skips through ``need``, which CI
(MOTCUA_REQUIRE_ALL=1) turns into a failure.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT, need


def _tool(name: str) -> str | None:
    here = Path(sys.executable).with_name(name)
    return str(here) if here.exists() else shutil.which(name)


def test_ruff():
    ruff = _tool("ruff")
    need(ruff is not None, "ruff is not installed (pip install -e '.[dev]')")
    done = subprocess.run([ruff, "check", "--no-cache", "--output-format", "concise", "."], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"ruff check . found problems (ruff check --fix . fixes some):\n{done.stdout}{done.stderr}"


def test_mypy():
    need(_tool("mypy") is not None, "mypy is not installed (pip install -e '.[dev]')")
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"mypy found problems:\n{done.stdout}{done.stderr}"
