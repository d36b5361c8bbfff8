"""What every reader returns, and the shared steps that turn raw cells into observations.

A reader takes one file and returns a :class:`ReadResult`. It never touches the
store. Its accounting must balance: every data cell it reads is stored as a
value, stored as a special status, or reported as a problem.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import DataError, Problem
from ..cells import parse_cells
from ..register import Register
from ..store import dims_json

OBS_COLUMNS = ["la_code", "period", "year", "measure", "value", "status", "code", "source_row"]


@dataclass
class ReadContext:
    path: Path  # the file on disk
    name: str  # its path relative to the data folder, as stored in source_file
    register: Register


@dataclass
class ReadResult:
    #: frames, or dicts of equal-length arrays (as emit_column appends them)
    observations: list = field(default_factory=list)
    measures: dict[str, dict] = field(default_factory=dict)
    inspections: list[dict] = field(default_factory=list)
    tables: dict[str, list[dict]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    cells_read: int = 0
    rows_read: int = 0
    notes: list[str] = field(default_factory=list)
    release: str | None = None
    #: cells stored outside `observation` (inspection judgements, lookup entries)
    other_values: int = 0
    other_special: int = 0

    def add_measure(self, measure: str, label: str, unit: str, dataset: str,
                    dims: dict | None = None, notes: str | None = None,
                    priority: int = 0) -> None:
        """Describe a measure. ``priority`` > 0 marks a richer description (a data
        dictionary) that a lower-priority file's reload must not overwrite."""
        self.measures.setdefault(measure, {
            "measure": measure, "label": label, "unit": unit, "dataset": dataset,
            "dims": dims_json(dims or {}), "notes": notes, "priority": priority,
        })

    def observation_frame(self) -> pd.DataFrame:
        parts = [p for p in self.observations if len(p["la_code"] if isinstance(p, dict) else p)]
        if not parts:
            return pd.DataFrame(columns=OBS_COLUMNS)
        if all(isinstance(p, dict) for p in parts):
            merged = {c: np.concatenate([np.asarray(p[c], dtype=object) for p in parts])
                      for c in OBS_COLUMNS}
            frame = pd.DataFrame(merged)
            frame["value"] = frame["value"].astype(float)
            frame["source_row"] = frame["source_row"].astype("int64")
            return frame
        return pd.concat([p if isinstance(p, pd.DataFrame) else pd.DataFrame(p) for p in parts],
                         ignore_index=True)


# -- file access ---------------------------------------------------------------------------

def read_text(ctx: ReadContext, encoding: str = "utf-8-sig") -> str:
    """Decode a text file, or raise a DataError that says where and what to do."""
    data = ctx.path.read_bytes()
    if not data.strip():
        raise DataError(f"{ctx.name}: the file is empty. Download it again "
                        "(csc-outcomes data fetch) or remove it from the data folder.")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{ctx.name}: row {line}: byte {exc.start} (0x{data[exc.start]:02x}) is not valid "
            f"{encoding}. This file is published in {encoding}; if it was re-saved in another "
            "encoding, restore the original (csc-outcomes data fetch)."
        ) from exc


def read_csv_text(ctx: ReadContext, encoding: str = "utf-8-sig") -> pd.DataFrame:
    """Read a CSV as text cells. Missing trailing fields come back as NaN (see ``short_rows``)."""
    text = read_text(ctx, encoding)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            na_values=[], skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        raise DataError(f"{ctx.name}: cannot be parsed as CSV ({exc}). Restore the "
                        "original file (csc-outcomes data fetch).") from exc
    if frame.shape[1] == 0 or frame.empty:
        raise DataError(f"{ctx.name}: the file has a header but no rows. Download it again "
                        "(csc-outcomes data fetch).")
    frame.columns = [str(c) for c in frame.columns]
    lines, short = _scan_records(text, frame.shape[1])
    if len(lines) != len(frame):
        raise DataError(f"{ctx.name}: the CSV has {len(lines)} records but pandas read "
                        f"{len(frame)}; the file may be corrupt. Restore it (csc-outcomes data fetch).")
    frame.index = pd.Index(lines)
    for pos, width in short:
        # the C parser pads a short row with empty strings; mark the missing fields
        frame.iloc[pos, width:] = np.nan
    return frame


