"""explore-education-statistics (EES) open data CSVs: tidy, one row per area, period and breakdown.

Children in need (``dfe_cin_ees``), looked-after children (``dfe_cla_ees/<window>``),
the social work workforce (``dfe_csww/csww_*``) and ONS child population as compiled
by DfE (``context/ons_mid-year_population_estimates_*``) share this layout:
geography columns, ``time_period``, zero or more *filter* columns (``age``,
``activity``, ``cla_group`` ...) and one or more *indicator* columns holding
numbers or EES symbols. A column is an indicator when almost all its cells parse
as numbers or symbols; otherwise it is a filter.

Releases rename things (``CLA_group``/``cla_group``, ``number``/``children_count``,
``Aged 19 to 21``/``19 to 21 years``). The maps below bring them to one spelling so
that a measure keeps one id across releases; the release year is kept with each
observation and ``observation_latest`` prefers the newest.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..cells import parse_uniques
from ..schema import EES_ID_COLUMNS
from .base import (
    ReadContext,
    ReadResult,
    emit_block,
    read_csv_text,
    report_unknown,
    resolve_rows,
    slug,
)

ID_COLUMNS = list(EES_ID_COLUMNS)
LEVELS = {"National": "national", "Regional": "region", "Local authority": "la"}

#: (folder, file-name pattern) -> (dataset, table); the first match wins.
TABLES = [
    ("dfe_cin_ees", r"^(?P<t>[a-z]\d_.+?)_\d{4}_to_\d{4}\.csv$", "cin"),
    ("dfe_csww", r"^(?P<t>csww_.+?)_\d{4}_to_\d{4}\.csv$", "csww"),
    ("context", r"^(?P<t>ons_mid-year_population_estimates)_\d{4}_to_\d{4}\.csv$", "ons-pop"),
    ("dfe_cla_ees", r"^(?P<t>.+)\.csv$", "cla"),
]
TABLE_RENAMES = {"la_children_who_ceased_during_the_year": "la_children_who_ceased_during_year"}
#: Renames for every table, then per table for the 2025 layout (which has ``breakdown``).
COLUMN_RENAMES = {
    "*": {"CLA_group": "cla_group", "care_leaver_age": "age", "children_count": "number",
          "care_leaver_count": "number", "children_percent": "percentage",
          "care_leaver_percent": "percentage", "population_count": "population_type"},
    "la_care_leavers_activity": {"breakdown": "activity"},
    "la_care_leavers_accommodation_suitability": {"breakdown": "accommodation_suitability"},
    "la_conviction_health_outcome_cla": {"characteristic": "cla_group",
                                         "breakdown": "characteristic"},
}
VALUE_SYNONYMS = {
    "aged 17 to 18": "17 to 18 years",
    "aged 19 to 21": "19 to 21 years",
    "accommodation considered not suitable": "accommodation considered unsuitable",
    "suitability total": "total",
    "children looked after at 31 march each year": "children looked after on 31 march each year",
}
#: Filters that hold one descriptive value for the whole table (CIN's ``category``).
DESCRIPTIVE_FILTERS = {"category"}


def table_of(ctx: ReadContext) -> tuple[str, str]:
    folder, _, filename = ctx.name.partition("/")
    for want, pattern, dataset in TABLES:
        if folder == want and (m := re.match(pattern, filename.split("/")[-1])):
            table = m.group("t")
            return dataset, TABLE_RENAMES.get(table, table)
    raise ValueError(f"{ctx.name} is not an EES file this reader knows")


def release_of(ctx: ReadContext) -> str:
    years = re.findall(r"(?:19|20)\d\d", ctx.name)
    return years[-1] if years else ""


def period_of(text: str) -> tuple[str, int | None]:
    """'2015' -> ('2015', 2015); academic or financial '201819' -> ('2018/19', 2019)."""
    text = str(text).strip()
    if re.fullmatch(r"\d{4}", text):
        return text, int(text)
    if re.fullmatch(r"\d{6}", text):
        return f"{text[:4]}/{text[4:]}", int(text[:4]) + 1
    return text, None


def read(ctx: ReadContext) -> ReadResult:
    dataset, table = table_of(ctx)
    result = ReadResult(release=release_of(ctx))
    frame = read_csv_text(ctx, family="ees")
    renames = dict(COLUMN_RENAMES["*"])
    if "breakdown" in frame.columns:
        renames.update(COLUMN_RENAMES.get(table, {}))
    frame = frame.rename(columns={c: renames.get(c, c) for c in frame.columns})
    result.rows_read = len(frame)
    indicators, filters = _split_columns(frame)
    if not indicators:
        raise_no_indicators(ctx, frame)
    level = frame["geographic_level"].map(LEVELS)
    if level.isna().any():
        result.notes.append(
            "rows at levels other than national, regional and local authority kept with the "
            f"matching area: {sorted(frame.loc[level.isna(), 'geographic_level'].unique())}")
    codes = _resolve(ctx, frame, level, len(indicators), result)
    index, texts = pd.factorize(frame["time_period"].to_numpy(dtype=object))
    parsed = [period_of(t) for t in texts]
    periods = np.array([p for p, _ in parsed], dtype=object)[index]
    years = np.array([y for _, y in parsed], dtype=object)[index]
    id_filters = [f for f in filters if f not in DESCRIPTIVE_FILTERS]
    stems = _stems(frame, dataset, table, id_filters)
    _describe(result, frame, stems, indicators, dataset, table, id_filters, filters)
    emit_block(result, ctx, cells=frame[indicators].to_numpy(dtype=object),
               rows=frame.index.to_numpy(), la_codes=codes.to_numpy(dtype=object),
               measures=(stems, indicators), periods=periods, years=years,
               convention="ees", columns=indicators)
    return result


def _resolve(ctx: ReadContext, frame: pd.DataFrame, level: pd.Series, width: int,
             result: ReadResult) -> pd.Series:
    """Each row's authority (England and regions by their own code and name)."""
    area = level.isin(["national", "region"])
    ons = np.where(level == "national", frame.get("country_code", "E92000001"),
                   np.where(level == "region", frame.get("region_code", ""),
                            frame.get("new_la_code", "")))
    name = np.where(level == "national", frame.get("country_name", ""),
                    np.where(level == "region", frame.get("region_name", ""),
                             frame.get("la_name", "")))
    keys = pd.DataFrame({"ons": ons, "name": name, "dfe": frame.get("old_la_code", ""),
                         "year": frame["time_period"].str[:4], "area": area},
                        index=frame.index, dtype=object)
    keys.loc[area, "dfe"] = ""
    codes, reasons = resolve_rows(ctx, keys, ons="ons", dfe="dfe", name="name", year="year",
                                  area_level="area")
    unknown = codes.isna()
    report_unknown(result, ctx, frame.index[unknown], reasons[unknown], width,
                   keys.loc[unknown, "name"].tolist())
    return codes


