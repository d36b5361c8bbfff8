"""Lookup files: authority codes, Ofsted URNs, statistical neighbours and district-to-county maps.

* ``dfe_lait/la_code_list.xlsx``: LAIT's list of authorities (3-digit number, name,
  region, type), with England, the regions and abolished authorities.
* ``lookups/Provider_data_lookup.csv``: Data to Insight's lookup of Ofsted URNs,
  DfE and ONS codes and the names Ofsted reports use.
* ``lookups/New_Statistical_Neighbour_Groupings_April_2021.csv``: DfE's statistical
  neighbours: each authority's ten nearest (``SN1``..``SN10``) with a closeness
  band (``SNP``), then a block of neighbours of authorities since abolished.
* ``lookups/LTLA-UTLA_Apr23_Lookup_England-Wales.csv`` and
  ``lookups/qlacref_authorities/records.json``: ONS lower-tier to upper-tier local
  authority lookups (April 2023 and April 2021), England and Wales.

The register of authorities is built from the first two files (see
``register.py``), so their rows are only checked here: a row that matches an
authority counts its cells as stored; one that matches none is reported. The
neighbours go to table ``stat_neighbour`` and the district lookups to ``ltla_utla``.
"""

from __future__ import annotations

import json
import re
import zipfile

import pandas as pd

from ...errors import DataError, Problem
from ..files import open_workbook, read_text, sheet_rows
from ..schema import FAMILIES, PROVIDER_KEY
from .base import (
    ReadContext,
    ReadResult,
    drop_blank_rows,
    read_csv_text,
    report_unknown,
    require_columns,
    resolve_rows,
)
from .lait import FIRST_AREA_NUMBER

#: Provider lookup columns the register takes (URN, codes, names, region); the rest
#: (D2I's neighbour lists, web domain, district codes, populations) are not loaded.
PROVIDER_STORED = [c for c in FAMILIES["provider_lookup"].required if c != PROVIDER_KEY]
SPECIAL = {"", "NA"}


def read(ctx: ReadContext) -> ReadResult:
    """Read one lookup file; which one is decided by its name (see the module docstring).

    Parameters
    ----------
    ctx : the file, its name in the data folder and the register of authorities.

    Returns
    -------
    ReadResult
        No observations. Statistical neighbours in ``tables['stat_neighbour']``,
        district lookups in ``tables['ltla_utla']``; the register's own sources
        are checked against the register and counted in ``other_values``.
    """
    filename = ctx.name.split("/")[-1]
    years = re.findall(r"(?:19|20)\d\d", ctx.name)
    if filename == "la_code_list.xlsx":
        result = read_la_code_list(ctx)
    elif filename.startswith("Provider_data_lookup"):
        result = read_provider_lookup(ctx)
    elif filename.startswith("New_Statistical_Neighbour"):
        result = read_stat_neighbours(ctx)
    elif filename.startswith("LTLA-UTLA"):
        result = read_ltla_utla(ctx, read_csv_text(ctx))
    elif filename == "records.json" and "qlacref" in ctx.name:
        result = read_ltla_utla(ctx, _json_frame(ctx))
    else:
        raise DataError(f"{ctx.name}: no lookup reader knows this file. Add it to the "
                        "catalogue as 'skip' with a reason, or write a reader for it.")
    result.release = result.release or (years[-1] if years else None)
    return result


def _drop_truncated(ctx: ReadContext, result: ReadResult, frame: pd.DataFrame,
                    columns: list[str]) -> pd.DataFrame:
    """Rows that end before the last of ``columns`` are reported once, over those cells."""
    short = frame[columns].isna().any(axis=1)
    for row in frame.index[short]:
        result.cells_read += len(columns)
        result.problems.append(Problem(
            "truncated-row", ctx.name, int(row), None,
            "the row ends early (is the file cut short?); not stored. Restore the complete "
            "file.", None, len(columns)))
    return frame[~short]


