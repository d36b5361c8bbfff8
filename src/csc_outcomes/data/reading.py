"""Reading the files of a load, in parallel, into the store's tables (in memory).

Each file is read by its catalogue reader into a :class:`ReadResult`, checked (its cells
must balance), and turned into Arrow tables and frames shaped like the store's tables. The
files are read in worker processes (one per core, started by ``fork`` so that they share
the register); the results arrive as each file is done.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..errors import CscOutcomesError, DataError
from ..workers import cores, fork_pool
from . import catalogue
from .load_report import FileReport
from .readers.base import ReadContext, ReadResult
from .register import Register
from .schema import INSPECTION_COLUMNS, PROBLEM_COLUMNS, release

#: The register the reading processes use (set before they are forked).
_REGISTER: Register | None = None


@contextmanager
def read_files(data_dir: Path, tasks: list[tuple[str, str, str]], register: Register | None,
               workers: int | None = None) -> Iterator[Iterator[tuple[str, tuple]]]:
    """Read ``tasks`` (name, family, loader key); yields an iterator of (name, outcome) in
    the order the files are done, where outcome is (FileReport, payload). A file that
    fails has an ``error`` in its report and is otherwise left out.

    The worker processes are started (forked) on entry, before the caller opens the store,
    and stopped on exit; Ctrl-C stops them at once. With one core, or ``workers=1``, the
    files are read in this process.
    """
    global _REGISTER
    tasks = sorted(tasks, key=lambda t: -_cost(data_dir / t[0]))
    workers = min(workers or cores(), len(tasks))
    _REGISTER = register
    try:
        if workers > 1:
            _preload()
        with fork_pool(workers) as pool:
            if pool is None:
                yield (_read_one(data_dir, *task) for task in tasks)
            else:
                yield pool.imap_unordered(_read_star, [(data_dir, *task) for task in tasks])
    finally:
        _REGISTER = None


def _preload() -> None:
    """Import the file libraries once, before the workers fork, so that each worker does
    not import them again."""
    import pyarrow.compute  # noqa: F401
    import pyarrow.parquet  # noqa: F401
    import python_calamine  # noqa: F401


def _cost(path: Path) -> float:
    """Rough reading time, to start the slowest files first: workbooks are slow per byte."""
    size = path.stat().st_size
    return size * (12 if path.suffix in (".xlsx", ".ods") else 1)


def _read_star(job):
    return _read_one(*job)


def _read_one(data_dir: Path, name: str, family: str, loader_key: str):
    """Read one file into the store's tables; errors become the file's report."""
    path = data_dir / name
    entry = catalogue.match(name)
    ctx = ReadContext(path, name, _REGISTER)
    try:
        result = entry.reader(ctx)
        report, tables, measures = _tables(ctx, family, result)
    except CscOutcomesError as exc:
        return name, (FileReport(name, family, error=str(exc)),
                      {"sha256": loader_key.split(":")[0]})
    notes = list(report.notes)
    official = release(name)
    if official and official["sha256"] != loader_key.split(":")[0]:
        notes.append("differs from the official release (its sha256 is not the manifest's); "
                     "loaded as it is")
        report.notes = notes
    record = {"source_file": name, "family": family, "sha256": loader_key.split(":")[0],
              "size": path.stat().st_size, "loader_key": loader_key,
              "loaded_at": datetime.now(), "rows_read": report.rows_read,
              "cells_read": report.cells_read, "values_stored": report.values_stored,
              "special_stored": report.special_stored, "problems": report.problems,
              "problem_records": report.problem_records, "skipped_reason": None,
              "notes": "; ".join(report.notes) or None,
              "special_by_status": json.dumps(report.special_by_status)}
    return name, (report, {"tables": tables, "measures": measures, "record": record})


def _tables(ctx: ReadContext, family: str, result: ReadResult):
    name = ctx.name
    obs = result.observation_table(ctx, name)
    by_status = result.status_counts()
    values = int(by_status.get("value", 0)) + result.other_values
    special = int(obs.num_rows - by_status.get("value", 0)) + result.other_special
    problem_cells = sum(p.cells for p in result.problems)
    if result.cells_read != values + special + problem_cells:
        raise DataError(
            f"{name}: internal accounting error: {result.cells_read} cells read but "
            f"{values} values + {special} special + {problem_cells} in problems. "
            "This is a bug in the reader; please report it.")
    tables = {"observation": obs}  # the writer passes over empty tables: none are made
    if result.problems:
        tables["problem"] = pd.DataFrame(
            [{"source_file": name, "row": p.row, "column": p.column, "code": p.code,
              "message": p.message, "value": p.value, "cells": p.cells}
             for p in result.problems], columns=PROBLEM_COLUMNS)
    if result.inspections:
        tables["inspection_record"] = _inspections(name, result.inspections)
    for table, rows in result.tables.items():
        frame = pd.DataFrame(rows)
        frame["source_file"] = name
        tables[table] = frame
    measures = pd.DataFrame(list(result.measures.values()))
    by_status = {k: v for k, v in by_status.items() if k != "value"}
    if result.other_special:
        by_status["other"] = result.other_special
    report = FileReport(name, family, result.cells_read, values, special, problem_cells,
                        len(result.problems), result.rows_read, notes=result.notes,
                        special_by_status={k: int(v) for k, v in sorted(by_status.items())})
    return report, tables, measures


def _inspections(name: str, records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=INSPECTION_COLUMNS)
    if not frame.empty:
        frame["source_file"] = name
        for col in ("start_date", "end_date", "published"):
            frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame
