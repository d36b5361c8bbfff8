"""Load every file of a data folder into the store: read them all, then write once.

1. **Plan.** Each file is matched to its reader in the catalogue and hashed; a file whose
   bytes, reader and register are unchanged since the last load is not read again.
2. **Read.** The files to read are read in parallel (one process per core), each into
   tables in memory. A file that fails is reported with its error and takes no further
   part: its rows from an earlier load stay as they were.
3. **Write.** One transaction replaces the rows of every file read, with one bulk insert
   per table, and rebuilds the linked inspections. Ctrl-C before the commit rolls it
   back: the store is left exactly as it was (and a first load leaves no store at all).

A file that is not in the folder is never dropped from the store because of that,
unless asked (``prune``): a folder holding some of the releases loads what it holds
and the report says which stored files it kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

import pandas as pd

from .. import __version__
from ..errors import CscOutcomesError, DataError, LoadInterrupted
from . import catalogue
from .inspections import consolidate
from .readers.base import ReadContext, ReadResult
from .register import Register, build_register, register_sources
from .schema import INSPECTION_COLUMNS, PROBLEM_COLUMNS, release
from .store import Store

#: Bump when a reader's output changes, so that stores built by older code reload.
READER_VERSION = "2"


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
    #: files the store holds from earlier loads that are not in this folder: kept
    kept: list[str] = field(default_factory=list)
    #: files dropped from the store because they left the folder (only with ``prune``)
    pruned: list[str] = field(default_factory=list)
    #: how the register of authorities was obtained for this load
    register: str = ""

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.error]

    def as_dict(self) -> dict:
        return {"data_dir": self.data_dir, "store": self.store,
                "files": [f.as_dict() for f in self.files], "kept": self.kept,
                "pruned": self.pruned, "register": self.register,
                "failed": [f.file for f in self.failed]}


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


@dataclass
class _Plan:
    """Which files a load reads, and the register it reads them with."""

    reports: dict[str, FileReport]  # every file in the folder, in name order
    to_read: list[tuple[str, str, str]]  # (name, family, loader key)
    register: Register | None
    register_key: str
    register_note: str
    new_register: bool  # the register tables must be (re)written
    #: unchanged files whose record says an earlier load failed to read another version
    recovered: list[str] = field(default_factory=list)


def load(data_dir: Path, store_path: Path, *, force: bool = False, prune: bool = False,
         workers: int | None = None, on_file: Callable[[str], None] | None = None,
         on_phase: Callable[[str], None] | None = None) -> LoadReport:
    """Load (or refresh) the store from ``data_dir``.

    Parameters
    ----------
    data_dir : the folder of official releases.
    store_path : the DuckDB file to create or update.
    force : reload every file even if unchanged.
    prune : drop from the store the files that are no longer in the folder (by default
        they are kept, and listed in the report's ``kept``).
    workers : processes that read files (default: one per core; 1 reads in this process).
    on_file : called with each file's name once it has been read (progress bars).
    on_phase : called with a line saying what the load is doing (planning, reading,
        writing), for logs and progress displays.

    Returns
    -------
    LoadReport with one :class:`FileReport` per file in the folder.

    Raises
    ------
    DataError : the folder is missing or empty, or the register cannot be built.
    LoadInterrupted : Ctrl-C; the store is as it was before the load.
    """
    if not data_dir.is_dir():
        raise DataError(f"data folder {data_dir} does not exist. Point --data-dir or "
                        "CSC_OUTCOMES_DATA at the releases, or run `csc-outcomes data fetch`.")
    names = data_files(data_dir)
    if not names:
        raise DataError(f"data folder {data_dir} is empty. Run `csc-outcomes data fetch` or "
                        "point --data-dir at a copy of the releases.")
    existed = store_path.exists()
    say = on_phase or (lambda text: None)
    try:
        with _interrupts_as(LoadInterrupted("load interrupted before anything was written; "
                                            "the store was not changed")):
            previous, stored_key, stored_register = _stored_state(store_path, existed)
            plan = _plan(data_dir, names, previous, stored_key, stored_register, force)
            say(f"reading {len(plan.to_read)} of {len(names)} files "
                f"({len(names) - len(plan.to_read)} unchanged or not data)")
            results = _read_all(data_dir, plan, workers, on_file)
            kept = sorted(set(previous.index[previous["loader_key"].notna()]) - set(names))
            _write(store_path, data_dir, plan, results, kept if prune else [], say)
    except BaseException:
        if not existed:
            _remove_store(store_path)
        raise
    for name, outcome in results.items():
        plan.reports[name] = outcome[0]
    return LoadReport(str(data_dir), str(store_path), list(plan.reports.values()),
                      kept=[] if prune else kept, pruned=kept if prune else [],
                      register=plan.register_note)


def _stored_state(store_path: Path, existed: bool) -> tuple[pd.DataFrame, str | None, str | None]:
    """The store's file records (indexed by file), register key and register."""
    if not existed:
        empty = pd.DataFrame(columns=["source_file", "loader_key"]).set_index("source_file")
        return empty, None, None
    with Store(store_path) as store:
        return (store.file_records().set_index("source_file"), store.meta("register_key"),
                store.meta("register"))


# -- planning --------------------------------------------------------------------------------

def _register_key(data_dir: Path, sources: dict[str, str | None]) -> str:
    """Changes whenever anything the register is built from changes."""
    digest = hashlib.sha256(READER_VERSION.encode())
    digest.update(resources.files("csc_outcomes.data").joinpath(
        "reference/geography.yaml").read_bytes())
    for key, rel in sorted(sources.items()):
        digest.update(f"{key}={rel}:".encode())
        digest.update(sha256(data_dir / rel).encode() if rel else b"-")
    return digest.hexdigest()


def _plan(data_dir: Path, names: list[str], previous: pd.DataFrame, stored_key: str | None,
          stored_register: str | None, force: bool) -> _Plan:
    sources = register_sources(data_dir)
    stored_sources = json.loads(stored_register)["sources"] if stored_register else {}
    absent = [k for k in stored_sources if not sources.get(k)]
    if absent and stored_register:
        key, new = stored_key, False
        register = Register.from_json(stored_register)
        note = ("kept from the earlier load: its source(s) "
                f"{', '.join(REGISTER_LABELS[k] for k in absent)} are not in this folder")
    else:
        register = None  # built below only if a file must be read
        key = _register_key(data_dir, sources)
        new = force or key != stored_key
        note = "rebuilt from this folder" if new else "unchanged"
    force = force or new
    reports, to_read, recovered = {}, [], []
    for name in names:
        entry = catalogue.match(name)
        if entry is None:
            reports[name] = FileReport(name, None, skipped_reason=(
                "not in the catalogue of known releases: no reader knows this file, so "
                "nothing from it is loaded"))
            continue
        if entry.family == "skip":
            reports[name] = FileReport(name, "skip", skipped_reason=entry.reason)
            continue
        loader_key = f"{sha256(data_dir / name)}:{READER_VERSION}:{__version__}:{key}"
        if not force and name in previous.index and \
                previous.at[name, "loader_key"] == loader_key:
            report = _from_record(previous.loc[name].to_dict(), name, entry.family)
            report.skipped_reason = "unchanged since the last load (same sha256, reader and register)"
            reports[name] = report
            if pd.notna(previous.at[name, "failed_at"]):
                recovered.append(name)
            continue
        reports[name] = FileReport(name, entry.family)
        to_read.append((name, entry.family, loader_key))
    if register is None and (to_read or new):
        register = build_register(data_dir, sources)
    return _Plan(reports, to_read, register, key, note, new, recovered)


REGISTER_LABELS = {"codes": "the children-in-need time series (dfe_cin_ees/b1_...)",
                   "types": "LAIT's authority list (dfe_lait/la_code_list.xlsx)",
                   "urns": "the Ofsted URN lookup (lookups/Provider_data_lookup.csv)"}


def _from_record(rec: dict, name: str, family: str) -> FileReport:
    def num(key):
        value = rec.get(key)
        return 0 if value is None or pd.isna(value) else int(value)

    notes = rec.get("notes")
    by_status = rec.get("special_by_status")
    return FileReport(name, family, num("cells_read"), num("values_stored"),
                      num("special_stored"), num("problems"), num("problem_records"),
                      num("rows_read"), notes=notes.split("; ") if isinstance(notes, str) else [],
                      special_by_status=json.loads(by_status) if isinstance(by_status, str) else {})


# -- reading ---------------------------------------------------------------------------------

#: The register the reading processes use (set before they are forked).
_REGISTER: Register | None = None


def _read_all(data_dir: Path, plan: _Plan, workers: int | None,
              on_file: Callable[[str], None] | None) -> dict[str, tuple]:
    """Read every planned file; {name: (FileReport, tables or None)}."""
    global _REGISTER
    tasks = sorted(plan.to_read, key=lambda t: -_cost(data_dir / t[0]))
    workers = min(workers or _cores(), len(tasks))
    _REGISTER = plan.register
    results = {}
    try:
        if workers <= 1:
            for task in tasks:
                name, outcome = _read_one(data_dir, *task)
                results[name] = outcome
                if on_file:
                    on_file(name)
            return results
        import multiprocessing

        context = multiprocessing.get_context("fork")
        pool = context.Pool(workers, initializer=_ignore_interrupts)
        try:
            jobs = [(data_dir, *task) for task in tasks]
            for name, outcome in pool.imap_unordered(_read_star, jobs):
                results[name] = outcome
                if on_file:
                    on_file(name)
        except BaseException:
            pool.terminate()
            raise
        else:
            pool.close()
        finally:
            pool.join()
        return results
    finally:
        _REGISTER = None


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _cost(path: Path) -> float:
    """Rough reading time, to start the slowest files first: workbooks are slow per byte."""
    size = path.stat().st_size
    return size * (12 if path.suffix in (".xlsx", ".ods") else 1)


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


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
    problems = pd.DataFrame([{"source_file": name, "row": p.row, "column": p.column,
                              "code": p.code, "message": p.message, "value": p.value,
                              "cells": p.cells} for p in result.problems],
                            columns=PROBLEM_COLUMNS)
    tables = {"observation": obs, "problem": problems,
              "inspection_record": _inspections(name, result.inspections)}
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


# -- writing ---------------------------------------------------------------------------------

def _write(store_path: Path, data_dir: Path, plan: _Plan, results: dict, prune: list[str],
           say: Callable[[str], None]):
    """One transaction: the register, every file read, failures noted, inspections linked."""
    read = {n: out for n, out in results.items() if not out[0].error}
    failed = {n: out for n, out in results.items() if out[0].error}
    if not (read or failed or prune or plan.new_register or plan.recovered):
        with Store(store_path) as store:
            store.set_meta("loaded_at", datetime.now().isoformat(timespec="seconds"))
        return
    names = sorted(read)
    tables = {}
    for table in ("observation", "problem", "inspection_record", "stat_neighbour", "ltla_utla"):
        parts = [read[n][1]["tables"].get(table) for n in names]
        tables[table] = _concat([p for p in parts if p is not None and len(p)])
    measures = _measures([read[n][1]["measures"] for n in names])
    records = pd.DataFrame([read[n][1]["record"] for n in names])
    now = datetime.now()
    failures = [{"source_file": n, "family": out[0].family, "failed_at": now,
                 "failed_sha256": out[1]["sha256"], "failed_error": out[0].error}
                for n, out in sorted(failed.items())]
    with Store(store_path) as store, _interrupts_as(LoadInterrupted(
            "load interrupted before it was committed; the store was left as it was"),
            hold=True), store.transaction():
        say(f"writing {len(names)} file(s) to the store")
        if plan.new_register:
            store.replace_register(plan.register.tables())
            store.set_meta("register_key", plan.register_key)
            store.set_meta("register", plan.register.to_json())
        store.replace_files(names, tables, measures, records)
        store.record_failures(failures)
        store.clear_failures(plan.recovered)
        store.forget_files(prune)
        if names or prune:
            store.replace_inspections(consolidate(store.table("inspection_record")))
        store.set_meta("data_dir", str(data_dir.resolve()))
        store.set_meta("loaded_at", datetime.now().isoformat(timespec="seconds"))
        _check_interrupt()


def _concat(parts: list):
    if not parts:
        return None
    if isinstance(parts[0], pd.DataFrame):
        return pd.concat(parts, ignore_index=True)
    import pyarrow as pa

    return pa.concat_tables(parts, promote_options="permissive")


def _measures(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    """One description per measure: the highest priority, the last file among equals (as
    if each file had been written in name order)."""
    frames = [f for f in frames if f is not None and not f.empty]
    if not frames:
        return None
    allm = pd.concat(frames, ignore_index=True)
    allm["_order"] = range(len(allm))
    allm = allm.sort_values(["priority", "_order"]).drop_duplicates("measure", keep="last")
    return allm.drop(columns="_order").reset_index(drop=True)


# -- Ctrl-C ----------------------------------------------------------------------------------

_PENDING: list[LoadInterrupted] = []


@contextmanager
def _interrupts_as(error: LoadInterrupted, hold: bool = False) -> Iterator[None]:
    """Turn Ctrl-C into ``error``. With ``hold``, the interrupt is held until
    :func:`_check_interrupt` (called inside the transaction, just before it commits), so
    that it rolls the transaction back; one that arrives during the commit itself lets
    the commit finish."""
    if not hold:
        try:
            yield
        except KeyboardInterrupt as exc:
            raise error from exc
        return
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals
        return

    def held(signum, frame):
        _PENDING.append(error)

    previous = signal.signal(signal.SIGINT, held)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _PENDING.clear()


def _check_interrupt() -> None:
    if _PENDING:
        raise _PENDING[0]


def _remove_store(path: Path) -> None:
    """An interrupted first load leaves no half-made store behind."""
    for p in (path, path.with_name(path.name + ".wal")):
        with suppress(FileNotFoundError):
            p.unlink()