def _count_row_cells(result: ReadResult, cells: pd.DataFrame) -> None:
    """Cells of matched rows: filled ones are stored values, empty or 'NA' ones special."""
    text = cells.fillna("").astype(str).apply(lambda c: c.str.strip())
    special = int(text.isin(SPECIAL).to_numpy().sum())
    result.cells_read += text.size
    result.other_special += special
    result.other_values += text.size - special


def read_la_code_list(ctx: ReadContext) -> ReadResult:
    """LAIT's authority list: each row is matched to the register (which read its names
    and, for London boroughs, its types at build time). Stored: nothing new; the
    Name, Region and Type cells of matched rows count as held by the register, and
    rows whose type differs from the register's are listed in the notes.
    """
    frame = _sheet_frame(ctx)
    require_columns(ctx, list(frame.columns), FAMILIES["la_code_list"])
    frame, blank = drop_blank_rows(frame)
    result = ReadResult(rows_read=len(frame), release=_workbook_year(ctx))
    if blank:
        result.notes.append(f"{blank} blank row(s) skipped")
    number = pd.to_numeric(frame["LA Number"], errors="coerce")
    codes, reasons = resolve_rows(ctx, frame, dfe="LA Number", name="LA Name",
                                  area_level=number >= FIRST_AREA_NUMBER)
    data = ["LA Name", "Region", "Type"]
    unknown = codes.isna()
    report_unknown(result, ctx, frame.index[unknown], reasons[unknown], len(data),
                   frame.loc[unknown, "LA Name"].tolist())
    _count_row_cells(result, frame.loc[~unknown, data])
    _note_type_differences(ctx, frame[~unknown], codes[~unknown], result)
    return result


def _sheet_frame(ctx: ReadContext) -> pd.DataFrame:
    rows = sheet_rows(ctx, open_workbook(ctx), 0)
    if len(rows) < 2:
        raise DataError(f"{ctx.name}: the first sheet has no rows under its header. "
                        "Download it again (csc-outcomes data fetch).")
    header = [str(h).strip() for h in rows[0]]
    body = [[_cell_text(c) for c in r] for r in rows[1:]]
    return pd.DataFrame(body, columns=header, index=pd.RangeIndex(2, len(rows) + 1),
                        dtype=object)


def _workbook_year(ctx: ReadContext) -> str | None:
    """The year the workbook was last saved (its core properties), as its release."""
    try:
        with zipfile.ZipFile(ctx.path) as book:
            core = book.read("docProps/core.xml").decode("utf-8", "replace")
    except (KeyError, OSError, zipfile.BadZipFile):
        return None
    match = re.search(r"<dcterms:modified[^>]*>(\d{4})-", core)
    return match.group(1) if match else None


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _note_type_differences(ctx, frame: pd.DataFrame, codes: pd.Series, result) -> None:
    from ..register import LA_TYPES

    differ = []
    for row, code in codes.items():
        authority = ctx.register.authority(code)
        kind = LA_TYPES.get(frame.at[row, "Type"])
        if authority is not None and kind and authority.la_type != kind:
            differ.append(f"{frame.at[row, 'LA Name']} ({frame.at[row, 'Type']}; register: "
                          f"{authority.la_type})")
    if differ:
        result.notes.append("types that differ from the register's (which follows the "
                            f"latest ONS code): {', '.join(differ)}")


