"""The embedded DuckDB store: the only module that talks to the database.

One file holds everything a load produced:

``la``                the register of authorities (plus England, regions, joint services)
``la_code_history``   every ONS code an authority has had, with dates
``la_name``           every name a source used for an authority
``la_change``         reorganisations and recodes (predecessors and successors)
``measure``           what each stored measure is
``observation``       one number (or special status) per authority, period, measure and file
``inspection_record`` one Ofsted judgement record per source row
``inspection``        one row per inspection, linked across sources (data/inspections.py)
``problem``           every cell or row that could not be stored, and why
``load_file``         what each load did with each file (checksums make reloads idempotent)
``stat_neighbour``, ``ltla_utla``  lookups

All SQL is parameterised; identifiers pass through :func:`quote_ident`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from ..errors import DataError

SCHEMA_VERSION = "4"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS la (
    la_code TEXT PRIMARY KEY, level TEXT NOT NULL, dfe_code TEXT, name TEXT NOT NULL,
    la_type TEXT, region_code TEXT, region_name TEXT, valid_from DATE, valid_to DATE,
    predecessors TEXT[], successors TEXT[], members TEXT[], ofsted_urn TEXT, note TEXT);
CREATE TABLE IF NOT EXISTS la_code_history (
    la_code TEXT NOT NULL, ons_code TEXT NOT NULL, first_period INTEGER, last_period INTEGER,
    valid_from DATE, valid_to DATE);
CREATE TABLE IF NOT EXISTS la_name (
    la_code TEXT NOT NULL, name TEXT NOT NULL, normalised TEXT NOT NULL, source TEXT);
CREATE TABLE IF NOT EXISTS la_change (
    change_date DATE NOT NULL, kind TEXT NOT NULL, from_codes TEXT[], to_codes TEXT[], note TEXT);
CREATE TABLE IF NOT EXISTS measure (
    measure TEXT PRIMARY KEY, label TEXT, unit TEXT, dataset TEXT, dims JSON, notes TEXT,
    priority INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS observation (
    la_code TEXT NOT NULL, period TEXT NOT NULL, year INTEGER, measure TEXT NOT NULL,
    value DOUBLE, status TEXT NOT NULL, code TEXT, source_file TEXT NOT NULL,
    source_row INTEGER, release TEXT);
CREATE TABLE IF NOT EXISTS inspection_record (
    la_code TEXT NOT NULL, framework TEXT NOT NULL, inspection_type TEXT,
    start_date DATE, end_date DATE, published DATE, overall TEXT,
    help_and_protection TEXT, children_in_care TEXT, care_leavers TEXT, adoption TEXT,
    leadership TEXT, lscb TEXT, source_file TEXT NOT NULL, source_row INTEGER,
    source_rank INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS problem (
    source_file TEXT NOT NULL, "row" INTEGER, "column" TEXT, code TEXT NOT NULL,
    message TEXT NOT NULL, value TEXT, cells INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS load_file (
    source_file TEXT PRIMARY KEY, family TEXT, sha256 TEXT, size BIGINT, loader_key TEXT,
    loaded_at TIMESTAMP, rows_read INTEGER, cells_read BIGINT, values_stored BIGINT,
    special_stored BIGINT, problems BIGINT, problem_records INTEGER, skipped_reason TEXT,
    notes TEXT, special_by_status JSON);
CREATE TABLE IF NOT EXISTS stat_neighbour (
    la_code TEXT NOT NULL, neighbour_code TEXT NOT NULL, rank INTEGER NOT NULL,
    closeness TEXT, source_file TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ltla_utla (
    year INTEGER NOT NULL, ltla_code TEXT NOT NULL, ltla_name TEXT, utla_code TEXT NOT NULL,
    utla_name TEXT, source_file TEXT NOT NULL);
CREATE OR REPLACE VIEW observation_latest AS
    SELECT * EXCLUDE (rn) FROM (
        SELECT *, row_number() OVER (
            PARTITION BY la_code, period, measure ORDER BY release DESC, source_file) AS rn
        FROM observation) WHERE rn = 1;
CREATE TABLE IF NOT EXISTS inspection (
    la_code TEXT NOT NULL, framework TEXT NOT NULL, inspection_type TEXT,
    start_date DATE, end_date DATE, published DATE NOT NULL, overall TEXT,
    help_and_protection TEXT, children_in_care TEXT, care_leavers TEXT, adoption TEXT,
    leadership TEXT, lscb TEXT, source_file TEXT, source_row INTEGER, sources TEXT[],
    note TEXT);
"""

#: Tables that hold rows read from one file; a reload of that file replaces them.
PER_FILE_TABLES = ("observation", "inspection_record", "problem", "stat_neighbour", "ltla_utla")
REGISTER_TABLES = ("la", "la_code_history", "la_name", "la_change")


def quote_ident(name: str) -> str:
    """Quote an SQL identifier (the one place identifiers are built)."""
    return '"' + name.replace('"', '""') + '"'


