"""Writing a load: one transaction for the register, every file read, the failures, and
the linked inspections.

The transaction opens before the first file has been read, and each batch of files is
inserted as it arrives (a bulk insert per table per batch), so that the store's work
overlaps the reading. Nothing is visible until the commit. Ctrl-C before the commit rolls
everything back; during the commit itself it is held until the commit is done.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from ..errors import LoadInterrupted
from .inspections import consolidate
from .schema import PER_FILE_TABLES
from .store import Store, is_interrupt

#: A batch is written once it holds this many observations (or at the end).
BATCH_ROWS = 400_000


class Writer:
    """Collects the files of a load inside one open transaction of ``store``."""

    def __init__(self, store: Store, stored: set[str]):
        self.store = store
        self.stored = stored  # files with rows in the store before this load
        self.batch: dict[str, dict] = {}
        self.written: list[str] = []
        self.measures: list[pd.DataFrame] = []
        self.records: list[dict] = []

    def add(self, name: str, payload: dict) -> None:
        """A file read without error: queue its tables, write the batch when full."""
        self.batch[name] = payload
        self.measures.append(payload["measures"])
        self.records.append(payload["record"])
        if sum(len(p["tables"]["observation"]) for p in self.batch.values()) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        names = sorted(self.batch)
        tables = {t: _concat([self.batch[n]["tables"].get(t) for n in names])
                  for t in PER_FILE_TABLES}
        self.store.replace_files(names, tables, replaced=sorted(self.stored & set(names)))
        self.written += names
        self.batch = {}

    def finish(self, *, failures: list[dict], recovered: list[str], prune: list[str],
               data_dir: Path) -> None:
        """Write what is left: measures, file records, failure notes, pruning, inspections."""
        self.flush()
        self.store.merge_measures(_measures(sorted(zip(self.records, self.measures),
                                                   key=lambda rm: rm[0]["source_file"])))
        self.store.write_file_records(pd.DataFrame(sorted(self.records,
                                                          key=lambda r: r["source_file"])))
        self.store.record_failures(failures)
        self.store.clear_failures(recovered)
        self.store.forget_files(prune)
        if self.written or prune:
            self.store.replace_inspections(consolidate(self.store.table("inspection_record")))
        self.store.set_meta("data_dir", str(data_dir.resolve()))
        self.store.set_meta("loaded_at", datetime.now().isoformat(timespec="seconds"))


def _concat(parts: list):
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return None
    if isinstance(parts[0], pd.DataFrame):
        return pd.concat(parts, ignore_index=True)
    import pyarrow as pa

    return pa.concat_tables(parts, promote_options="permissive")


def _measures(records_and_frames) -> pd.DataFrame | None:
    """One description per measure: the highest priority, the last file among equals (as
    if each file had been written in name order)."""
    frames = [f for _, f in records_and_frames if f is not None and not f.empty]
    if not frames:
        return None
    allm = pd.concat(frames, ignore_index=True)
    allm["_order"] = range(len(allm))
    allm = allm.sort_values(["priority", "_order"]).drop_duplicates("measure", keep="last")
    return allm.drop(columns="_order").reset_index(drop=True)


# -- Ctrl-C ----------------------------------------------------------------------------------

@contextmanager
def interrupts_as(error: LoadInterrupted) -> Iterator[None]:
    """Turn Ctrl-C (KeyboardInterrupt) inside the block into ``error``."""
    try:
        yield
    except (KeyboardInterrupt, RuntimeError, duckdb.Error) as exc:
        if not is_interrupt(exc):
            raise
        raise error from exc


def commit_holding_interrupts(store: Store) -> None:
    """Commit, holding Ctrl-C until the commit is done: a commit is never cut in half
    (a Ctrl-C that arrives before it has already rolled the transaction back)."""
    if threading.current_thread() is not threading.main_thread():
        store.commit()  # only the main thread receives signals
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        store.commit()
    finally:
        signal.signal(signal.SIGINT, previous)


def remove_store(path: Path) -> None:
    """An interrupted or failed first load leaves no half-made store behind."""
    for p in (path, path.with_name(path.name + ".wal")):
        with suppress(FileNotFoundError, NotADirectoryError):
            p.unlink()
