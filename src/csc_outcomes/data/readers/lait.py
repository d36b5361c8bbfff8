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
from ..files import read_parquet
from ..schema import LAIT_DICTIONARY
from .base import (
    ReadContext,
    ReadResult,
    emit_block,
    read_csv_text,
    report_unknown,
    resolve_rows,
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
    """The long data table: see :func:`read`."""
    frame = read_parquet(ctx, family="lait_long")
    result = ReadResult(rows_read=len(frame))
    codes = _resolve(ctx, frame, result)
    periods, years = _periods(ctx, frame, codes, result)
    names, short = pd.factorize(frame["Short Desc"].astype(str).str.strip())
    ids = np.array([f"{DATASET}:{s}" for s in short], dtype=object)
    _describe(result, frame, names, short)
    emit_block(result, ctx, cells=frame["Values"].fillna("").to_numpy(dtype=object),
               rows=frame.index.to_numpy(), la_codes=codes.to_numpy(dtype=object),
               measures=(ids[names], [""]), periods=periods.to_numpy(dtype=object),
               years=years.to_numpy(dtype=object), convention="lait", columns=["Values"])
    known = years.dropna()
    result.release = str(int(known.max())) if len(known) else None
    return result


def _resolve(ctx: ReadContext, frame: pd.DataFrame, result: ReadResult) -> pd.Series:
    """Match each distinct (LA Number, name) once; report rows that match nothing."""
    group = frame.groupby(["LA Number", "LA and Regions"], sort=False, dropna=False).ngroup()
    areas = frame.loc[~group.duplicated(), ["LA Number", "LA and Regions"]]
    keys = pd.DataFrame({"dfe": areas["LA Number"], "name": areas["LA and Regions"],
                         "area": areas["LA Number"] >= FIRST_AREA_NUMBER}, index=areas.index)
    found, reasons = resolve_rows(ctx, keys, dfe="dfe", name="name", area_level="area")
    order = group[areas.index].to_numpy()
    by_group = np.empty(len(areas), dtype=object)
    why = np.empty(len(areas), dtype=object)
    by_group[order], why[order] = found.to_numpy(), reasons.to_numpy()
    codes = pd.Series(by_group[group.to_numpy()], index=frame.index, dtype=object)
    unknown = codes.isna()
    if unknown.any():
        report_unknown(result, ctx, frame.index[unknown], why[group[unknown].to_numpy()], 1,
                       frame.loc[unknown, "LA and Regions"].tolist())
    return codes


def _periods(ctx: ReadContext, frame: pd.DataFrame, codes: pd.Series,
             result: ReadResult) -> tuple[pd.Series, pd.Series]:
    """Period labels as given and their end years; rows with unreadable labels are reported.

    Such rows get no authority in ``codes`` so that ``emit_column`` passes over them.
    """
    index, labels = pd.factorize(frame["Years"].astype(str).str.strip())
    label_years = np.array([period_year(t) for t in labels], dtype=object)
    years = pd.Series(label_years[index], index=frame.index).astype("Int64")
    bad = (years.isna() & codes.notna()).to_numpy()
    for row, label, item in zip(frame.index[bad], frame["Years"][bad], frame["Short Desc"][bad]):
        result.cells_read += 1
        result.problems.append(Problem(
            "unknown-period", ctx.name, int(row), "Years",
            f"period {label!r} of measure {item!r} cannot be read as a year; the row's value "
            "was not stored. Check the published LAIT table.", str(label)))
    codes[bad] = None
    return pd.Series(np.asarray(labels, dtype=object)[index], index=frame.index), years


def _describe(result: ReadResult, frame: pd.DataFrame, names: np.ndarray, short) -> None:
    items = frame["Data item"].astype(object).where(frame["Data item"].notna(), None)
    first_item = items.groupby(names).first()
    for code, name in enumerate(short):
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
    cells = frame.loc[~short & ~nokey, stored].apply(lambda c: c.str.strip())
    empty = cells.isin(["", "NA"])
    result.cells_read += cells.size
    result.other_special += int(empty.to_numpy().sum())
    result.other_values += int((~empty).to_numpy().sum())
    for key, group in cells.groupby(keys[cells.index], sort=False):
        _add_dictionary_measure(result, key, group, empty.loc[group.index])
    return result


def _report_rows(ctx, result, rows, code, column, cells, message) -> None:
    for row in rows:
        result.cells_read += cells
        result.problems.append(Problem(code, ctx.name, int(row), column, message, None, cells))


def _add_dictionary_measure(result: ReadResult, key: str, group: pd.DataFrame,
                            empty: pd.DataFrame) -> None:
    first = group.iloc[0].where(~empty.iloc[0], "")
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
    for pos in range(1, len(group)):
        other = group.iloc[pos].where(~empty.iloc[pos], "")
        diff = [f"{c} {_flat(other[c])!r}" for c in group.columns if other[c] != first[c]]
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
