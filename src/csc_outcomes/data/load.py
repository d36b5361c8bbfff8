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
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

import pandas as pd

from .. import __version__
from ..errors import DataError, LoadInterrupted
from . import catalogue
from .load_report import FileReport, LoadReport
from .reading import read_files
from .register import Register, build_register, register_sources
from .store import Store, make_parent
from .writing import Writer, commit_holding_interrupts, interrupts_as, remove_store

__all__ = ["FileReport", "LoadReport", "data_files", "load", "sha256"]

#: Bump when a reader's output changes, so that stores built by older code reload.
READER_VERSION = "2"


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
    make_parent(store_path)  # before hours of reading, not after
    say = on_phase or (lambda text: None)
    results: dict[str, tuple] = {}
    try:
        with interrupts_as(LoadInterrupted(INTERRUPTED)):
            with _stored_state(store_path, existed) as (previous, stored_key, stored_register,
                                                        store):
                plan = _plan(data_dir, names, previous, stored_key, stored_register, force)
                stored = {n for n, r in previous.items() if r["loader_key"] is not None}
                kept = sorted(stored - set(names))
                idle = not (plan.to_read or (prune and kept) or plan.new_register
                            or plan.recovered)
                if idle and store is not None:  # nothing to read or write: say when we looked
                    store.set_meta("loaded_at", datetime.now().isoformat(timespec="seconds"))
            if not idle or store is None:
                say(f"reading {len(plan.to_read)} of {len(names)} files "
                    f"({len(names) - len(plan.to_read)} unchanged or not data)")
                _read_and_write(store_path, data_dir, plan, stored, kept if prune else [],
                                results, workers, on_file, say)
    except BaseException:
        if not existed:
            remove_store(store_path)
        raise
    for name, outcome in results.items():
        plan.reports[name] = outcome[0]
    return LoadReport(str(data_dir), str(store_path), list(plan.reports.values()),
                      kept=[] if prune else kept, pruned=kept if prune else [],
                      register=plan.register_note)


INTERRUPTED = "load interrupted before it was committed; the store is as it was before the load"


def _read_and_write(store_path: Path, data_dir: Path, plan: _Plan, stored: set[str],
                    prune: list[str], results: dict, workers, on_file, say) -> None:
    """Read the planned files and write them in one transaction, as they arrive."""
    with read_files(data_dir, plan.to_read, plan.register, workers) as arrivals, \
            Store(store_path) as store:
        store.begin()
        try:
            if plan.new_register:
                store.replace_register(plan.register.tables())
                store.set_meta("register_key", plan.register_key)
                store.set_meta("register", plan.register.to_json())
            writer = Writer(store, stored)
            for name, outcome in arrivals:
                results[name] = outcome
                if on_file:
                    on_file(name)
                if not outcome[0].error:
                    writer.add(name, outcome[1])
            say(f"writing {len(writer.records)} file(s) to the store")
            now = datetime.now()
            writer.finish(failures=[
                {"source_file": n, "family": out[0].family, "failed_at": now,
                 "failed_sha256": out[1]["sha256"], "failed_error": out[0].error}
                for n, out in sorted(results.items()) if out[0].error],
                recovered=plan.recovered, prune=prune, data_dir=data_dir)
            commit_holding_interrupts(store)
        except BaseException:
            store.rollback()
            raise


@contextmanager
def _stored_state(store_path: Path, existed: bool):
    """(file records by file, register key, register JSON, the open store or None); the
    store is closed at the end of the block (before any reading process is forked)."""
    if not existed:
        yield {}, None, None, None
        return
    with Store(store_path) as store:
        records = store.file_records()
        previous = {r["source_file"]: {k: (None if _missing(v) else v) for k, v in r.items()}
                    for r in records.to_dict(orient="records")}
        yield previous, store.meta("register_key"), store.meta("register"), store


def _missing(value) -> bool:
    return value is None or (not isinstance(value, (list, dict, str)) and bool(pd.isna(value)))


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


def _plan(data_dir: Path, names: list[str], previous: dict[str, dict], stored_key: str | None,
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
        before = previous.get(name)
        if not force and before and before["loader_key"] == loader_key:
            report = _from_record(before, name, entry.family)
            report.skipped_reason = "unchanged since the last load (same sha256, reader and register)"
            reports[name] = report
            if before["failed_at"] is not None:
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


