"""Compute indicator values from the store's measures, carrying status through.

A value is computed only when every measure it needs is a published number; any
suppressed, missing or otherwise special input makes the result special too, with
the most informative status (suppression first). A zero denominator gives
``not_applicable``. Nothing is imputed, unless ``suppressed="zero"`` asks for a
suppressed part of a ratio to count as zero (as a spreadsheet summing the published
cells would).
"""


from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..data.store import Store, opened
from ..errors import DefinitionError, InputError
from .model import Indicator
from .registry import Registry, load_registry

COLUMNS = ["la_code", "period", "indicator", "value", "numerator", "denominator", "status"]

#: When inputs disagree, the result takes the first of these that any input has.
STATUS_ORDER = ["suppressed", "not_available", "missing", "not_applicable", "low_reliability",
                "rounds_to_zero", "nil"]
SUPPRESSED_RULES = ("missing", "zero")


def values(ids: list[str] | None = None, years: list[int] | None = None, *,
           set_name: str | None = None, store: str | Path | None = None,
           registry: Registry | None = None, areas: bool = False,
           variants: tuple[str, ...] | list[str] | None = None,
           suppressed: str = "missing", all_authorities: bool = False) -> pd.DataFrame:
    """Indicator values for authorities and years.

    Parameters
    ----------
    ids : indicator ids (default: all, or those of ``set_name``).
    years : reporting years (default: every year a version of each indicator covers and
        the store holds data for).
    set_name : a named indicator set, e.g. ``"study-2016"``.
    store : the store file (default: ``CSC_OUTCOMES_STORE`` or the user data folder).
    registry : definitions to use (default: the built-ins).
    areas : also return England and the regions.
    variants : version variants to compute with, in order of preference (e.g.
        ``["la-tables", "headcount"]``); an indicator without one uses its default
        version. Default: the set's ``variants`` if ``set_name`` is given, else none.
    suppressed : what a suppressed numerator or denominator part does: ``"missing"``
        makes the value suppressed (the default); ``"zero"`` counts the part as 0. A
        published value (a version's ``measure``) that is suppressed stays suppressed.
    all_authorities : also list authorities that did not exist on 31 March of the year
        but have data for it (figures DfE recast on later boundaries), and joint services
        whose members did not all exist. By default a year lists the authorities that
        existed on 31 March of it (the register knows), plus the joint services of those
        authorities that report as one (Kingston and Richmond's Achieving for Children).

    Returns
    -------
    DataFrame with columns la_code, period (the reporting year), indicator, value,
    numerator, denominator, status. One row per authority that existed on 31 March of
    the year (see ``all_authorities``), per indicator and year the definitions cover.
    ``value`` is NaN unless status is ``value``; ``numerator`` and ``denominator`` are
    the counts behind a rate where the definition has them (for weighting), else NaN.
    """
    registry = registry or load_registry()
    if suppressed not in SUPPRESSED_RULES:
        raise ValueError(f"suppressed must be one of {SUPPRESSED_RULES}, not {suppressed!r}")
    if variants is None:
        variants = registry.sets[set_name].variants if set_name in registry.sets else ()
    indicators = registry.resolve(ids, set_name)
    with opened(store) as st:
        check_measures(st, [i for i in indicators if not registry.is_builtin(i.id)], registry)
        measures = sorted({t.measure for ind in indicators for v in ind.versions
                           for t in v.terms()})
        by_measure, last = st.measure_years(measures), st.year_span()[1] - 1
        held = {ind.id: _years_with_data(by_measure, last, ind) for ind in indicators}
        if years:
            _check_years(years, held)
        plan = [(ind, y, ind.version_for(y, variants)) for ind in indicators
                for y in (years or held[ind.id]) if ind.version_for(y, variants)]
        if not plan:
            return pd.DataFrame(columns=COLUMNS)
        needed = {(t.measure, t.data_year(y)) for _, y, v in plan for t in v.terms()}
        obs = fetch_observations(st, needed)
        levels = st.area_levels()
        alive = {y: set(st.authorities(y).index) for y in {y for _, y, _ in plan}}
    out = _compute(plan, obs, levels, alive, areas, suppressed, all_authorities)
    out.attrs["versions"] = SharedAttr({f"{ind.id}:{y}": v.version for ind, y, v in plan})
    return out


class SharedAttr(dict):
    """A dict kept in ``DataFrame.attrs`` that every frame derived from the first shares.

    pandas deep-copies ``attrs`` into the result of every operation; with the versions
    of every indicator and year that was a fifth of an analysis's time. These dicts are
    written once, when the values are computed, and only read after: treat them as
    read-only."""

    def __deepcopy__(self, memo):
        return self


