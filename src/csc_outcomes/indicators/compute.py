"""Compute indicator values from the store's measures, carrying status through.

A value is computed only when every measure it needs is a published number; any
suppressed, missing or otherwise special input makes the result special too, with
the most informative status (suppression first). A zero denominator gives
``not_applicable``. Nothing is imputed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..config import resolve_store_path
from ..data.store import Store
from .model import Indicator, Version
from .registry import Registry, load_registry

COLUMNS = ["la_code", "period", "indicator", "value", "numerator", "denominator", "status"]

#: When inputs disagree, the result takes the first of these that any input has.
STATUS_ORDER = ["suppressed", "not_available", "missing", "not_applicable", "low_reliability",
                "rounds_to_zero", "nil"]


def values(ids: list[str] | None = None, years: list[int] | None = None, *,
           set_name: str | None = None, store: str | Path | None = None,
           registry: Registry | None = None, areas: bool = False) -> pd.DataFrame:
    """Indicator values for authorities and years.

    Parameters
    ----------
    ids : indicator ids (default: all, or those of ``set_name``).
    years : reporting years (default: every year each indicator's versions cover).
    set_name : a named indicator set, e.g. ``"study-2016"``.
    store : the store file (default: ``CSC_OUTCOMES_STORE`` or the user data folder).
    registry : definitions to use (default: the built-ins).
    areas : also return England and the regions.

    Returns
    -------
    DataFrame with columns la_code, period (the reporting year), indicator, value,
    numerator, denominator, status. One row per authority that existed on 31 March of
    the year (or that has data for it), per indicator and year the definitions cover.
    ``value`` is NaN unless status is ``value``; ``numerator`` and ``denominator`` are
    the counts behind a rate where the definition has them (for weighting), else NaN.
    """
    registry = registry or load_registry()
    indicators = registry.resolve(ids, set_name)
    plan = [(ind, y, ind.version_for(y)) for ind in indicators
            for y in (years or ind.years()) if ind.version_for(y)]
    if not plan:
        return pd.DataFrame(columns=COLUMNS)
    needed = {(t.measure, t.data_year(y)) for _, y, v in plan for t in v.terms()}
    with Store(resolve_store_path(store), read_only=True) as st:
        obs = fetch_observations(st, needed)
        levels = st.area_levels()
        alive = {y: set(st.authorities(y).index) for y in {y for _, y, _ in plan}}
    frames = [_compute(ind, year, version, obs, _universe_of(alive[year], levels, obs, version,
                                                            areas))
              for ind, year, version in plan]
    out = pd.concat(frames, ignore_index=True)[COLUMNS]
    out.attrs["versions"] = {f"{ind.id}:{y}": v.version for ind, y, v in plan}
    return out


def fetch_observations(store: Store, needed: set[tuple[str, int]]) -> pd.DataFrame:
    """One row per (authority, measure, year): the newest release, then the latest period label."""
    obs = store.observations(list({m for m, _ in needed}), list({y for _, y in needed}))
    obs = obs.sort_values(["release", "period"], ascending=False, na_position="last")
    return obs.drop_duplicates(["la_code", "year", "measure"]).set_index(
        ["la_code", "year", "measure"])[["value", "status"]]


def _universe_of(alive: set[str], levels: pd.DataFrame, obs: pd.DataFrame, version: Version,
                 areas: bool) -> list[str]:
    """Authorities alive on 31 March, plus any authority or joint service with data for the
    version's measures (and England and the regions if ``areas``)."""
    measures = {t.measure for t in version.terms()}
    have = set(obs.index.get_level_values(0)[obs.index.get_level_values(2).isin(measures)])
    codes = set(alive) | (set(levels[levels.level.isin(["la", "joint"])].la_code) & have)
    if areas:
        codes |= set(levels[levels.level.isin(["national", "region"])].la_code)
    return sorted(codes)


def _lookup(obs: pd.DataFrame, codes: list[str], year: int, term) -> tuple[np.ndarray, np.ndarray]:
    key = pd.MultiIndex.from_arrays([codes, [term.data_year(year)] * len(codes),
                                     [term.measure] * len(codes)])
    got = obs.reindex(key)
    status = got["status"].fillna("missing").to_numpy(dtype=object)
    return got["value"].to_numpy(dtype=float), status


def _combine(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Sum terms; the status is 'value' only where every term is a value."""
    total = np.sum([p[0] for p in parts], axis=0)
    statuses = np.array([p[1] for p in parts], dtype=object)
    status = np.full(statuses.shape[1], "value", dtype=object)
    for s in reversed(STATUS_ORDER):
        status[(statuses == s).any(axis=0)] = s
    total = np.where(status == "value", total, np.nan)
    return total, status


def _compute(ind: Indicator, year: int, version: Version, obs: pd.DataFrame,
             codes: list[str]) -> pd.DataFrame:
    n = len(codes)
    num = den = (np.full(n, np.nan), np.full(n, "value", dtype=object))
    if version.numerator:
        num = _combine([_lookup(obs, codes, year, t) for t in version.numerator])
        den = _combine([_lookup(obs, codes, year, t) for t in version.denominator])
    if version.measure:
        value, status = _lookup(obs, codes, year, version.measure)
        value = np.where(status == "value", value, np.nan)
    else:
        value, status = _combine([num, den])
        zero = (status == "value") & (den[0] == 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(status == "value", num[0] / den[0] * version.scale, np.nan)
        value[zero] = np.nan
        status[zero] = "not_applicable"
    return pd.DataFrame({"la_code": codes, "period": year, "indicator": ind.id,
                         "value": value, "numerator": num[0], "denominator": den[0],
                         "status": status})
