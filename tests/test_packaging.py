"""Every data file the package reads at run time is declared as package data, so that a
normal (non-editable) install works."""

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_all_package_data_is_declared():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["csc_outcomes"]
    package = ROOT / "src" / "csc_outcomes"
    data_files = [p.relative_to(package).as_posix() for p in package.rglob("*")
                  if p.is_file() and p.suffix in (".yaml", ".yml", ".toml", ".html", ".json")]
    assert data_files
    undeclared = [f for f in data_files if not any(fnmatch(f, pat) for pat in patterns)]
    assert not undeclared, f"add to [tool.setuptools.package-data]: {undeclared}"