def read_provider_lookup(ctx: ReadContext) -> ReadResult:
    """Data to Insight's Ofsted lookup: each row is matched by its DfE code. Stored: nothing
    new; the register took each authority's URN and names from it. The cells of the
    columns the register holds (URN, ONS code, names, region) count as stored;
    differences from the register (another URN, an ONS code it does not know) are
    noted. D2I's neighbour lists, domains, district codes and populations are not loaded.
    """
    frame = read_csv_text(ctx, family="provider_lookup")
    frame, blank = drop_blank_rows(frame)
    result = ReadResult(rows_read=len(frame))
    if blank:
        result.notes.append(f"{blank} blank line(s) skipped")
    skipped = [c for c in frame.columns if c not in PROVIDER_STORED and c != PROVIDER_KEY]
    result.notes.append(f"columns not loaded: {', '.join(skipped)}")
    frame = _drop_truncated(ctx, result, frame, PROVIDER_STORED)
    codes, reasons = resolve_rows(ctx, frame, dfe=PROVIDER_KEY,
                                  name="local_authority_ons_name")
    unknown = codes.isna()
    report_unknown(result, ctx, frame.index[unknown], reasons[unknown], len(PROVIDER_STORED),
                   frame.loc[unknown, "local_authority_ons_name"].tolist())
    _count_row_cells(result, frame.loc[~unknown, PROVIDER_STORED])
    differ = []
    for row, code in codes[~unknown].items():
        authority = ctx.register.authority(code)
        urn, ons = frame.at[row, "urn"].strip(), frame.at[row, "la_code_new"].strip()
        if authority is not None and urn and authority.urn != urn:
            differ.append(f"row {row}: URN {urn} (register: {authority.urn})")
        if authority is not None and ons and ons not in authority.codes:
            differ.append(f"row {row}: ONS code {ons} not among the register's")
    if differ:
        result.notes.append("differs from the register: " + "; ".join(differ))
    return result


def read_stat_neighbours(ctx: ReadContext) -> ReadResult:
    """DfE statistical neighbours. Stored: one ``stat_neighbour`` row per authority and
    rank (``la_code``, ``neighbour_code``, ``rank`` 1-10, ``closeness`` as published),
    both codes resolved through the register, for current and abolished authorities.
    Each stored neighbour accounts for its two cells (SNk, SNP); a neighbour code the
    register cannot match is an ``unknown-la`` problem over those two cells.
    The region columns (GOInd, GOReg) are not stored: the register has each region.
    """
    frame = read_csv_text(ctx, family="stat_neighbours")
    pairs = _neighbour_columns(ctx, frame)
    frame, blank = drop_blank_rows(frame.drop(columns=_empty_unnamed(frame)))
    result = ReadResult()
    if blank:
        result.notes.append(f"{blank} blank line(s) skipped")
    cells = frame[[c for p in pairs for c in p]].fillna("")
    heading = (frame["LA num"].fillna("").str.strip() == "") & (
        cells.apply(lambda c: c.str.strip() == "").all(axis=1))
    for row in frame.index[heading]:
        result.notes.append(f"line {row}: heading {frame.at[row, 'LA Name'].strip()!r} "
                            "(no data) skipped")
    frame = frame[~heading]
    result.rows_read = len(frame)
    frame = _drop_truncated(ctx, result, frame, [c for p in pairs for c in p])
    codes, reasons = resolve_rows(ctx, frame, dfe="LA num", name="LA Name")
    unknown = codes.isna()
    report_unknown(result, ctx, frame.index[unknown], reasons[unknown], 2 * len(pairs),
                   frame.loc[unknown, "LA Name"].tolist())
    rows = []
    for rank, (sn, snp) in enumerate(pairs, start=1):
        rows += _neighbours(ctx, result, frame[~unknown], codes[~unknown], rank, sn, snp)
    result.tables["stat_neighbour"] = rows
    result.notes.append("region columns GOInd, GOReg not stored (the register holds regions)")
    return result