def _check_years(years, held: dict[str, list[int]]) -> None:
    """Every year asked for must have data for at least one of the indicators."""
    have = sorted({y for ys in held.values() for y in ys})
    missing = [y for y in years if y not in have]
    if not missing:
        return
    span = f"{have[0]}-{have[-1]}" if have else "none"
    raise InputError(f"no data for {', '.join(map(str, missing))} for "
                     f"{'these indicators' if len(held) > 1 else next(iter(held), 'it')}: the "
                     f"store holds years {span} for them ({_ranges(have)}). Choose a year in "
                     "that range, or load the release that covers it.")


def _ranges(years: list[int]) -> str:
    """[2010, 2011, 2012, 2015] -> '2010-2012, 2015'."""
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][1] + 1:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs) or "none"


def check_measures(store: Store, indicators: list[Indicator], registry: Registry) -> None:
    """Every measure a definition names must be in the store: a typo would otherwise give
    every authority ``missing`` without a word. All problems are listed at once, each with
    the nearest measure ids the store holds."""
    from difflib import get_close_matches

    wanted = {(i.id, t.measure) for i in indicators for v in i.versions for t in v.terms()}
    if not wanted:
        return
    known = set(store.measure_ids())
    problems = []
    for ind_id, measure in sorted(wanted):
        if measure in known:
            continue
        near = get_close_matches(measure, known, n=3, cutoff=0.6)
        where = registry.origin.get(ind_id, ind_id)
        problems.append(f"{Path(where).name}: measure {measure!r} is not in the store"
                        + (f"; nearest: {', '.join(near)}" if near else
                           " (no measure is like it; is its release loaded?)"))
    if problems:
        raise DefinitionError(f"{len(problems)} unknown measure(s) in the definitions:\n  "
                              + "\n  ".join(problems))


def _years_with_data(held: dict[str, list[int]], last: int, ind: Indicator) -> list[int]:
    """The years a version of ``ind`` covers in which the store holds any of its measures
    (``held``: measure -> years with observations; a term read from one fixed data year
    serves every year its version covers, up to ``last``, the last year the store
    holds)."""
    years = set()
    for v in ind.versions:
        for t in v.terms():
            if t.year is not None:
                if t.year in held.get(t.measure, ()):
                    years |= set(range(v.first_year, (v.last_year or last) + 1))
                continue
            years |= {y - t.year_offset for y in held.get(t.measure, ())
                      if v.covers(y - t.year_offset)}
    return sorted(years)


def fetch_observations(store: Store, needed: set[tuple[str, int]]) -> pd.DataFrame:
    """One row per (authority, year, measure, pick): the newest release's observation
    (``pick`` ``latest``) and the first release's (``first``), each with the latest
    period label; columns la_code, year, measure, pick, value, status."""
    obs = store.observation_releases(list({m for m, _ in needed}),
                                     list({y for _, y in needed}))
    key = ["la_code", "year", "measure"]
    order = ["release", "period", "source_file"]
    latest = obs.sort_values(order, ascending=[False, False, True], na_position="last")
    first = obs.sort_values(order, ascending=[True, False, True], na_position="last")
    both = pd.concat([latest.drop_duplicates(key).assign(pick="latest"),
                      first.drop_duplicates(key).assign(pick="first")], ignore_index=True)
    return both[[*key, "pick", "value", "status"]]


def _universes(plan, obs: pd.DataFrame, levels: pd.DataFrame, alive: dict,
               areas: bool, all_authorities: bool) -> pd.DataFrame:
    """(step, la_code) for each step of the plan: the authorities alive on 31 March (and,
    with ``all_authorities``, any authority or joint service with data for the version's
    measures in the year), and England and the regions if ``areas``."""
    local = set(levels.la_code[levels.level.isin(["la", "joint"])])
    wide = set(levels.la_code[levels.level.isin(["national", "region"])]) if areas else set()
    have = _codes_by(obs, ["measure", "year"])
    steps, codes = [], []
    for step, (_, year, version) in enumerate(plan):
        with_data = set().union(*(have.get((t.measure, t.data_year(year)), set())
                                  for t in version.terms()))
        these = sorted(alive[year] | ((local & with_data) if all_authorities else set()) | wide)
        steps += [step] * len(these)
        codes += these
    return pd.DataFrame({"step": np.array(steps, dtype="int64"),
                         "la_code": pd.array(codes, dtype="str")})


def _terms(plan) -> pd.DataFrame:
    """(step, role, measure, lookup year, release pick) for each term of each step."""
    rows = []
    for step, (_, year, version) in enumerate(plan):
        for role, terms in (("measure", [version.measure] if version.measure else []),
                            ("numerator", version.numerator or []),
                            ("denominator", version.denominator or [])):
            rows += [(step, role, t.measure, t.data_year(year), t.release) for t in terms]
    return pd.DataFrame(rows, columns=["step", "role", "measure", "year", "pick"])


