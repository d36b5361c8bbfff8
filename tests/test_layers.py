"""The package's layering: SQL only in the store, no import by string, imports that
point one way, and a command line that starts without the heavy libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "csc_outcomes"
MODULES = sorted(SRC.rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _imports(path: Path) -> set[str]:
    """Absolute names of the csc_outcomes modules a module imports."""
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
    if path.name == "__init__.py":
        package += ".__init__"
    out = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: -node.level]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.startswith("csc_outcomes"):
                out.add(name)
                out |= {f"{name}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("csc_outcomes")}
    return out


def test_sql_runs_only_in_the_store():
    calls = []
    for path in MODULES:
        if path.name == "store.py":
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in ("execute", "query", "sql") and \
                    "duckdb" not in ast.unparse(node.func.value):
                calls.append(f"{path.relative_to(SRC)}:{node.lineno}: {ast.unparse(node)[:60]}")
    assert calls == []


def test_no_import_by_string():
    found = [f"{p.relative_to(SRC)}" for p in MODULES
             if "import_module(" in p.read_text() and p.name != "__init__.py"]
    assert found == []  # only the package root's lazy public names use import_module


@pytest.mark.parametrize("layer, forbidden", [
    ("data", ("csc_outcomes.indicators", "csc_outcomes.analysis", "csc_outcomes.cli",
              "csc_outcomes.report", "csc_outcomes.consensus")),
    ("data/readers", ("csc_outcomes.data.load", "csc_outcomes.data.store",
                      "csc_outcomes.data.catalogue")),
    ("indicators", ("csc_outcomes.analysis", "csc_outcomes.cli", "csc_outcomes.report")),
    ("analysis", ("csc_outcomes.cli", "csc_outcomes.report")),
])
def test_imports_point_one_way(layer, forbidden):
    wrong = [f"{p.relative_to(SRC)} imports {name}"
             for p in sorted((SRC / layer).rglob("*.py")) for name in _imports(p)
             if name.startswith(forbidden)]
    assert wrong == []


def test_the_register_reads_through_the_checked_file_functions():
    names = _imports(SRC / "data" / "register.py")
    assert "csc_outcomes.data.files" in names
    assert not any(n.startswith("csc_outcomes.data.readers") for n in names)
    text = (SRC / "data" / "register.py").read_text()
    assert "pd.read_csv" not in text and "CalamineWorkbook" not in text


def test_the_command_line_starts_without_pandas_or_duckdb():
    code = ("import sys; from csc_outcomes.cli import cli; "
            "print(sorted(m for m in ('pandas', 'duckdb', 'numpy', 'pyarrow') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
