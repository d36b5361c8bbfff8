"""Shared fixtures: the real releases, the register built from them, and one store
loaded from them once per test session (like Datasette's session-wide fixtures).

The releases are read from CSC_OUTCOMES_DATA, or ../shared/data/raw beside the
checkout. Tests never download anything.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from csc_outcomes.data.load import load
from csc_outcomes.data.readers.base import ReadContext
from csc_outcomes.data.register import build_register

REPO = Path(__file__).resolve().parents[1]


def _raw_dir() -> Path:
    env = os.environ.get("CSC_OUTCOMES_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data" / "raw"
    if not path.is_dir():
        raise RuntimeError(
            f"the official releases are not at {path}: set CSC_OUTCOMES_DATA to their folder")
    return path


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    return _raw_dir()


@pytest.fixture(scope="session")
def register(raw_dir):
    return build_register(raw_dir)


@pytest.fixture(scope="session")
def read_file(raw_dir, register):
    """Run the catalogue's reader on one real file: read_file('dfe_cin_ees/b1_...csv')."""
    from csc_outcomes.data import catalogue

    def _read(name: str):
        return catalogue.match(name).reader(ReadContext(raw_dir / name, name, register))

    return _read


@pytest.fixture(scope="session")
def loaded(raw_dir, tmp_path_factory):
    """(store path, LoadReport) for a full load of the real releases."""
    path = tmp_path_factory.mktemp("store") / "csc.duckdb"
    report = load(raw_dir, path)
    return path, report


@pytest.fixture(scope="session")
def store_path(loaded) -> Path:
    return loaded[0]


@pytest.fixture
def store(store_path):
    from csc_outcomes.data.store import Store

    with Store(store_path, read_only=True) as s:
        yield s


@pytest.fixture(scope="session")
def report_data(store_path):
    """The report's data read from the session's store, once."""
    from csc_outcomes.report import read_report_data

    return read_report_data(store_path)


@dataclass
class BuiltSite:
    """The session's site: ``index`` (its index.html; ``index.parent`` is the folder), the
    pages and tables the command said it wrote, and the command's exit code and output."""

    index: Path
    pages: int
    tables: int
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def site(store_path, raw_dir, tmp_path_factory) -> BuiltSite:
    """The static site, built once per test run the way a user builds it:
    ``csc-outcomes report OUT --data-dir RAW --store COPY``, on a copy of the session's
    store (so the command first checks the releases against it).

    With pytest-xdist the first worker to ask builds it, under a lock, in the folder the
    workers share, and the others read what it wrote (pytest-xdist's recipe for a
    session fixture made once)."""
    from click.testing import CliRunner
    from filelock import FileLock

    from csc_outcomes.cli import cli

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root, record = shared / "report", shared / "report.json"
    with FileLock(str(shared / "report.lock")):
        if not record.exists():
            root.mkdir(exist_ok=True)
            store = root / "csc.duckdb"
            shutil.copy(store_path, store)
            result = CliRunner().invoke(cli, ["report", str(root / "site"), "--data-dir",
                                              str(raw_dir), "--store", str(store)])
            record.write_text(json.dumps({"exit_code": result.exit_code,
                                          "stdout": result.stdout, "stderr": result.stderr}))
    ran = json.loads(record.read_text())
    wrote = re.search(r"Wrote ([\d,]+) pages and ([\d,]+) tables", ran["stdout"])
    if ran["exit_code"] != 0 or not wrote:
        raise RuntimeError(f"csc-outcomes report failed ({ran['exit_code']}):\n"
                           f"{ran['stdout']}\n{ran['stderr']}")
    return BuiltSite(root / "site" / "index.html", int(wrote[1].replace(",", "")),
                     int(wrote[2].replace(",", "")), **ran)


@pytest.fixture(scope="session")
def served(store_path):
    """``csc-outcomes serve``'s app run by uvicorn on a free local port, for the session:
    (base URL, app)."""
    import socket
    import threading
    import time

    import uvicorn

    from csc_outcomes.report.serve import create_app

    app = create_app(store_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the report server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/", app
    server.should_exit = True
    thread.join(timeout=30)