def _stems(frame: pd.DataFrame, dataset: str, table: str, id_filters: list[str]) -> np.ndarray:
    """Each row's measure stem: ``dataset:table[filter=value,...]:`` (one per distinct
    combination of filter values, built once)."""
    if not id_filters:
        return np.full(len(frame), f"{dataset}:{table}:", dtype=object)
    ordered = sorted(id_filters)
    combos = frame[ordered].astype(object).fillna("")
    group = combos.groupby(ordered, sort=False, dropna=False).ngroup().to_numpy()
    first = combos.loc[~pd.Series(group).duplicated().to_numpy()]
    labels = np.empty(group.max() + 1, dtype=object)
    for g, values in zip(group[~pd.Series(group).duplicated().to_numpy()],
                         first.itertuples(index=False)):
        inside = ",".join(f"{f}={slug(_normal_value(v))}" for f, v in zip(ordered, values))
        labels[g] = f"{dataset}:{table}[{inside}]:"
    return labels[group]


def raise_no_indicators(ctx: ReadContext, frame: pd.DataFrame):
    from ...errors import DataError

    raise DataError(f"{ctx.name}: no column holds numbers (columns: "
                    f"{', '.join(frame.columns)}). Restore the published file.")


def _normal_value(text: str) -> str:
    key = " ".join(str(text).lower().split())
    return VALUE_SYNONYMS.get(key, key)


def _split_columns(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    indicators, filters = [], []
    for column in frame.columns:
        if column in ID_COLUMNS:
            continue
        index, uniques = pd.factorize(frame[column].head(5000).fillna("").to_numpy(dtype=object))
        bad = parse_uniques(uniques, "ees").bad[index]
        (indicators if bad.mean() < 0.1 else filters).append(column)
    return indicators, filters


def _describe(result, frame, stems, indicators, dataset, table, id_filters, filters) -> None:
    first = ~pd.Series(stems).duplicated().to_numpy()
    for pos in np.flatnonzero(first):
        idx = frame.index[pos]
        dims = {f: frame.at[idx, f] for f in filters}
        label = table.replace("_", " ")
        if dims:
            label += " — " + ", ".join(str(v) for v in dims.values())
        identifier = frame.at[idx, "time_identifier"] if "time_identifier" in frame else "?"
        for column in indicators:
            result.add_measure(stems[pos] + column, f"{label}: {column}", _unit(column),
                               dataset, dims, notes=f"EES {dataset} table {table}; "
                                                    f"time_identifier {identifier}")


def _unit(column: str) -> str:
    c = column.lower()
    if "per_10000" in c or "per_10k" in c:
        return "rate per 10,000 children"
    if "percent" in c or "rate" in c or "%" in c:
        return "percent"
    if "average" in c or "caseload" in c:
        return "average"
    if "fte" in c:
        return "FTE"
    return "count"
