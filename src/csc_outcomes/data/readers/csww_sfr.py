"""DfE children's social work workforce, statistical first release underlying data.

``dfe_csww/SFR07_2016_UD.csv`` (SFR07/2016: the workforce at 30 September 2015)
and ``dfe_csww/SFR08_2017_UD.csv`` (SFR08/2017: at 30 September 2016). One row
per area: England, the regions (no LA code) and each authority (9-character and
3-digit codes); one column per measure. Column names carry the census year
(``B3_FTE_TurnoverRate_2015``, ``B1ca_FTE_Age of Starters_2016_20_29``): it is
dropped from the measure id so that one measure spans both releases. DfE
published the files in Windows-1252 (these copies hold ASCII only). Symbols follow
the SFR convention: ``x`` suppressed, ``..`` not available, ``.`` not applicable,
``-`` nil.
"""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from ...errors import DataError
from ..schema import CSWW_ID_COLUMNS
from .base import (
    ReadContext,
    ReadResult,
    cell_table,
    data_columns,
    drop_blank_rows,
    emit_block,
    read_csv_text,
    report_unknown,
    resolve_rows,
)

DATASET = "csww-sfr"
ENCODING = "cp1252"
LA_ONS, LA_DFE = "LA_code (9 digit)", "LA_code (3 digit)"
ID_COLUMNS = list(CSWW_ID_COLUMNS)
NOTES = ("DfE children's social work workforce SFR underlying data; figures at 30 September "
         "of the year. x = suppressed, .. = not available, . = not applicable, - = nil.")


def census_year(columns) -> int | None:
    """The year most measure columns end in (the census date, 30 September).

    >>> census_year(["LA_name", "A1_FTE_2015", "B3_FTE_TurnoverRate_2015", "Average_caseload"])
    2015
    """
    found = Counter(m.group(1) for c in columns for m in re.finditer(r"_(20\d\d)(?=_|$)", c))
    return int(found.most_common(1)[0][0]) if found else None


def measure_name(column: str, year: int) -> str:
    """Drop the census year wherever it stands, and tidy stray spaces and underscores.

    >>> measure_name("B3_FTE_TurnoverRate_2015", 2015)
    'B3_FTE_TurnoverRate'
    >>> measure_name("B2cc_FTE__Percentage_Age_leavers_2016_40_49", 2016)
    'B2cc_FTE_Percentage_Age_leavers_40_49'
    >>> measure_name("A1ae_FTE_Percentage_ ChildrensSocialWorkers_Age_2015", 2015)
    'A1ae_FTE_Percentage_ChildrensSocialWorkers_Age'
    """
    name = re.sub(rf"_{year}(?=_|$)", "", column.strip())
    name = re.sub(r"\s*_\s*", "_", name)
    return re.sub(r"_+", "_", name).strip("_")


def read(ctx: ReadContext) -> ReadResult:
    """Read one workforce SFR underlying-data CSV.

    Parameters
    ----------
    ctx : the file, its name in the data folder and the register of authorities.

    Returns
    -------
    ReadResult
        One observation per area and measure column, measure ``csww-sfr:<column
        without its year>``, period and year the census year (30 September).
        Blank spacer rows and header-less empty columns are skipped with a note.
    """
    years = re.findall(r"(?:19|20)\d\d", ctx.name)
    result = ReadResult(release=years[-1] if years else None)
    frame = read_csv_text(ctx, ENCODING, family="csww_sfr")
    frame, blank = drop_blank_rows(frame)
    if blank:
        result.notes.append(f"{blank} blank line(s) skipped")
    result.rows_read = len(frame)
    columns = data_columns(ctx, frame, ID_COLUMNS, result)
    year = census_year(columns)
    if year is None:
        raise DataError(f"{ctx.name}: row 1: no column name ends in a year (such as "
                        "'A1_FTE_ChildrensSocialWorkers_2015'), so the census date is unknown. "
                        "Restore the published header.")
    codes = _resolve(ctx, frame, year)
    unknown = codes[0].isna()
    report_unknown(result, ctx, frame.index[unknown], codes[1][unknown], len(columns),
                   frame.loc[unknown, "LA_name"].tolist())
    measures = []
    for column in columns:
        name = measure_name(column, year)
        measure = f"{DATASET}:{name}"
        result.add_measure(measure, name.replace("_", " "), _unit(name), DATASET,
                           notes=f"At 30 September. {NOTES}")
        measures.append(measure)
    emit_block(result, ctx, cells=cell_table(frame, columns),
               rows=frame.index.to_numpy(), la_codes=codes[0].to_numpy(dtype=object),
               measures=measures, periods=str(year), years=year, convention="sfr",
               columns=columns)
    return result


def _resolve(ctx: ReadContext, frame: pd.DataFrame, year: int) -> tuple[pd.Series, pd.Series]:
    """England and regions have no LA code: match them by their own code and name."""
    la = frame[LA_ONS].str.strip() != ""
    region = ~la & (frame["Region_code"].str.strip() != "")
    keys = pd.DataFrame({
        "ons": frame[LA_ONS].where(la, frame["Region_code"].where(region,
                                                                  frame["Country_code"])),
        "name": frame["LA_name"].where(la, frame["Region_name"].where(region,
                                                                      frame["Country_name"])),
        "dfe": frame[LA_DFE].where(la, ""), "area": ~la, "year": str(year),
    }, index=frame.index)
    return resolve_rows(ctx, keys, ons="ons", dfe="dfe", name="name", year="year",
                        area_level="area")


def _unit(name: str) -> str:
    lowered = name.lower()
    if "percentage" in lowered or "rate" in lowered:
        return "percent"
    if lowered.startswith("cinpercsw"):
        return "children in need per social worker"
    if "average" in lowered:
        return "average"
    if "_fte_" in f"_{lowered}_":
        return "FTE"
    return "count"
