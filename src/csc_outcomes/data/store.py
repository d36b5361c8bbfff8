"""The embedded DuckDB store: the only module that talks to the database.

One file holds everything a load produced:

``la``                the register of authorities (plus England, regions, joint services)
``la_code_history``   every ONS code an authority has had, with dates
``la_name``           every name a source used for an authority
``la_change``         reorganisations and recodes (predecessors and successors)
``measure``           what each stored measure is
``observation``       (a view) one number (or special status) per authority, period, measure
                      and file; stored as integers in ``obs_value`` and label tables ``obs_*``
``inspection_record`` one Ofsted judgement record per source row
``inspection``        one row per inspection, linked across sources (data/inspections.py)
``problem``           every cell or row that could not be stored, and why
``load_file``         what the last load did with each file (checksums make reloads
                      idempotent; a file that failed keeps its earlier rows and says so)
``stat_neighbour``, ``ltla_utla``  lookups

The tables are defined in :mod:`.schema`. All SQL is parameterised; identifiers pass
through :func:`quote_ident`. Every query the package runs is a method here; ``query``
is for users' own SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from ..errors import DataError
from .schema import (
    PER_FILE_TABLES,
    REGISTER_TABLES,
    SCHEMA,
    SCHEMA_VERSION,
    dims_json,  # noqa: F401 - re-exported for older callers
)


@contextmanager
def opened(store=None) -> Iterator[Store]:
    """The store to read from: an open :class:`Store` as it is (left open), or a path
    (default ``CSC_OUTCOMES_STORE``, else the user data folder) opened read-only for the
    block. Library functions take either, so that ``csc_outcomes.open()`` can share one
    connection across calls.
    """
    if isinstance(store, Store):
        yield store
        return
    from ..config import resolve_store_path

    with Store(resolve_store_path(store), read_only=True) as found:
        yield found


def is_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is Ctrl-C: Python's, or DuckDB's way of stopping a query it was
    running when the signal came (``InterruptException``, or "Query interrupted")."""
    return isinstance(exc, (KeyboardInterrupt, duckdb.InterruptException)) or (
        isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower())


def quote_ident(name: str) -> str:
    """Quote an SQL identifier (the one place identifiers are built)."""
    return '"' + name.replace('"', '""') + '"'


def _why_not_open(exc: Exception, read_only: bool) -> str:
    """DuckDB's reason a store would not open, with what to do about it."""
    text = str(exc)
    held = re.search(r"Conflicting lock is held in (.+?) \(PID (\d+)\)", text)
    if held:
        doing = "is writing to it" if read_only else "has it open"
        return (f"another process ({held[1]}, PID {held[2]}) {doing}: a "
                "`csc-outcomes serve` holds it for a few seconds after it starts or sees a "
                "new load, a `data load` until it ends. Try again when it has finished.")
    return (f"{text.split(' However, ')[0]}. Is another csc-outcomes process writing to it, "
            "or is it not a DuckDB file?")