def _scan_records(text: str, width: int) -> tuple[list[int], list[tuple[int, int]]]:
    """1-based starting line of each record, and records (position, fields) shorter than
    the header. A blank line is a record of no fields and is not counted as short."""
    reader = csv.reader(io.StringIO(text))
    next(reader)
    lines, short = [], []
    line = reader.line_num
    for record in reader:
        lines.append(line + 1)
        if 0 < len(record) < width:
            short.append((len(lines) - 1, len(record)))
        line = reader.line_num
    return lines, short


def drop_blank_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Remove rows with no text in any cell (spacer lines); return how many."""
    blank = frame.fillna("").apply(lambda c: c.str.strip() == "").all(axis=1)
    return frame[~blank], int(blank.sum())


def require_columns(ctx: ReadContext, frame: pd.DataFrame, columns) -> None:
    """Raise a DataError naming each missing column and the columns that are there."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{ctx.name}: row 1: column(s) {', '.join(repr(c) for c in missing)} missing "
            f"(the header has {', '.join(repr(c) for c in list(frame.columns)[:12])}"
            f"{' ...' if frame.shape[1] > 12 else ''}). If a column was renamed, restore the "
            "published header; if DfE changed the layout, this reader needs updating."
        )


# -- turning cells into observations -------------------------------------------------------

def slug(text: str) -> str:
    """Lower-case words joined by hyphens: 'Aged 19 to 21' -> 'aged-19-to-21'."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def emit_column(result: ReadResult, ctx: ReadContext, *, raw: pd.Series, la_codes: pd.Series,
                periods, years, measure, convention: str, column: str) -> None:
    """Parse one column of cells (index = source row) into observations and problems.

    ``measure`` is one id for the whole column or a Series of ids aligned with ``raw``;
    rows whose ``la_codes`` is None must already have been reported by the caller and
    are skipped here. NaN in ``raw`` marks a field missing from a short row.
    """
    keep = la_codes.notna().to_numpy()
    raw, la_codes = raw[keep], la_codes[keep]
    if raw.empty:
        return
    measure = measure[keep] if isinstance(measure, pd.Series) else measure
    periods = periods[keep] if isinstance(periods, pd.Series) else periods
    years = years[keep] if isinstance(years, pd.Series) else years
    short = raw.isna().to_numpy()
    result.cells_read += len(raw)
    for row in raw.index[short]:
        result.problems.append(Problem("truncated-row", ctx.name, int(row), column,
                                       "field missing: the row ends early (is the file cut "
                                       "short?). Restore the complete file.", None))
    parsed = parse_cells(raw.fillna(""), convention)
    bad = parsed.bad & ~short
    for row, text in zip(raw.index[bad], raw[bad]):
        result.problems.append(Problem(
            "bad-value", ctx.name, int(row), column,
            f"{text!r} is neither a number nor a symbol this source documents; "
            "it was not stored. Check the published file.", str(text)))
    ok = ~(parsed.bad | short)
    n = int(ok.sum())
    result.observations.append({
        "la_code": la_codes.to_numpy()[ok],
        "period": _pick(periods, ok, n), "year": _pick(years, ok, n),
        "measure": _pick(measure, ok, n),
        "value": parsed.value[ok], "status": parsed.status[ok], "code": parsed.code[ok],
        "source_row": raw.index.to_numpy()[ok],
    })


def _pick(value, mask, n):
    if isinstance(value, (pd.Series, np.ndarray)):
        return np.asarray(value, dtype=object)[mask]
    return np.full(n, value, dtype=object)


def report_unknown(result: ReadResult, ctx: ReadContext, rows: pd.Index, reasons, cells: int,
                   values=None) -> None:
    """One ``unknown-la`` problem per row, covering the row's ``cells`` data cells."""
    values = values if values is not None else [None] * len(rows)
    for row, reason, value in zip(rows, reasons, values):
        result.cells_read += cells
        result.problems.append(Problem(
            "unknown-la", ctx.name, int(row), None,
            f"{reason}; the row's {cells} cell(s) were not stored. If this is a new or renamed "
            "authority, add it to reference/geography.yaml.", value, cells))


