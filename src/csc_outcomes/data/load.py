"""Load every file of a data folder into the store, one transaction per file.

A file whose bytes, reader and register are unchanged since the last load is
skipped; a file that fails leaves the store as it was and the load goes on with
the rest; files that have left the folder are dropped from the store.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

import pandas as pd

from .. import __version__
from ..errors import CscOutcomesError, DataError
from . import catalogue
from .inspections import consolidate
from .readers.base import ReadContext, ReadResult
from .register import REGISTER_SOURCES, build_register
from .store import Store

#: Bump when a reader's output changes, so that stores built by older code reload.
READER_VERSION = "1"

INSPECTION_COLUMNS = ["la_code", "framework", "inspection_type", "start_date", "end_date",
                      "published", "overall", "help_and_protection", "children_in_care",
                      "care_leavers", "adoption", "leadership", "lscb", "source_row",
                      "source_rank"]


@dataclass
class FileReport:
    """What a load did with one file (the rows of ``data load --json``)."""

    file: str
    family: str | None
    cells_read: int = 0
    values_stored: int = 0
    special_stored: int = 0
    problems: int = 0
    problem_records: int = 0
    rows_read: int = 0
    skipped_reason: str | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    #: special values stored, by status ("other" for fields of inspection and lookup records)
    special_by_status: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class LoadReport:
    data_dir: str
    store: str
    files: list[FileReport]
    dropped: list[str]

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.error]

    def as_dict(self) -> dict:
        return {"data_dir": self.data_dir, "store": self.store,
                "files": [f.as_dict() for f in self.files], "dropped": self.dropped}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_files(data_dir: Path) -> list[str]:
    """Every file under the data folder, as sorted POSIX paths relative to it."""
    found = []
    for root, dirs, files in os.walk(data_dir, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [(Path(root) / f).relative_to(data_dir).as_posix()
                  for f in files if not f.startswith(".")]
    return sorted(found)


def register_key(data_dir: Path) -> str:
    """Changes whenever anything the register is built from changes."""
    digest = hashlib.sha256(READER_VERSION.encode())
    digest.update(resources.files("csc_outcomes.data").joinpath(
        "reference/geography.yaml").read_bytes())
    for rel in REGISTER_SOURCES.values():
        path = data_dir / rel
        digest.update(rel.encode() + (sha256(path).encode() if path.is_file() else b"-"))
    return digest.hexdigest()


def load(data_dir: Path, store_path: Path, *, force: bool = False,
         on_file: Callable[[str], None] | None = None) -> LoadReport:
    """Load (or refresh) the store from ``data_dir``.

    Parameters
    ----------
    data_dir : the folder of official releases.
    store_path : the DuckDB file to create or update.
    force : reload every file even if unchanged.
    on_file : called with each file's name before it is processed (progress bars).

    Returns
    -------
    LoadReport with one :class:`FileReport` per file in the folder.
    """
    if not data_dir.is_dir():
        raise DataError(f"data folder {data_dir} does not exist. Point --data-dir or "
                        "CSC_OUTCOMES_DATA at the releases, or run `csc-outcomes data fetch`.")
    names = data_files(data_dir)
    if not names:
        raise DataError(f"data folder {data_dir} is empty. Run `csc-outcomes data fetch` or "
                        "point --data-dir at a copy of the releases.")
    register = build_register(data_dir)
    reg_key = register_key(data_dir)
    reports = []
    with Store(store_path) as store:
        if force or store.meta("register_key") != reg_key:
            with store.transaction():
                store.replace_register(register.tables())
                store.set_meta("register_key", reg_key)
            force = True
        for name in names:
            if on_file:
                on_file(name)
            reports.append(_load_one(store, data_dir, name, register, reg_key, force))
        with store.transaction():
            dropped = store.forget_files(set(names))
            store.replace_inspections(consolidate(store.table("inspection_record")))
            store.set_meta("data_dir", str(data_dir.resolve()))
            store.set_meta("loaded_at", datetime.now().isoformat(timespec="seconds"))
    return LoadReport(str(data_dir), str(store_path), reports, dropped)


def _load_one(store: Store, data_dir: Path, name: str, register, reg_key: str,
              force: bool) -> FileReport:
    entry = catalogue.match(name)
    if entry is None:
        return FileReport(name, None, skipped_reason="not in the catalogue of known releases: "
                          "no reader knows this file, so nothing from it is loaded")
    if entry.family == "skip":
        return FileReport(name, "skip", skipped_reason=entry.reason)
    path = data_dir / name
    key = f"{sha256(path)}:{READER_VERSION}:{__version__}:{reg_key}"
    previous = store.file_record(name)
    if previous and previous.get("loader_key") == key and not force:
        report = _from_record(previous, entry.family)
        report.skipped_reason = "unchanged since the last load (same sha256, reader and register)"
        return report
    reader = importlib.import_module(f"csc_outcomes.data.readers.{entry.family}")
    try:
        result = reader.read(ReadContext(path, name, register))
        report, tables, measures = _tables(name, entry.family, result)
        record = {"source_file": name, "family": entry.family, "sha256": key.split(":")[0],
                  "size": path.stat().st_size, "loader_key": key,
                  "loaded_at": datetime.now(), "rows_read": report.rows_read,
                  "cells_read": report.cells_read, "values_stored": report.values_stored,
                  "special_stored": report.special_stored, "problems": report.problems,
                  "problem_records": report.problem_records, "skipped_reason": None,
                  "notes": "; ".join(report.notes) or None,
                  "special_by_status": json.dumps(report.special_by_status)}
        with store.transaction():
            store.replace_file(name, tables, measures, record)
    except CscOutcomesError as exc:
        return FileReport(name, entry.family, error=str(exc))
    return report


def _from_record(rec: dict, family: str) -> FileReport:
    def num(key):
        value = rec.get(key)
        return 0 if value is None or pd.isna(value) else int(value)

    by_status = rec.get("special_by_status")
    return FileReport(rec["source_file"], family, num("cells_read"), num("values_stored"),
                      num("special_stored"), num("problems"), num("problem_records"),
                      num("rows_read"), notes=[n for n in (rec.get("notes") or "").split("; ") if n],
                      special_by_status=json.loads(by_status) if isinstance(by_status, str) else {})


def _tables(name: str, family: str, result: ReadResult):
    obs = result.observation_frame()
    obs["source_file"] = name
    obs["release"] = result.release
    values = int((obs["status"] == "value").sum()) + result.other_values
    special = int((obs["status"] != "value").sum()) + result.other_special
    problem_cells = sum(p.cells for p in result.problems)
    if result.cells_read != values + special + problem_cells:
        raise DataError(
            f"{name}: internal accounting error: {result.cells_read} cells read but "
            f"{values} values + {special} special + {problem_cells} in problems. "
            "This is a bug in the reader; please report it.")
    problems = pd.DataFrame([{"source_file": name, "row": p.row, "column": p.column,
                              "code": p.code, "message": p.message, "value": p.value,
                              "cells": p.cells} for p in result.problems])
    inspections = pd.DataFrame(result.inspections, columns=INSPECTION_COLUMNS)
    if not inspections.empty:
        inspections["source_file"] = name
        for col in ("start_date", "end_date", "published"):
            inspections[col] = pd.to_datetime(inspections[col]).dt.date
    tables = {"observation": obs, "problem": problems, "inspection_record": inspections}
    for table, rows in result.tables.items():
        frame = pd.DataFrame(rows)
        frame["source_file"] = name
        tables[table] = frame
    measures = pd.DataFrame(list(result.measures.values()))
    by_status = obs.loc[obs["status"] != "value", "status"].value_counts().to_dict()
    if result.other_special:
        by_status["other"] = result.other_special
    report = FileReport(name, family, result.cells_read, values, special, problem_cells,
                        len(result.problems), result.rows_read, notes=result.notes,
                        special_by_status={k: int(v) for k, v in sorted(by_status.items())})
    return report, tables, measures