def _combined(universe: pd.DataFrame, terms: pd.DataFrame, obs: pd.DataFrame,
              suppressed: str) -> pd.DataFrame:
    """Per (step, la_code, role): the sum of the terms' values and the combined status
    (``value`` only where every term is a value; else the first of STATUS_ORDER found).
    With ``suppressed="zero"`` a suppressed numerator or denominator part counts as 0."""
    long = universe.merge(terms, on="step").merge(
        obs, on=["la_code", "year", "measure", "pick"], how="left")
    long["status"] = long["status"].fillna("missing")
    if suppressed == "zero":
        part = (long.status == "suppressed") & (long.role != "measure")
        long.loc[part, "value"] = 0.0
        long.loc[part, "status"] = "value"
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    long["rank"] = long["status"].map(rank).fillna(len(STATUS_ORDER)).astype(int)
    grouped = long.groupby(["step", "la_code", "role"], sort=False)
    out = grouped.agg(total=("value", "sum"), rank=("rank", "min")).reset_index()
    order = np.array([*STATUS_ORDER, "value"], dtype=object)
    out["status"] = order[out["rank"].to_numpy()]
    out.loc[out.status != "value", "total"] = np.nan
    return out


def _compute(plan, obs, levels, alive, areas: bool, suppressed: str,
             all_authorities: bool) -> pd.DataFrame:
    universe = _universes(plan, obs, levels, alive, areas, all_authorities)
    left_out = _left_out(plan, obs, levels, alive) if not all_authorities else {}
    parts = _combined(universe, _terms(plan), obs, suppressed)
    wide = parts.pivot(index=["step", "la_code"], columns="role", values=["total", "status"])
    frame = universe.set_index(["step", "la_code"])
    for role in ("measure", "numerator", "denominator"):
        frame[f"{role}_value"] = wide[("total", role)].astype(float) \
            if ("total", role) in wide else np.nan
        frame[f"{role}_status"] = wide[("status", role)].fillna("value") \
            if ("status", role) in wide else "value"
    frame = frame.reset_index()
    n_value = (frame.numerator_status == "value") & (frame.denominator_status == "value")
    by_counts = pd.Series(np.nan, index=frame.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.array([plan[s][2].scale for s in frame.step])
        by_counts = frame.numerator_value / frame.denominator_value * scale
    has_measure = np.array([plan[s][2].measure is not None for s in frame.step])
    both = pd.concat([frame.numerator_status, frame.denominator_status], axis=1)
    count_status = _first_status(both)
    zero = (count_status == "value") & (frame.denominator_value == 0) & ~has_measure
    status = np.where(has_measure, frame.measure_status.fillna("missing"), count_status)
    status = np.where(zero, "not_applicable", status).astype(object)
    value = np.where(has_measure, frame.measure_value, by_counts)
    value = np.where((status == "value") & n_value | has_measure & (status == "value"),
                     value, np.nan)
    out = pd.DataFrame({
        "la_code": frame.la_code, "period": [plan[s][1] for s in frame.step],
        "indicator": [plan[s][0].id for s in frame.step], "value": value.astype(float),
        "numerator": frame.numerator_value.astype(float),
        "denominator": frame.denominator_value.astype(float), "status": status})
    out.attrs["left_out"] = SharedAttr(left_out)
    return out


def _codes_by(obs: pd.DataFrame, keys: list[str]) -> dict:
    """{key: set of la_code} over the distinct rows of ``obs`` (one pass in Python over
    the distinct rows: a groupby with ``agg(set)`` runs a Python function per group, and
    there are some 12,000 groups). A one-column key is the bare value, as groupby gives."""
    u = obs[[*keys, "la_code"]].drop_duplicates()
    cols = [u[k].tolist() for k in keys]
    out: dict = {}
    for key, code in zip(cols[0] if len(keys) == 1 else zip(*cols), u["la_code"].tolist()):
        out.setdefault(key, set()).add(code)
    return out


def _left_out(plan, obs: pd.DataFrame, levels: pd.DataFrame, alive: dict) -> dict:
    """{year: codes} of authorities and joint services with data for a year they did not
    exist in (or, for joint services, that are not authorities): what ``all_authorities``
    would add."""
    local = set(levels.la_code[levels.level.isin(["la", "joint"])])
    have = _codes_by(obs, ["year"])
    out = {}
    for year in sorted({y for _, y, _ in plan}):
        extra = sorted((have.get(year, set()) & local) - alive[year])
        if extra:
            out[year] = extra
    return out


def _first_status(statuses: pd.DataFrame) -> np.ndarray:
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    order = np.array([*STATUS_ORDER, "value"], dtype=object)
    ranks = statuses.apply(lambda c: c.map(rank).fillna(len(STATUS_ORDER))).min(axis=1)
    return order[ranks.astype(int).to_numpy()]
