"""DfE Local Authority Interactive Tool (LAIT): its long data table and its data dictionary.

``dfe_lait/bds_long_*.parquet`` holds one row per measure, period and area
(``Short Desc``, ``Data item``, ``Years``, ``LA and Regions``, ``Values``,
``LA Number``, ``Region``): about 430 measures, mostly 2016-2025, for every
authority (including ones abolished since), the regions and England (LA numbers
970-990). Values are text; ``-`` stands for anything not shown, suppressed or
not collected alike (convention ``lait``). Periods are labelled as LAIT shows
them ("2016", "2015/16", "2016-17 (OT)", "2014-16", "2018 (Rev)") and kept so;
the year is the year the period ends. A parquet file has no row numbers, so
``source_row`` is the row's number as a spreadsheet would show the table
(header = row 1, first data row = row 2).

``dfe_lait/lait_data_dictionary.csv`` describes each measure (title, unit,
polarity, description, methodology, source). It is read into the measure table
only: each ``lait:<Measure_short>`` measure gets its label, unit and notes from it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ...errors import Problem
from ..files import read_parquet_table
from ..schema import LAIT_DICTIONARY
from .base import (
    Coded,
    ReadContext,
    ReadResult,
    emit_block,
    read_csv_text,
    report_unknown,
    used_codes,
)

DATASET = "lait"
#: LAIT numbers England 970 and the regions 980-990 (and a retired England, 1000).
FIRST_AREA_NUMBER = 970
DICTIONARY_COLUMNS = list(LAIT_DICTIONARY)
#: Dictionary columns stored in the measure table, in the order notes quote them.
DICTIONARY_STORED = ["Topic", "Measure", "Chart_title", "y_axis_name", "Polarity",
                     "Description", "Year_Type", "Methodology",
                     "Data Owner (DO) /Supplier and Contact Details", "Hyperlink(s)"]
POLARITY = {"high": "higher is better", "low": "lower is better",
            "-": "no preferred direction"}
#: The dictionary's axis names that are currencies, as units.
UNITS = {"spend": "GBP", "unit cost": "GBP per week (unit cost)"}
EXCEL_EPOCH = date(1899, 12, 30)


def period_year(label: str) -> int | None:
    """The year a LAIT period label ends in, or None if it cannot be read.

    Examples
    --------
    >>> [period_year(t) for t in ["2016", "2015/16", "2016-17 (OT)", "2014-16", "2018 (Rev)"]]
    [2016, 2016, 2017, 2016, 2018]
    >>> period_year("2013/14-15/16"), period_year("1999/00"), period_year("0")
    (2016, 2000, None)
    """
    text = re.sub(r"\s*\([^)]*\)\s*$", "", str(label)).strip()
    match = re.fullmatch(r"((?:19|20)\d\d)(?:/(\d\d|\d{4}))?(?:-(\d\d|\d{4})(?:/(\d\d))?)?", text)
    if not match:
        return None
    first = int(match.group(1))
    last = [g for g in match.groups()[1:] if g][-1:] or [match.group(1)]
    end = last[0]
    if len(end) == 4:
        return int(end)
    year = first - first % 100 + int(end)
    return year + 100 if year < first else year


def read(ctx: ReadContext) -> ReadResult:
    """Read the LAIT long table (parquet) or its data dictionary (CSV).

    Parameters
    ----------
    ctx : the file, its name in the data folder and the register of authorities.

    Returns
    -------
    ReadResult
        For the parquet: one observation per row, measure ``lait:<Short Desc>``,
        with a minimal measure description from ``Data item``. For the dictionary:
        no observations; one measure description per ``Measure_short`` (label,
        unit and notes), its stored cells counted as ``other_values``.

    Notes
    -----
    Both files write the ``lait:`` measures and the store keeps the last written.
    A full load reads ``bds_long_0.parquet`` before ``lait_data_dictionary.csv``,
    so the dictionary's fuller descriptions win.
    """
    if ctx.name.lower().endswith(".csv"):
        return read_dictionary(ctx)
    return read_long(ctx)


def read_long(ctx: ReadContext) -> ReadResult:
    """The long data table: see :func:`read`. Columns stay dictionary-encoded (a code per
    row into a short list of labels) from the file to the store."""
    table = read_parquet_table(ctx, family="lait_long", encoded=True)
    result = ReadResult(rows_read=table.num_rows)
    rows = np.arange(2, table.num_rows + 2)
    la = _resolve(ctx, table, rows, result)
    periods, years = _periods(ctx, table, rows, la, result)
    names = _encoded(table, "Short Desc", strip=True)
    _describe(result, table, names)
    values = _encoded(table, "Values", null="")
    stems = Coded(names.codes, np.array([f"{DATASET}:{s}" for s in names.labels], dtype=object))
    emit_block(result, ctx, cells=Coded(values.codes[:, None], values.labels), rows=rows,
               la_codes=la, measures=(stems, [""]), periods=periods, years=years,
               convention="lait", columns=["Values"])
    known = [y for y in years.labels if y is not None]
    result.release = str(max(known)) if known else None
    return result


def _encoded(table, column: str, *, strip: bool = False, null: str | None = None) -> Coded:
    """A column as codes into its distinct values (stripped if asked; nulls as ``null``,
    else code -1)."""
    encoded = _first_appearance(table.column(column).combine_chunks())
    labels = encoded.dictionary.to_pylist()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    codes = np.where(np.isnan(codes), -1, codes).astype(np.int64) if codes.dtype.kind == "f" \
        else codes.astype(np.int64)
    if null is not None:
        labels.append(null)
        codes[codes < 0] = len(labels) - 1
    if strip:
        labels = [str(v).strip() for v in labels]
    # labels that are equal once stripped share one code; -1 (null) stays -1
    remap, unique = pd.factorize(np.array(labels, dtype=object), use_na_sentinel=True)
    remap = np.append(remap, -1)
    return Coded(remap[codes].astype(np.int64), np.asarray(unique, dtype=object))


def _first_appearance(column):
    """The column dictionary-encoded with its values in order of first appearance, every
    one used (what ``dictionary_encode`` gives, and the order measures are described in).
    A column read encoded from parquet usually is already."""
    import pyarrow as pa

    if not pa.types.is_dictionary(column.type):
        return column.dictionary_encode()
    codes = column.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    if not len(codes):
        return column.dictionary_decode().dictionary_encode()
    seen = np.maximum.accumulate(codes)  # a new value's code is one more than any before
    if codes[0] <= 0 and not (codes[1:] > seen[:-1] + 1).any() \
            and seen[-1] == len(column.dictionary) - 1:
        return column
    return column.dictionary_decode().dictionary_encode()


def _resolve(ctx: ReadContext, table, rows: np.ndarray, result: ReadResult) -> Coded:
    """Match each distinct (LA Number, name) once; report rows that match nothing."""
    number, name = _encoded(table, "LA Number"), _encoded(table, "LA and Regions")
    width = len(name.labels) + 1
    pair = (number.codes + 1) * width + name.codes + 1
    distinct, inverse = used_codes(pair, (len(number.labels) + 1) * width)
    numbers = np.append(number.labels, None)[distinct // width - 1]  # code -1: None
    names = np.append(name.labels, None)
    found = [ctx.register.resolve(dfe=dfe, name=text,
                                  area_level=dfe is not None and dfe >= FIRST_AREA_NUMBER)
             for dfe, text in zip(numbers, names[distinct % width - 1])]
    la = Coded.of(np.array([f.la_code for f in found], dtype=object), len(distinct))
    la = Coded(la.codes[inverse], la.labels)
    unknown = np.flatnonzero(la.codes < 0)
    if len(unknown):
        reasons = np.array([f.reason for f in found], dtype=object)
        report_unknown(result, ctx, pd.Index(rows[unknown]), reasons[inverse[unknown]], 1,
                       names[name.codes[unknown]].tolist())
    return la


def _periods(ctx: ReadContext, table, rows: np.ndarray, la: Coded,
             result: ReadResult) -> tuple[Coded, Coded]:
    """Period labels as given and their end years; rows with unreadable labels are reported
    and get no authority, so that ``emit_block`` passes over them."""
    raw = _encoded(table, "Years")
    labels = [str(t).strip() for t in raw.labels]
    by_label = Coded.of(np.array([period_year(t) for t in labels] + [None], dtype=object),
                        len(labels) + 1)  # the last for a missing label
    years = Coded(by_label.codes[raw.codes], by_label.labels)
    bad = np.flatnonzero((years.codes < 0) & (la.codes >= 0))
    if len(bad):
        items = _encoded(table, "Short Desc").decoded()
        texts = raw.decoded()
        for pos in bad:
            label = texts[pos]
            result.cells_read += 1
            result.problems.append(Problem(
                "unknown-period", ctx.name, int(rows[pos]), "Years",
                f"period {label!r} of measure {items[pos]!r} cannot be read as a year; the "
                "row's value was not stored. Check the published LAIT table.", str(label)))
        la.codes[bad] = -1
    periods = Coded(raw.codes, np.array(labels, dtype=object))
    return periods, years


def _describe(result: ReadResult, table, names: Coded) -> None:
    items = _encoded(table, "Data item")
    given = np.flatnonzero(items.codes >= 0)
    named, first = np.unique(names.codes[given], return_index=True)
    first_item = dict(zip(named.tolist(), items.labels[items.codes[given[first]]]))
    for code, name in enumerate(names.labels):
        item = first_item.get(code)
        label = " ".join(item.split()) if isinstance(item, str) and item.strip() else name
        result.add_measure(f"{DATASET}:{name}", label, _unit(label), DATASET,
                           notes="DfE Local Authority Interactive Tool. '-' = not shown "
                                 "(suppressed, not collected or not applicable alike). "
                                 "See lait_data_dictionary.csv for the full description.")


def _unit(text: str) -> str:
    lowered = text.lower()
    if "%" in lowered or "percent" in lowered or "proportion" in lowered:
        return "percent"
    if re.search(r"per [\d,]+", lowered) or "rate" in lowered:
        return "rate"
    if re.search(r"financ|expenditure|budget|spend|cost", lowered):
        return "GBP"
    if "number" in lowered:
        return "count"
    return "value"


# -- the data dictionary ---------------------------------------------------------------------

def read_dictionary(ctx: ReadContext) -> ReadResult:
    """The data dictionary: see :func:`read`.

    Stored: Topic, Measure, Chart_title (label), y_axis_name (unit), Polarity,
    Description, Year_Type, the first sentence of Methodology, data owner and
    hyperlink, in the measure's label, unit and notes. A measure listed twice
    (under two topics) is stored once, with the second listing in its notes.
    LAIT's publishing fields (Measure_code, state_funded_flag, Table_status,
    Last/Next Update, dps, No_Quartile) are not data and are not stored.
    """
    frame = read_csv_text(ctx, family="lait_dictionary")
    result = ReadResult(rows_read=len(frame), release=_latest_update(frame))
    stored = [c for c in DICTIONARY_STORED if c in frame.columns]
    skipped = [c for c in frame.columns if c not in stored and c != "Measure_short"]
    result.notes.append(f"columns not stored (LAIT publishing fields): {', '.join(skipped)}")
    keys = frame["Measure_short"].fillna("").str.strip()
    short = frame[stored].isna().any(axis=1)
    _report_rows(ctx, result, frame.index[short], "truncated-row", None, len(stored),
                 "the row ends early (is the file cut short?); not stored. Restore the "
                 "complete file.")
    nokey = ~short & (keys == "")
    _report_rows(ctx, result, frame.index[nokey], "bad-value", "Measure_short", len(stored),
                 "the row has no Measure_short, so it describes no measure; not stored. "
                 "Check the published dictionary.")
    kept = (~short & ~nokey).to_numpy()
    # each kept row as {column: text}, "" for an empty cell ("" or "NA")
    columns = [[v.strip() for v in frame[c].to_numpy(dtype=object)[kept]] for c in stored]
    rows = [dict(zip(stored, texts)) for texts in zip(*columns)]
    empty = sum(v in ("", "NA") for row in rows for v in row.values())
    result.cells_read += len(rows) * len(stored)
    result.other_special += empty
    result.other_values += len(rows) * len(stored) - empty
    groups: dict[str, list[dict]] = {}  # by key, in order of first appearance
    for key, row in zip(keys.to_numpy(dtype=object)[kept], rows):
        groups.setdefault(key, []).append({c: "" if v == "NA" else v for c, v in row.items()})
    for key, group in groups.items():
        _add_dictionary_measure(result, key, group)
    return result


def _report_rows(ctx, result, rows, code, column, cells, message) -> None:
    for row in rows:
        result.cells_read += cells
        result.problems.append(Problem(code, ctx.name, int(row), column, message, None, cells))


def _add_dictionary_measure(result: ReadResult, key: str, group: list[dict]) -> None:
    first = group[0]
    label = _flat(first.get("Chart_title") or first.get("Measure") or key)
    axis = _flat(first.get("y_axis_name", ""))
    polarity = first.get("Polarity", "")
    notes = [
        _flat(first.get("Description", "")),
        f"Polarity: {POLARITY.get(polarity.lower(), polarity)}" if polarity else "",
        f"Period: {_flat(first['Year_Type'])}" if first.get("Year_Type") else "",
        f"Methodology: {_first_sentence(first['Methodology'])}" if first.get("Methodology")
        else "",
        f"Topic: {_flat(first.get('Topic', ''))}; measure: {_flat(first.get('Measure', ''))}",
        f"Axis: {axis}" if axis else "",
        f"Source: {_flat(first.get(DICTIONARY_STORED[8], ''))}"
        if first.get(DICTIONARY_STORED[8]) else "",
        first["Hyperlink(s)"].split()[0] if first.get("Hyperlink(s)") else "",
    ]
    for other in group[1:]:
        diff = [f"{c} {_flat(other[c])!r}" for c in other if other[c] != first[c]]
        notes.append("Also listed with " + "; ".join(diff))
    text = " ".join(_sentence(n) for n in notes if n)
    result.add_measure(f"{DATASET}:{key}", label, UNITS.get(axis.lower(), axis or "value"),
                       DATASET, notes=text, priority=1)


def _sentence(text: str) -> str:
    if text.startswith("http") or text.endswith((".", "?", "!")):
        return text
    return text[:-1] + " ..." if text.endswith(":") else text + "."


def _flat(text: str) -> str:
    return " ".join(str(text).split())


def _first_sentence(text: str) -> str:
    """The first sentence of the first non-empty line."""
    line = next((ln for ln in str(text).splitlines() if ln.strip()), "")
    flat = _flat(line)
    match = re.match(r"(.+?[.!?])(\s|$)", flat)
    return match.group(1) if match else flat


def _latest_update(frame: pd.DataFrame) -> str | None:
    """The year of the latest 'Last Update' (Excel day numbers in this file)."""
    if "Last Update" not in frame.columns:
        return None
    days = pd.to_numeric(frame["Last Update"], errors="coerce").dropna()
    if days.empty:
        return None
    return str((EXCEL_EPOCH + timedelta(days=int(days.max()))).year)
