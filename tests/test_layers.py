"""The layering contracts of pyproject.toml ([tool.importlinter]), checked with import-linter.

The stage folders install as ``newswash.<stage>`` (package-dir in pyproject.toml), a layout
import-linter cannot follow in the source tree: the test lays the package out as installed
in a temporary folder and runs ``lint-imports`` on it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _installed_layout(target: Path) -> Path:
    """The ``newswash`` package as pip installs it, under ``target``."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    for package, folder in setuptools["package-dir"].items():
        shutil.copytree(ROOT / folder, target / package.replace(".", "/"), dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.sql", "*.toml", "*.duckdb*"))
    return target


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=tree,
                          env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True, text=True, timeout=300)


def test_only_the_warehouse_talks_to_duckdb_and_flows_use_its_interface(tmp_path: Path) -> None:
    result = _lint(_installed_layout(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_a_crossed_layer_fails_the_check(tmp_path: Path) -> None:
    tree = _installed_layout(tmp_path)
    (tree / "newswash" / "sources" / "crossing.py").write_text("import duckdb\n", "utf-8")
    (tree / "newswash" / "flows" / "crossing.py").write_text("from newswash.warehouse.store import open_warehouse\n",
                                                               "utf-8")
    result = _lint(tree)
    assert result.returncode != 0
    assert "2 broken" in result.stdout