def data_columns(ctx: ReadContext, frame: pd.DataFrame, id_columns,
                 result: ReadResult) -> list[str]:
    """The measure columns: all but ``id_columns``. A header-less column is skipped with a
    note when empty, and each of its cells reported (``unnamed-column``) when not."""
    keep = []
    for column in frame.columns:
        if column in id_columns:
            continue
        if column.startswith("Unnamed: ") or not column.strip():
            if (frame[column].fillna("").str.strip() == "").all():
                result.notes.append(f"header-less empty column {column!r} ignored")
            else:
                report_unnamed(result, ctx, frame, column)
            continue
        keep.append(column)
    return keep


def report_unnamed(result: ReadResult, ctx: ReadContext, frame: pd.DataFrame, column: str) -> None:
    """Cells under a column with no header cannot be given a measure: report each one."""
    cells = frame[column].fillna("").str.strip()
    position = list(frame.columns).index(column) + 1
    for row, text in cells[cells != ""].items():
        result.cells_read += 1
        result.problems.append(Problem(
            "unnamed-column", ctx.name, int(row), f"column {position} (no header)",
            "the cell has data but its column has no name, so it cannot be given a measure; "
            "not stored. Restore the published header.", text))


def resolve_rows(ctx: ReadContext, frame: pd.DataFrame, *, ons=None, dfe=None, name=None,
                 year=None, area_level=None) -> tuple[pd.Series, pd.Series]:
    """Resolve each row's authority; return (la_code or None, reason or None) Series.

    Identical keys are resolved once, so a 600,000-row file costs a few hundred lookups.
    """
    cols = {"ons": ons, "dfe": dfe, "name": name, "year": year, "area": area_level}
    keys = pd.DataFrame({k: (frame[v] if isinstance(v, str) else v)
                         for k, v in cols.items() if v is not None}, index=frame.index)
    group = keys.astype(str).groupby(list(keys.columns), sort=False, dropna=False).ngroup()
    first = keys.loc[~group.duplicated()]
    order = group[first.index].to_numpy()
    found_codes = np.empty(len(first), dtype=object)
    found_reasons = np.empty(len(first), dtype=object)
    for pos, rec in zip(order, first.itertuples(index=False)):
        d = rec._asdict()
        year = d.get("year")
        res = ctx.register.resolve(
            ons=d.get("ons"), dfe=d.get("dfe"), name=d.get("name"),
            year=int(year) if year is not None and str(year).isdigit() else None,
            area_level=bool(d.get("area")))
        found_codes[pos], found_reasons[pos] = res.la_code, res.reason
    codes = pd.Series(found_codes[group.to_numpy()], index=frame.index, dtype=object)
    reasons = pd.Series(found_reasons[group.to_numpy()], index=frame.index, dtype=object)
    return codes, reasons


def check_duplicates(result: ReadResult, ctx: ReadContext, obs: pd.DataFrame) -> pd.DataFrame:
    """Report repeated (authority, period, measure) rows; keep one copy of exact repeats.

    Repeats that agree are stored once and each extra copy is a ``duplicate-row``
    problem; repeats that disagree are all withheld (``conflicting-duplicate``),
    because nothing says which is right.
    """
    key = ["la_code", "period", "measure"]
    dup = obs.duplicated(key, keep=False)
    if not dup.any():
        return obs
    groups = obs[dup].groupby(key, sort=False)
    drop = []
    for _, g in groups:
        same = g[["value", "status", "code"]].astype(str).nunique().max() == 1
        rows = g.index.tolist()
        if same:
            first = g.iloc[0]
            for idx in rows[1:]:
                r = obs.loc[idx]
                result.problems.append(Problem(
                    "duplicate-row", ctx.name, int(r.source_row), r.measure,
                    f"repeats row {int(first.source_row)} for {r.la_code}, {r.period} with the "
                    "same value; stored once.", _fmt(r)))
            drop += rows[1:]
        else:
            others = ", ".join(f"row {int(obs.loc[i].source_row)}: {_fmt(obs.loc[i])}"
                               for i in rows)
            for idx in rows:
                r = obs.loc[idx]
                result.problems.append(Problem(
                    "conflicting-duplicate", ctx.name, int(r.source_row), r.measure,
                    f"{r.la_code}, {r.period} has different values ({others}); none stored. "
                    "Check which the publisher intended.", _fmt(r)))
            drop += rows
    return obs.drop(index=drop)


def _fmt(r) -> str:
    return str(r.value) if r.status == "value" else f"{r.code!r} ({r.status})"