def _neighbour_columns(ctx: ReadContext, frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(SNk, its SNP) in order; pandas names repeated 'SNP' headers SNP, SNP.1, ..."""
    columns = list(frame.columns)
    pairs = []
    for k in range(1, 100):
        if f"SN{k}" not in columns:
            break
        after = columns[columns.index(f"SN{k}") + 1: columns.index(f"SN{k}") + 2]
        if not after or not after[0].startswith("SNP"):
            raise DataError(f"{ctx.name}: row 1: column 'SN{k}' is not followed by its "
                            "closeness column 'SNP'. Restore the published header.")
        pairs.append((f"SN{k}", after[0]))
    if not pairs:
        raise DataError(f"{ctx.name}: row 1: no neighbour columns SN1, SN2, ... (the header "
                        f"has {', '.join(columns[:8])} ...). Restore the published file.")
    return pairs


def _empty_unnamed(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.startswith("Unnamed: ")
            and (frame[c].fillna("").str.strip() == "").all()]


def _neighbours(ctx, result, frame, codes, rank, sn, snp) -> list[dict]:
    found, reasons = resolve_rows(ctx, frame, dfe=sn)
    rows = []
    for row, code, neighbour, reason, given, closeness in zip(
            frame.index, codes, found, reasons, frame[sn].to_numpy(dtype=object),
            frame[snp].to_numpy(dtype=object)):
        result.cells_read += 2
        if neighbour is None:
            result.problems.append(Problem(
                "unknown-la", ctx.name, int(row), sn,
                f"neighbour {rank}: {reason}; not stored. If this is a new or renamed "
                "authority, add it to reference/geography.yaml.", given, 2))
            continue
        result.other_values += 2
        rows.append({"la_code": code, "neighbour_code": neighbour, "rank": rank,
                     "closeness": closeness.strip() or None})
    return rows


def _json_frame(ctx: ReadContext) -> pd.DataFrame:
    text = read_text(ctx)
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{ctx.name}: line {exc.lineno}: not valid JSON ({exc.msg}). Restore "
                        "the original file (csc-outcomes data fetch).") from exc
    if not isinstance(records, list) or not records:
        raise DataError(f"{ctx.name}: expected a list of records. Restore the original file.")
    frame = pd.DataFrame(records).fillna("").astype(str)
    frame.index = pd.RangeIndex(1, len(frame) + 1)  # record number in the file
    return frame


def read_ltla_utla(ctx: ReadContext, frame: pd.DataFrame) -> ReadResult:
    """An ONS district (LTLA) to upper-tier (UTLA) lookup. Stored: one ``ltla_utla`` row per
    district (``year`` from the header's ``LTLAyyCD``, codes and English names as given,
    Welsh districts included); each row accounts for its four cells. These are ONS
    district codes, not register authorities, so they are not resolved.
    """
    year, names = _lookup_columns(ctx, frame)
    ltla_cd, _, utla_cd, _ = names
    result = ReadResult(release=str(year))
    frame, blank = drop_blank_rows(frame)
    if blank:
        result.notes.append(f"{blank} blank line(s) skipped")
    result.rows_read = len(frame)
    frame = _drop_truncated(ctx, result, frame, names)
    text = frame[names].apply(lambda c: c.str.strip())
    missing = (text[ltla_cd] == "") | (text[utla_cd] == "")
    for row in frame.index[missing]:
        result.cells_read += 4
        result.problems.append(Problem(
            "unknown-la", ctx.name, int(row), ltla_cd if text.at[row, ltla_cd] == "" else utla_cd,
            "a district or upper-tier code is missing; the row was not stored.", None, 4))
    kept = text[~missing]
    _count_row_cells(result, kept)
    result.tables["ltla_utla"] = [
        {"year": year, "ltla_code": r[0], "ltla_name": r[1] or None, "utla_code": r[2],
         "utla_name": r[3] or None} for r in kept.itertuples(index=False)]
    other = [c for c in frame.columns if c not in names]
    result.notes.append(f"ONS district codes stored as given (England and Wales, "
                        f"{int(kept[ltla_cd].str[0].eq('W').sum())} Welsh rows), not resolved "
                        f"to register authorities; columns not stored: {', '.join(other)}")
    return result


def _lookup_columns(ctx: ReadContext, frame: pd.DataFrame) -> tuple[int, list[str]]:
    for column in frame.columns:
        if match := re.fullmatch(r"LTLA(\d\d)CD", column.strip(), flags=re.IGNORECASE):
            yy = match.group(1)
            names = [f"LTLA{yy}CD", f"LTLA{yy}NM", f"UTLA{yy}CD", f"UTLA{yy}NM"]
            require_columns(ctx, frame, names)
            return 2000 + int(yy), names
    raise DataError(f"{ctx.name}: row 1: no column LTLAyyCD (such as 'LTLA23CD'); the header "
                    f"has {', '.join(list(frame.columns)[:8])}. Restore the published file.")
