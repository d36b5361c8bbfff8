"""What every reader returns, and the shared steps that turn raw cells into observations.

A reader takes one file and returns a :class:`ReadResult`. It never touches the
store. Its accounting must balance: every data cell it reads is stored as a
value, stored as a special status, or reported as a problem.

Cells become observations a block at a time (:func:`emit_block`): a whole table of
cells is parsed in one pass over its distinct texts, and its columns are kept
dictionary-encoded (an authority, a period or a measure is a small integer into a
list of labels) until the loader hands them to the store as Arrow arrays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...errors import Problem
from ..cells import parse_uniques
from ..files import Source, read_csv_text, read_text, require_columns
from ..schema import OBS_COLUMNS, dims_json

if TYPE_CHECKING:
    import pyarrow as pa

    from ..register import Register

__all__ = ["OBS_COLUMNS", "ReadContext", "ReadResult", "cell_table", "data_columns",
           "drop_blank_rows", "emit_block", "read_csv_text", "read_text",
           "report_unknown", "require_columns", "resolve_rows", "slug", "used_codes"]

#: Observation columns held as (codes, labels); the others are plain arrays.
CODED = ("la_code", "period", "year", "measure", "status", "code")


@dataclass
class ReadContext(Source):
    register: Register | None = None


@dataclass
class Coded:
    """A dictionary-encoded column: ``labels[codes]``, code -1 for null."""

    codes: np.ndarray
    labels: np.ndarray

    @classmethod
    def of(cls, values, n: int) -> Coded:
        """Encode a scalar (repeated ``n`` times) or an array of labels."""
        if isinstance(values, (np.ndarray, pd.Series, pd.Index, list)):
            codes, labels = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
            return cls(codes.astype(np.int64), np.asarray(labels, dtype=object))
        if values is None or (isinstance(values, float) and np.isnan(values)):
            return cls(np.full(n, -1, dtype=np.int64), np.array([], dtype=object))
        return cls(np.zeros(n, dtype=np.int64), np.array([values], dtype=object))

    def take(self, index: np.ndarray) -> Coded:
        return Coded(self.codes[index], self.labels)

    def decoded(self) -> np.ndarray:
        out = np.empty(len(self.codes), dtype=object)
        known = self.codes >= 0
        out[known] = self.labels[self.codes[known]]
        return out


@dataclass
class Block:
    """Observations from one emission, column by column (all the same length)."""

    columns: dict  # name -> Coded (CODED) or ndarray (value float64, source_row int64)

    def __len__(self) -> int:
        return len(self.columns["value"])

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Block:
        n = len(frame)
        cols = {c: Coded.of(frame[c].to_numpy(dtype=object), n) for c in CODED}
        cols["value"] = frame["value"].to_numpy(dtype=float, na_value=np.nan)
        cols["source_row"] = frame["source_row"].to_numpy(dtype=np.int64)
        return cls(cols)

    def take(self, index: np.ndarray) -> Block:
        return Block({c: v.take(index) if isinstance(v, Coded) else v[index]
                      for c, v in self.columns.items()})

    def frame(self) -> pd.DataFrame:
        out = {c: (self.columns[c].decoded() if c in CODED else self.columns[c])
               for c in OBS_COLUMNS}
        frame = pd.DataFrame(out)
        frame["year"] = frame["year"].astype("Int64")
        return frame


@dataclass
class ReadResult:
    #: Blocks (or frames with OBS_COLUMNS) of observations, in reading order
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
    #: the block :meth:`finish` made (so that asking again costs nothing)
    _finished: Block | None = field(default=None, repr=False, compare=False)

    def add_measure(self, measure: str, label: str, unit: str, dataset: str,
                    dims: dict | None = None, notes: str | None = None,
                    priority: int = 0) -> None:
        """Describe a measure. ``priority`` > 0 marks a richer description (a data
        dictionary) that a lower-priority file's reload must not overwrite."""
        self.measures.setdefault(measure, {
            "measure": measure, "label": label, "unit": unit, "dataset": dataset,
            "dims": dims_json(dims or {}), "notes": notes, "priority": priority,
        })

    def finish(self, ctx: ReadContext) -> Block:
        """Merge the blocks into one, reporting repeated (authority, period, measure)
        rows (see :func:`_duplicates`). Idempotent: later calls return the same block."""
        done, blocks = self._finished, self.observations
        if done is not None and (not blocks or (len(blocks) == 1 and blocks[0] is done)):
            return done
        blocks = [b if isinstance(b, Block) else Block.from_frame(b)
                  for b in self.observations if len(b)]
        block = _duplicates(self, ctx, _concat(blocks))
        self.observations = [block] if len(block) else []
        self._finished = block
        return block

    def observation_frame(self, ctx: ReadContext | None = None) -> pd.DataFrame:
        """The observations as a DataFrame with OBS_COLUMNS (after :meth:`finish`)."""
        return self.finish(ctx or ReadContext(Path(), "?")).frame()

    def status_counts(self) -> dict[str, int]:
        """Observations by status (after :meth:`finish`)."""
        if not self.observations:
            return {}
        status = self.observations[0].columns["status"]
        counts = np.bincount(status.codes, minlength=len(status.labels))
        return {str(label): int(n) for label, n in zip(status.labels, counts) if n}

    def observation_table(self, ctx: ReadContext, source_file: str) -> pa.Table:
        """The observations as the store's Arrow table (after :meth:`finish`)."""
        return _arrow(self.finish(ctx), source_file, self.release)