class Store:
    """A DuckDB file holding the loaded releases.

    Parameters
    ----------
    path : path of the database file; created (with its folder) on first write.
    read_only : open without write access (several readers may share the file). A
        store that has never completed a load cannot be opened for reading: its
        tables would look empty rather than missing.
    """

    def __init__(self, path: str | Path, read_only: bool = False):
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise DataError(
                f"store {self.path} does not exist yet. Run `csc-outcomes data load` first "
                "(or point --store / CSC_OUTCOMES_STORE at an existing store)."
            )
        if not read_only:
            make_parent(self.path)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise DataError(f"cannot open store {self.path}: {_why_not_open(exc, read_only)}"
                            ) from exc
        if not read_only:
            if not self._migrate():
                self.con.execute(SCHEMA)
                self.con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION]
                )
        elif self.meta("loaded_at") is None:
            self.close()
            raise DataError(f"store {self.path} holds no completed load (the first load was "
                            "interrupted or failed). Run `csc-outcomes data load`.")

    def _migrate(self) -> bool:
        """A store is a cache of the releases: one written by another schema is emptied
        (and the next load refills it) rather than patched. True if the store already has
        this schema."""
        tables = set(self._column(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE'"))
        if "meta" not in tables:
            return False
        row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row and row[0] == SCHEMA_VERSION:
            return True
        for view in self._column("SELECT view_name FROM duckdb_views() WHERE NOT internal"):
            self.con.execute(f"DROP VIEW IF EXISTS {quote_ident(view)}")
        for table in tables:
            self.con.execute(f"DROP TABLE IF EXISTS {quote_ident(table)}")
        return False

    def _column(self, sql: str, params: list | None = None) -> list:
        return [r[0] for r in self.con.execute(sql, params or []).fetchall()]

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all."""
        self.begin()
        try:
            yield
        except BaseException:
            self.rollback()
            raise
        self.commit()

    def begin(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def commit(self) -> None:
        self.con.execute("COMMIT")

    def rollback(self) -> None:
        self.con.execute("ROLLBACK")

    # -- writing (call inside a transaction) ----------------------------------------------

    def _insert(self, table: str, frame) -> None:
        """Insert a DataFrame or Arrow table whose columns are a subset of ``table``'s."""
        if frame is None or len(frame) == 0:
            return
        names = list(frame.columns) if isinstance(frame, pd.DataFrame) else frame.column_names
        cols = ", ".join(quote_ident(c) for c in names)
        self.con.register("_incoming", frame)
        try:
            self.con.execute(f"INSERT INTO {quote_ident(table)} ({cols}) SELECT {cols} "
                             "FROM _incoming")
        finally:
            self.con.unregister("_incoming")

    def replace_register(self, tables: dict[str, pd.DataFrame]) -> None:
        """Replace the register tables."""
        for name in REGISTER_TABLES:
            self.con.execute(f"DELETE FROM {quote_ident(name)}")
            self._insert(name, tables.get(name))

    def replace_files(self, files: list[str], tables: dict, replaced: list[str]) -> None:
        """Insert the rows read from ``files`` (one bulk insert per table), first deleting
        the rows an earlier load stored for ``replaced`` (those of ``files`` the store
        already holds: none on a first load)."""
        if replaced:
            self._delete_rows(replaced)
        for name in PER_FILE_TABLES:
            if name == "observation":
                self._insert_observations(tables.get(name))
            else:
                self._insert(name, tables.get(name))

    def _delete_rows(self, files: list[str]) -> None:
        for name in PER_FILE_TABLES:
            if name == "observation":
                self.con.execute("DELETE FROM obs_value WHERE file_id IN (SELECT id FROM "
                                 "obs_file WHERE source_file IN (SELECT unnest(?)))", [files])
            else:
                self.con.execute(f"DELETE FROM {quote_ident(name)} WHERE source_file IN "
                                 "(SELECT unnest(?))", [files])

    def _insert_observations(self, table) -> None:
        """Observations (an Arrow table of the ``observation`` columns, text columns
        dictionary-encoded, one chunk per file) as integers into ``obs_value``, their labels
        into the label tables (existing labels keep their ids; one query per table)."""
        if table is None or table.num_rows == 0:
            return
        import pyarrow as pa

        batches = [b for b in table.to_batches() if b.num_rows]
        coded = (("la_code", "obs_la"), ("period", "obs_period"), ("measure", "obs_measure"),
                 ("status", "obs_status"), ("code", "obs_code"))
        maps = {}
        for column, label_table in coded:
            labels = list(dict.fromkeys(
                label for b in batches for label in b.column(column).dictionary.to_pylist()))
            maps[column] = dict(zip(labels, self._label_ids(label_table, labels)))
        files = [_first_label(b.column("source_file")) for b in batches]
        releases = {f: _first_label(b.column("release")) for f, b in zip(files, batches)}
        file_ids = dict(zip(files, self._label_ids_files(files, releases)))
        parts = [self._batch_ids(b, maps, file_ids[f]) for b, f in zip(batches, files)]
        self._insert("obs_value", pa.Table.from_batches(parts))

    @staticmethod
    def _batch_ids(batch, maps: dict, file_id: int):
        """One file's observations with their labels replaced by ids."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        def ids(name):
            column = batch.column(name)
            lookup = np.asarray([maps[name][label] for label in column.dictionary.to_pylist()]
                                or [0], dtype=np.int32)
            if column.null_count:
                codes = pc.fill_null(column.indices, 0).to_numpy()
                return pa.array(lookup[codes],
                                mask=column.is_null().to_numpy(zero_copy_only=False))
            return pa.array(lookup[column.indices.to_numpy()])

        return pa.RecordBatch.from_pydict({
            "la_id": ids("la_code"), "period_id": ids("period"),
            "year": batch.column("year"), "measure_id": ids("measure"),
            "value": batch.column("value"), "status_id": ids("status"),
            "code_id": ids("code"),
            "file_id": pa.array(np.full(batch.num_rows, file_id, dtype=np.int32)),
            "source_row": batch.column("source_row")})

    def _label_ids(self, label_table: str, labels: list[str]) -> list[int]:
        """Each label's id in ``label_table``, adding the labels it does not have yet."""
        if not labels:
            return []
        table = quote_ident(label_table)
        known = dict(self.con.execute(
            f"SELECT label, id FROM {table} WHERE label IN (SELECT unnest(?))",
            [labels]).fetchall())
        new = [label for label in dict.fromkeys(labels) if label not in known]
        if new:
            start = self.con.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchall()[0][0]
            import pyarrow as pa

            rows = pa.table({"id": pa.array(range(start, start + len(new)), pa.int32()),
                             "label": pa.array(new, pa.string())})
            self._insert(label_table, rows)
            known.update(zip(new, range(start, start + len(new))))
        return [known[label] for label in labels]

    def _label_ids_files(self, names: list[str], release_of: dict) -> list[int]:
        """Each file's id in ``obs_file`` (a file read again keeps its id and takes its new
        release); one statement for the new files and one for the others."""
        import pyarrow as pa

        known = dict(self.con.execute(
            "SELECT source_file, id FROM obs_file WHERE source_file IN (SELECT unnest(?))",
            [names]).fetchall())
        new = [n for n in dict.fromkeys(names) if n not in known]
        if new:
            start = self.con.execute("SELECT coalesce(max(id), 0) + 1 FROM obs_file"
                                     ).fetchall()[0][0]
            known.update(zip(new, range(start, start + len(new))))
            self._insert("obs_file", pa.table({
                "id": pa.array([known[n] for n in new], pa.int32()),
                "source_file": pa.array(new, pa.string()),
                "release": pa.array([release_of.get(n) for n in new], pa.string())}))
        old = [n for n in dict.fromkeys(names) if n not in new]
        if old:
            self.con.register("_releases", pa.table({
                "source_file": pa.array(old, pa.string()),
                "release": pa.array([release_of.get(n) for n in old], pa.string())}))
            try:
                self.con.execute("UPDATE obs_file SET release = r.release FROM _releases r "
                                 "WHERE obs_file.source_file = r.source_file")
            finally:
                self.con.unregister("_releases")
        return [known[n] for n in names]

    def merge_measures(self, measures: pd.DataFrame | None) -> None:
        """Add or update measure descriptions (one per measure). A description from a richer
        source (a data dictionary) has a higher priority and is not replaced by a
        lower-priority file's."""
        if measures is None or not len(measures):
            return
        self.con.register("_measures", measures)
        try:
            self.con.execute(
                "INSERT INTO measure SELECT measure, label, unit, dataset, dims::JSON, "
                "notes, priority FROM _measures ON CONFLICT (measure) DO UPDATE SET "
                "label = excluded.label, unit = excluded.unit, dataset = excluded.dataset, "
                "dims = excluded.dims, notes = excluded.notes, priority = excluded.priority "
                "WHERE excluded.priority >= measure.priority")
        finally:
            self.con.unregister("_measures")

    def write_file_records(self, records: pd.DataFrame) -> None:
        """Insert or replace ``load_file`` rows (one per file)."""
        if records is None or records.empty:
            return
        self.con.execute("DELETE FROM load_file WHERE source_file IN (SELECT unnest(?))",
                         [list(records["source_file"])])
        self._insert("load_file", records)

    def record_failures(self, failures: list[dict]) -> None:
        """Note on each file's record that this load could not read it (its stored rows,
        from an earlier load, are kept). A file never loaded gets a record of its own."""
        for f in failures:
            updated = self.con.execute(
                "UPDATE load_file SET failed_at = ?, failed_sha256 = ?, failed_error = ? "
                "WHERE source_file = ? RETURNING source_file",
                [f["failed_at"], f["failed_sha256"], f["failed_error"], f["source_file"]],
            ).fetchall()
            if not updated:
                self._insert("load_file", pd.DataFrame([f]))

    def clear_failures(self, files: list[str]) -> None:
        """The stored version of ``files`` is in the folder again: drop the failure notes."""
        if files:
            self.con.execute("UPDATE load_file SET failed_at = NULL, failed_sha256 = NULL, "
                             "failed_error = NULL WHERE source_file IN (SELECT unnest(?))",
                             [files])

    def forget_files(self, files: list[str]) -> None:
        """Drop every row read from ``files`` (``data load --prune``)."""
        if not files:
            return
        self._delete_rows(files)
        for name in ("obs_file", "load_file"):
            self.con.execute(f"DELETE FROM {quote_ident(name)} WHERE source_file IN "
                             "(SELECT unnest(?))", [files])

    def replace_inspections(self, frame: pd.DataFrame) -> None:
        """Replace the consolidated ``inspection`` table."""
        self.con.execute("DELETE FROM inspection")
        self._insert("inspection", frame)

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    # -- reading ---------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Run your own read-only SQL against the store and return a frame."""
        return self.con.execute(sql, params or []).df()

    def loaded_files(self) -> list[str]:
        """Files with rows in the store (from this or an earlier load)."""
        return self._column("SELECT source_file FROM load_file WHERE loader_key IS NOT NULL")

    def file_records(self) -> pd.DataFrame:
        return self.query("SELECT * FROM load_file ORDER BY source_file")

    def file_record(self, source_file: str) -> dict | None:
        df = self.query("SELECT * FROM load_file WHERE source_file = ?", [source_file])
        return None if df.empty else df.iloc[0].to_dict()

    def table(self, name: str) -> pd.DataFrame:
        return self.query(f"SELECT * FROM {quote_ident(name)}")

    def authorities(self, year: int) -> pd.DataFrame:
        """Authorities (level ``la``) that existed on 31 March of ``year``, indexed by la_code."""
        return self.query(
            "SELECT la_code, name, dfe_code, region_name, la_type FROM la WHERE level = 'la' "
            "AND (valid_from IS NULL OR valid_from <= make_date(?, 3, 31)) "
            "AND (valid_to IS NULL OR valid_to >= make_date(?, 3, 31)) ORDER BY la_code",
            [year, year]).set_index("la_code")

    def area_names(self) -> dict[str, str]:
        """Every register key's name (authorities, joint services, regions, England)."""
        return dict(self.con.execute("SELECT la_code, name FROM la").fetchall())

    def area_levels(self) -> pd.DataFrame:
        """Every register key (authorities, joint services, regions, England) and its level."""
        return self.query("SELECT la_code, level FROM la")

    def _observations_of(self, measures: list[str], years: list[int]) -> pd.DataFrame:
        """Every stored observation of the measures and years asked for: the integer rows
        are chosen first, then given their labels (reading the ``observation`` view and
        filtering it would label every row of the store first)."""
        return self.query(
            """WITH v AS (
                 SELECT * FROM obs_value
                 WHERE measure_id IN (SELECT id FROM obs_measure
                                      WHERE label IN (SELECT unnest(?)))
                   AND year IN (SELECT unnest(?)))
               SELECT la.label AS la_code, v.year, me.label AS measure, v.value,
                      st.label AS status, pe.label AS period, f.release, f.source_file
               FROM v JOIN obs_la la ON la.id = v.la_id
                      JOIN obs_measure me ON me.id = v.measure_id
                      JOIN obs_status st ON st.id = v.status_id
                      JOIN obs_period pe ON pe.id = v.period_id
                      JOIN obs_file f ON f.id = v.file_id""",
            [sorted(measures), sorted(years)])

    def observations(self, measures: list[str], years: list[int]) -> pd.DataFrame:
        """The newest release's observation of each (authority, measure, year) asked for,
        with its value, status, period label and release (as ``observation_latest``)."""
        found = self._observations_of(measures, years)
        found = found.sort_values(["release", "source_file"], ascending=[False, True],
                                  na_position="last", kind="stable")
        return found.drop_duplicates(["la_code", "period", "measure"]).drop(
            columns="source_file").reset_index(drop=True)

    def measure_ids(self) -> list[str]:
        """Every measure the store describes."""
        return self._column("SELECT measure FROM measure")

    def measure_years(self, measures: list[str]) -> dict[str, list[int]]:
        """The reporting years in which each measure has any observation."""
        rows = self.con.execute(
            """SELECT me.label, list(DISTINCT v.year ORDER BY v.year)
               FROM obs_value v JOIN obs_measure me ON me.id = v.measure_id
               WHERE me.label IN (SELECT unnest(?)) AND v.year IS NOT NULL
               GROUP BY me.label""", [measures]).fetchall()
        return dict(rows)

    def observation_releases(self, measures: list[str], years: list[int]) -> pd.DataFrame:
        """Every release's observation of each (authority, measure, year) asked for, with
        its value, status, period label, release and file (a later release may revise)."""
        return self._observations_of(measures, years)[
            ["la_code", "year", "measure", "value", "status", "period", "release",
             "source_file"]]

    def year_span(self) -> tuple[int, int]:
        """(first, last + 1) of the reporting years the observations cover."""
        first, last = self.con.execute(
            "SELECT min(year), max(year) FROM obs_value").fetchone()
        return (first, last + 1) if first is not None else (0, 0)

    def judgements(self, frameworks: tuple[str, ...] | None = None) -> pd.DataFrame:
        """Inspections with an overall judgement (under the given frameworks, or any)."""
        sql = ("SELECT la_code, framework, inspection_type, start_date, end_date, published, "
               "overall FROM inspection WHERE overall IS NOT NULL")
        if frameworks is None:
            return self.query(sql)
        return self.query(sql + " AND framework IN (SELECT unnest(?))", [list(frameworks)])

    def totals(self) -> dict[str, int]:
        """Counts of observations, values, authorities, measures, inspections, problems."""
        row = self.query(
            """SELECT (SELECT count(*) FROM obs_value) AS observations,
                      (SELECT count(*) FROM obs_value JOIN obs_status s ON s.id = status_id
                       WHERE s.label = 'value') AS "values",
                      (SELECT count(*) FROM la WHERE level = 'la') AS authorities,
                      (SELECT count(*) FROM measure) AS measures,
                      (SELECT count(*) FROM inspection) AS inspections,
                      (SELECT count(*) FROM problem) AS problems""").iloc[0]
        return {k: int(v) for k, v in row.items()}

    def problems(self, source_file: str | None = None, code: str | None = None) -> pd.DataFrame:
        sql = 'SELECT source_file, "row", "column", code, message, value, cells FROM problem'
        where, params = [], []
        if source_file:
            where.append("source_file = ?")
            params.append(source_file)
        if code:
            where.append("code = ?")
            params.append(code)
        if where:
            sql += " WHERE " + " AND ".join(where)
        return self.query(sql + ' ORDER BY source_file, "row", "column"', params)

    def status_by_source(self) -> pd.DataFrame:
        """Observations and inspections per source folder and year."""
        return self.query(
            """
            SELECT split_part(source_file, '/', 1) AS source, year,
                   count(*) AS observations,
                   count(*) FILTER (WHERE status = 'value') AS values,
                   count(DISTINCT la_code) AS authorities,
                   count(DISTINCT measure) AS measures
            FROM observation GROUP BY ALL
            UNION ALL
            SELECT split_part(source_file, '/', 1), year(published), count(*), count(overall),
                   count(DISTINCT la_code), count(DISTINCT framework)
            FROM inspection_record WHERE published IS NOT NULL GROUP BY ALL
            ORDER BY 1, 2
            """
        )


def _first_label(column) -> str | None:
    """The label of a dictionary column's first row (a file's name, its release)."""
    if column.null_count == len(column):
        return None
    return column.dictionary[column.indices[0].as_py()].as_py()


def make_parent(path: Path) -> None:
    """Create the store's folder, or raise a DataError saying why it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise DataError(f"cannot create the store {path}: {exc.filename} is a file, not a "
                        "folder. Choose another --store path.") from exc
    except OSError as exc:
        raise DataError(f"cannot create the folder for the store {path}: {exc.strerror}. "
                        "Choose another --store path (or set CSC_OUTCOMES_STORE).") from exc