class Store:
    """A DuckDB file holding the loaded releases.

    Parameters
    ----------
    path : path of the database file; created (with its folder) on first write.
    read_only : open without write access (several readers may share the file).
    """

    def __init__(self, path: str | Path, read_only: bool = False):
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise DataError(
                f"store {self.path} does not exist yet. Run `csc-outcomes data load` first "
                "(or point --store / CSC_OUTCOMES_STORE at an existing store)."
            )
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise DataError(f"cannot open store {self.path}: {exc}") from exc
        if not read_only:
            self._migrate()
            self.con.execute(SCHEMA)
            self.con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION]
            )

    def _migrate(self) -> None:
        """A store is a cache of the releases: one written by another schema is emptied
        (and the next load refills it) rather than patched."""
        tables = {r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()}
        if "meta" not in tables:
            return
        row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row and row[0] == SCHEMA_VERSION:
            return
        for view in self.con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal"
                                     ).fetchall():
            self.con.execute(f"DROP VIEW IF EXISTS {quote_ident(view[0])}")
        for table in tables:
            self.con.execute(f"DROP TABLE IF EXISTS {quote_ident(table)}")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- writing ---------------------------------------------------------------------------

    def _insert_frame(self, table: str, frame: pd.DataFrame) -> None:
        if frame is None or frame.empty:
            return
        cols = ", ".join(quote_ident(c) for c in frame.columns)
        self.con.register("_incoming", frame)
        try:
            self.con.execute(f"INSERT INTO {quote_ident(table)} ({cols}) SELECT {cols} FROM _incoming")
        finally:
            self.con.unregister("_incoming")

    def replace_register(self, tables: dict[str, pd.DataFrame]) -> None:
        """Replace the register tables (call inside a transaction)."""
        for name in REGISTER_TABLES:
            self.con.execute(f"DELETE FROM {quote_ident(name)}")
            self._insert_frame(name, tables.get(name))

    def replace_file(self, source_file: str, tables: dict[str, pd.DataFrame],
                     measures: pd.DataFrame | None, record: dict) -> None:
        """Replace everything previously read from ``source_file`` (call inside a transaction)."""
        for name in PER_FILE_TABLES:
            self.con.execute(
                f"DELETE FROM {quote_ident(name)} WHERE source_file = ?", [source_file]
            )
            self._insert_frame(name, tables.get(name))
        if measures is not None and not measures.empty:
            self.con.register("_measures", measures)
            try:
                # A description from a richer source (a data dictionary) has a higher
                # priority and is not replaced when a lower-priority file is reloaded.
                self.con.execute(
                    "INSERT INTO measure SELECT measure, label, unit, dataset, dims::JSON, notes, "
                    "priority FROM _measures ON CONFLICT (measure) DO UPDATE SET "
                    "label = excluded.label, unit = excluded.unit, dataset = excluded.dataset, "
                    "dims = excluded.dims, notes = excluded.notes, priority = excluded.priority "
                    "WHERE excluded.priority >= measure.priority"
                )
            finally:
                self.con.unregister("_measures")
        self.write_file_record(record)

    def replace_inspections(self, frame: pd.DataFrame) -> None:
        """Replace the consolidated ``inspection`` table (call inside a transaction)."""
        self.con.execute("DELETE FROM inspection")
        self._insert_frame("inspection", frame)

    def write_file_record(self, record: dict) -> None:
        cols = list(record)
        self.con.execute(
            f"INSERT OR REPLACE INTO load_file ({', '.join(quote_ident(c) for c in cols)}) "
            f"VALUES ({', '.join('?' for _ in cols)})",
            [record[c] for c in cols],
        )

    def forget_files(self, keep: set[str]) -> list[str]:
        """Drop rows of files no longer in the data folder; return their names."""
        gone = [f for f in self.loaded_files() if f not in keep]
        for source_file in gone:
            for name in PER_FILE_TABLES:
                self.con.execute(
                    f"DELETE FROM {quote_ident(name)} WHERE source_file = ?", [source_file]
                )
            self.con.execute("DELETE FROM load_file WHERE source_file = ?", [source_file])
        return gone

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    # -- reading ---------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def loaded_files(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT source_file FROM load_file").fetchall()]

    def file_records(self) -> pd.DataFrame:
        return self.con.execute("SELECT * FROM load_file ORDER BY source_file").df()

    def file_record(self, source_file: str) -> dict | None:
        df = self.con.execute(
            "SELECT * FROM load_file WHERE source_file = ?", [source_file]
        ).df()
        return None if df.empty else df.iloc[0].to_dict()

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Run a read-only query written by this package and return a frame."""
        return self.con.execute(sql, params or []).df()

    def table(self, name: str) -> pd.DataFrame:
        return self.con.execute(f"SELECT * FROM {quote_ident(name)}").df()

    def authorities(self, year: int) -> pd.DataFrame:
        """Authorities (level ``la``) that existed on 31 March of ``year``, indexed by la_code."""
        return self.query(
            "SELECT la_code, name, dfe_code, region_name, la_type FROM la WHERE level = 'la' "
            "AND (valid_from IS NULL OR valid_from <= make_date(?, 3, 31)) "
            "AND (valid_to IS NULL OR valid_to >= make_date(?, 3, 31)) ORDER BY la_code",
            [year, year]).set_index("la_code")

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


def dims_json(dims: dict) -> str:
    """Serialise a measure's breakdown dimensions stably."""
    return json.dumps(dims, sort_keys=True, ensure_ascii=False)