def _concat(blocks: list[Block]) -> Block:
    """One block with one dictionary per coded column (labels unified and unique)."""
    if not blocks:
        return Block({**{c: Coded(np.zeros(0, np.int64), np.array([], dtype=object))
                         for c in CODED},
                      "value": np.zeros(0), "source_row": np.zeros(0, np.int64)})
    cols = {}
    for c in CODED:
        parts = [b.columns[c] for b in blocks]
        labels = np.concatenate([p.labels for p in parts]) if parts else np.array([], object)
        remap, unique = pd.factorize(labels, use_na_sentinel=True)
        if len(parts) == 1 and len(unique) == len(labels) and (remap >= 0).all():
            cols[c] = Coded(parts[0].codes.astype(np.int64, copy=False),  # as it is
                            np.asarray(labels, dtype=object))
            continue
        offsets = np.cumsum([0] + [len(p.labels) for p in parts[:-1]])
        codes = []
        for p, off in zip(parts, offsets):
            mapped = np.append(remap[off: off + len(p.labels)], -1)  # code -1 stays -1
            codes.append(mapped[p.codes])
        cols[c] = Coded(np.concatenate(codes).astype(np.int64), np.asarray(unique, dtype=object))
    cols["value"] = np.concatenate([b.columns["value"] for b in blocks])
    cols["source_row"] = np.concatenate([b.columns["source_row"] for b in blocks])
    return Block(cols)


def _arrow(block: Block, source_file: str, release: str | None) -> pa.Table:
    import pyarrow as pa

    n = len(block)

    def dictionary(col: Coded) -> pa.Array:
        codes = col.codes.astype(np.int32)
        labels = ["" if v is None else str(v) for v in col.labels]
        return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0),
                                              pa.array(labels, type=pa.string()))

    def constant(value) -> pa.Array:
        return dictionary(Coded.of(value, n))

    year = block.columns["year"]
    year_values = np.array([-1 if y is None else int(y) for y in year.labels] + [-1],
                           dtype=np.int64)[year.codes]
    value = block.columns["value"]
    return pa.table({
        "la_code": dictionary(block.columns["la_code"]),
        "period": dictionary(block.columns["period"]),
        "year": pa.array(year_values.astype(np.int32), mask=year_values < 0),
        "measure": dictionary(block.columns["measure"]),
        "value": pa.array(value, mask=np.isnan(value)),
        "status": dictionary(block.columns["status"]),
        "code": dictionary(block.columns["code"]),
        "source_file": constant(source_file),
        "source_row": pa.array(block.columns["source_row"].astype(np.int32)),
        "release": constant(release),
    })


# -- turning cells into observations -------------------------------------------------------

def slug(text: str) -> str:
    """Lower-case words joined by hyphens: 'Aged 19 to 21' -> 'aged-19-to-21'."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def emit_block(result: ReadResult, ctx: ReadContext, *, cells, rows, la_codes,
               measures, periods, years, convention: str, columns) -> None:
    """Parse a table of cells into observations and problems, in one pass.

    Parameters
    ----------
    cells : 2-D array (rows x columns) of cell texts, NaN or None marking a field missing
        from a short row (reported as ``truncated-row``); or, already encoded, a
        :class:`Coded` whose ``codes`` are 2-D (code -1 for a missing field).
    rows : each row's number in the source (for problems and ``source_row``).
    la_codes : each row's register key; rows with None were reported by the caller and
        are skipped here (their cells are not counted again).
    measures : one measure id per column, or ``(stems, suffixes)``: a stem per row and a
        suffix per column, the measure being stem + suffix (EES filters).
    periods, years : one for all rows, or one per row.
    convention : the source's symbols (see :mod:`..cells`).
    columns : each column's name as problems should show it.

    Every per-row argument may be given as a :class:`Coded` (labels and a code per row).
    """
    la = _coded(la_codes, len(rows))
    keep = la.codes >= 0
    cells = cells if isinstance(cells, Coded) else _encode_cells(cells)
    rows = np.asarray(rows, dtype=np.int64)
    periods, years = _coded(periods, len(rows)), _coded(years, len(rows))
    stems = _coded(measures[0], len(rows)) if isinstance(measures, tuple) else None
    if not keep.all():
        cells = Coded(cells.codes[keep], cells.labels)
        rows, la, periods, years = rows[keep], la.take(keep), periods.take(keep), \
            years.take(keep)
        stems = stems.take(keep) if stems is not None else None
    nr, nc = cells.codes.shape
    if nr * nc == 0:
        return
    result.cells_read += nr * nc
    index = cells.codes.ravel(order="F")  # column by column, rows within
    parsed = parse_uniques(cells.labels, convention)
    short = index < 0
    bad = ~short & parsed.bad[np.where(short, 0, index)]
    if short.any() or bad.any():
        _cell_problems(result, ctx, cells, short, bad, rows, columns, nr)
    ok = np.flatnonzero(~(short | bad))
    u = index[ok]
    tile = lambda per_row: (np.tile(per_row, nc) if nc > 1 else per_row)[ok]  # noqa: E731
    cols = {c: Coded(tile(v.codes), v.labels)
            for c, v in (("la_code", la), ("period", periods), ("year", years))}
    cols["measure"] = _measure_codes(measures, stems, nr, nc, ok)
    cols["status"] = Coded(parsed.status_codes[u], parsed.status_labels)
    cols["code"] = Coded(parsed.code_codes[u], parsed.code_labels)
    cols["value"] = parsed.value[u]
    cols["source_row"] = tile(rows)
    result.observations.append(Block(cols))


def _coded(value, n: int) -> Coded:
    return value if isinstance(value, Coded) else Coded.of(value, n)


def _encode_cells(cells) -> Coded:
    """A 2-D table of texts as (codes, distinct texts); NaN/None is code -1."""
    cells = np.asarray(cells, dtype=object)
    if cells.ndim == 1:
        cells = cells[:, None]
    codes, uniques = pd.factorize(cells.ravel(order="F"), use_na_sentinel=True)
    return Coded(codes.reshape(cells.shape, order="F"), np.asarray(uniques, dtype=object))


def _measure_codes(measures, stems: Coded | None, nr: int, nc: int, ok: np.ndarray) -> Coded:
    column = np.repeat(np.arange(nc, dtype=np.int64), nr)[ok]
    if stems is None:
        return Coded(column, np.asarray(list(measures), dtype=object))
    combo = np.tile(stems.codes, nc)[ok] * nc + column
    used, codes = used_codes(combo, len(stems.labels) * nc)
    suffixes = list(measures[1])
    labels = np.array([stems.labels[c // nc] + suffixes[c % nc] for c in used], dtype=object)
    return Coded(codes.astype(np.int64), labels)


def used_codes(combo: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(combo, return_inverse=True)`` for codes in ``range(size)``, by counting
    rather than sorting when that is cheaper."""
    if size > 4 * len(combo) + 1024 or (len(combo) and combo.min() < 0):
        return np.unique(combo, return_inverse=True)
    present = np.bincount(combo, minlength=size) > 0
    rank = np.cumsum(present) - 1
    return np.flatnonzero(present), rank[combo]


def _cell_problems(result, ctx, cells: Coded, short, bad, rows, columns, nr) -> None:
    columns = list(columns)
    flat = cells.codes.ravel(order="F")
    for pos in np.flatnonzero(short | bad):
        row, column = int(rows[pos % nr]), columns[pos // nr]
        if short[pos]:
            result.problems.append(Problem("truncated-row", ctx.name, row, column,
                                           "field missing: the row ends early (is the file cut "
                                           "short?). Restore the complete file.", None))
        else:
            text = cells.labels[flat[pos]]
            result.problems.append(Problem(
                "bad-value", ctx.name, row, column,
                f"{text!r} is neither a number nor a symbol this source documents; "
                "it was not stored. Check the published file.", str(text)))


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


def cell_table(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """``frame[columns]`` as a 2-D object array, without building the sub-frame."""
    if not frame.columns.is_unique:
        return frame[columns].to_numpy(dtype=object)
    return frame.to_numpy(dtype=object)[:, frame.columns.get_indexer(columns)]


def drop_blank_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Remove rows with no text in any cell (spacer lines); return how many."""
    blank = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        candidates = np.flatnonzero(blank)
        if not len(candidates):
            break
        codes, uniques = pd.factorize(frame[column].to_numpy(dtype=object)[candidates],
                                      use_na_sentinel=True)
        filled = np.array([isinstance(u, str) and bool(u.strip()) for u in uniques] + [False])
        blank[candidates[filled[codes]]] = False
    if not blank.any():
        return frame, 0
    return frame[~blank], int(blank.sum())


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
    parts = []
    for key, v in cols.items():
        if v is None:
            continue
        column = frame[v] if isinstance(v, str) else v
        values = column.to_numpy(dtype=object) if hasattr(column, "to_numpy") else \
            np.full(len(frame), column, dtype=object)
        parts.append((key, values))
    # one dense code per distinct combination of keys
    combo = np.zeros(len(frame), dtype=np.int64)
    for _, values in parts:
        codes, labels = pd.factorize(values, use_na_sentinel=False)
        combo = pd.factorize(combo * (len(labels) + 1) + codes)[0]
    distinct, first_pos, inverse = np.unique(combo, return_index=True, return_inverse=True)
    found_codes = np.empty(len(distinct), dtype=object)
    found_reasons = np.empty(len(distinct), dtype=object)
    for g, pos in enumerate(first_pos):
        d = {key: values[pos] for key, values in parts}
        y = d.get("year")
        res = ctx.register.resolve(
            ons=d.get("ons"), dfe=d.get("dfe"), name=d.get("name"),
            year=int(y) if y is not None and str(y).isdigit() else None,
            area_level=bool(d.get("area")))
        found_codes[g], found_reasons[g] = res.la_code, res.reason
    codes = pd.Series(found_codes[inverse], index=frame.index, dtype=object)
    reasons = pd.Series(found_reasons[inverse], index=frame.index, dtype=object)
    return codes, reasons


def _duplicates(result: ReadResult, ctx: ReadContext, block: Block) -> Block:
    """Report repeated (authority, period, measure) rows; keep one copy of exact repeats.

    Repeats that agree are stored once and each extra copy is a ``duplicate-row``
    problem; repeats that disagree are all withheld (``conflicting-duplicate``),
    because nothing says which is right.
    """
    c = block.columns
    key = np.zeros(len(block), dtype=np.int64)
    for name in ("la_code", "period", "measure"):
        key = key * (len(c[name].labels) + 1) + c[name].codes + 1
    dup = pd.Series(key).duplicated(keep=False).to_numpy()
    if not dup.any():
        return block
    where = np.flatnonzero(dup)
    obs = block.take(where).frame()
    obs.index = where
    drop = []
    for _, g in obs.groupby(["la_code", "period", "measure"], sort=False):
        drop += _report_group(result, ctx, obs, g)
    keep = np.setdiff1d(np.arange(len(block)), np.asarray(drop, dtype=np.int64))
    return block.take(keep)


def _report_group(result, ctx, obs, g) -> list:
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
        return rows[1:]
    others = ", ".join(f"row {int(obs.loc[i].source_row)}: {_fmt(obs.loc[i])}" for i in rows)
    for idx in rows:
        r = obs.loc[idx]
        result.problems.append(Problem(
            "conflicting-duplicate", ctx.name, int(r.source_row), r.measure,
            f"{r.la_code}, {r.period} has different values ({others}); none stored. "
            "Check which the publisher intended.", _fmt(r)))
    return rows


def _fmt(r) -> str:
    return str(r.value) if r.status == "value" else f"{r.code!r} ({r.status})"
