"""Is it improving? The four analyses run on a store: the functions the commands call.

Each opens the store once, fetches tidy frames, runs the plain functions of
:mod:`.trends`, :mod:`.transitions`, :mod:`.judgement_change`, :mod:`.completeness` and
:mod:`.spending`, and returns a :class:`Report`: named tables plus sentences that say in
plain words what the numbers show and what was left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import resolve_store_path
from ..data.store import Store, opened
from ..errors import AnalysisError
from ..indicators import load_registry, values
from . import completeness as comp
from . import judgement_change as jc
from . import transitions as tx
from . import trends as tr


@dataclass
class Report:
    """Named tidy tables, the plain-words notes that go with them, and the choices made."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    choices: dict = field(default_factory=dict)


def _register(store: Store) -> pd.DataFrame:
    return store.table("la")


def _names(register: pd.DataFrame) -> dict[str, str]:
    return register.set_index("la_code")["name"].to_dict()


def _coverage(store_path: Path, registry, years=None) -> pd.DataFrame:
    v = values(years=years, set_name="completeness", store=store_path, registry=registry)
    return comp.coverage(v)


def _apply_min_completeness(v: pd.DataFrame, store_path: Path, registry,
                            min_completeness: float | None, report: Report) -> pd.DataFrame:
    if min_completeness is None:
        return v
    kept, out = comp.eligible(v, _coverage(store_path, registry), min_completeness)
    report.tables["left_out"] = out
    report.notes.append(
        f"--min-completeness {min_completeness:g}: left out {len(out)} authority-years "
        f"({out['la_code'].nunique() if len(out) else 0} authorities) whose coverage of the "
        "eligible children was below it on a measure that governs the indicator.")
    return kept


def trends_report(store: str | Path | None = None, *, ids: list[str] | None = None,
                  set_name: str | None = None, years: list[int] | None = None,
                  authorities: list[str] | None = None, from_year: int = 2015,
                  to_year: int | None = None, top: int = 10, alpha: float = 0.05,
                  min_completeness: float | None = None, registry=None) -> Report:
    """Trajectories, trends and changes beyond noise (``analyse trends``).

    Returns a Report with tables ``trajectories`` (authorities), ``areas`` (England and
    regions), ``trends``, ``changes``, ``most_changed``, ``summary`` (per indicator:
    authorities improved, declined, no clear change, the span used) and ``dispersion``.
    """
    registry = registry or load_registry()
    path = resolve_store_path(store)
    report = Report(choices={"from_year": from_year, "to_year": to_year, "alpha": alpha,
                             "adjust": "fdr_bh", "min_completeness": min_completeness})
    v = values(ids, years, set_name=set_name, store=path, registry=registry, areas=True,
               variants=())  # DfE's own definitions: a replication variant would cut the series
    if v.empty:
        raise AnalysisError("no indicator values for those indicators and years")
    v = _apply_min_completeness(v, path, registry, min_completeness, report)
    with opened(path) as st:
        levels = st.area_levels().set_index("la_code")["level"]
        names = _names(_register(st))
    inds = {i.id: i for i in registry.resolve(list(v["indicator"].unique()))}
    traj = tr.trajectories(v, {k: i.unit for k, i in inds.items()})
    traj.insert(1, "level", traj["la_code"].map(levels))
    trend = tr.trends(traj)
    disp = tr.pooled_dispersion(trend[trend["la_code"].map(levels).eq("la")])
    la_traj = traj[traj["level"].eq("la")]
    changes = tr.change(la_traj, {k: i.polarity for k, i in inds.items()}, from_year=from_year,
                        to_year=to_year, alpha=alpha, dispersion=disp)
    changes.insert(1, "la_name", changes["la_code"].map(names))
    report.tables.update(
        trajectories=_only(la_traj, authorities), areas=traj[traj["level"].isin(
            ["national", "region"])].assign(area_name=lambda d: d["la_code"].map(names)),
        trends=_only(trend, authorities), changes=_only(changes, authorities),
        most_changed=tr.most_changed(changes, top=top).assign(
            la_name=lambda d: d["la_code"].map(names)),
        summary=_change_summary(changes, from_year),
        dispersion=pd.DataFrame(sorted(disp.items()), columns=["indicator", "dispersion"]))
    report.notes += _trend_notes(report.tables["summary"], from_year, alpha)
    return report


def _only(frame: pd.DataFrame, authorities: list[str] | None) -> pd.DataFrame:
    return frame[frame["la_code"].isin(authorities)] if authorities else frame


def _change_summary(changes: pd.DataFrame, from_year: int) -> pd.DataFrame:
    c = changes[changes["value_from"].notna() & changes["value_to"].notna()]
    tested = c[c["p_value"].notna()]
    g = changes.groupby("indicator")
    out = pd.DataFrame({
        "to_year": g["to_year"].max(),
        "earliest_from_year": c.groupby("indicator")["from_year"].min(),
        "authorities_compared": c.groupby("indicator").size(),
        "tested": tested.groupby("indicator").size()}).reindex(g.size().index)
    counts = changes.groupby(["indicator", "direction"]).size().unstack(fill_value=0)
    out = out.join(counts)
    for col in ("improved", "declined", "up", "down", "no clear change"):
        if col not in out:
            out[col] = 0
    cnt = ["authorities_compared", "tested", "improved", "declined", "up", "down",
           "no clear change"]
    out[cnt] = out[cnt].fillna(0)
    out["span_note"] = ["no comparable earlier year" if pd.isna(y) else
                        f"from {from_year}" if y == from_year else
                        f"definition changed after {from_year}"
                        for y in out["earliest_from_year"]]
    out["earliest_from_year"] = out["earliest_from_year"].astype("Int64")
    ints = ["authorities_compared", "tested", "improved", "declined", "up", "down",
            "no clear change", "to_year"]
    out[ints] = out[ints].astype(int)
    return out.reset_index()


def _trend_notes(summary: pd.DataFrame, from_year: int, alpha: float) -> list[str]:
    notes = [f"A change counts as beyond noise when a two-sample z test of the two years' "
             f"values, with sampling variance from each year's counts scaled by the "
             f"indicator's pooled overdispersion, gives a Benjamini-Hochberg adjusted p below "
             f"{alpha:g} across authorities. Series are cut where the definition changed."]
    for r in summary.itertuples():
        if r.authorities_compared == 0:
            notes.append(f"{r.indicator}: no authority has two years of the definition in "
                         f"force in {r.to_year} since {from_year}, so no change can be "
                         "measured.")
            continue
        start = int(r.earliest_from_year)
        words = (f"{r.improved} improved and {r.declined} declined" if r.up + r.down == 0
                 else f"{r.up} went up and {r.down} went down (direction contested)")
        notes.append(f"{r.indicator}: of {r.authorities_compared} authorities compared "
                     f"between {start} and {r.to_year}, {words} beyond noise ({r.tested} "
                     f"could be tested){'' if start == from_year else '; the definition changed after ' + str(from_year)}.")
    return notes


def transitions_report(store: str | Path | None = None, *, judgement: str = "overall",
                       authorities: list[str] | None = None, ids: list[str] | None = None,
                       set_name: str | None = None, follow_reorganisations: bool = True,
                       min_completeness: float | None = None, registry=None) -> Report:
    """Inspection transitions (``analyse transitions``), and, for the indicators asked
    for, whether they moved with the judgements.

    Returns a Report with tables ``matrix`` (successive judgements: SIF→SIF, SIF→ILACS,
    ILACS→ILACS), ``first_to_latest`` (first SIF to latest ILACS), ``early`` (2009-2013
    frameworks to the comparable SIF judgement), ``intervals`` (months between
    inspections), ``authorities`` (one row each: improver, stuck, fell), ``pairs``, and with
    indicators ``indicator_changes`` and ``indicators_vs_judgements``.
    """
    report = Report(choices={"judgement": judgement,
                             "follow_reorganisations": follow_reorganisations})
    path = resolve_store_path(store)
    with opened(path) as st:
        inspections, register = st.table("inspection"), _register(st)
    names = _names(register)
    judgements = tx.JUDGEMENTS if judgement == "all" else (judgement,)
    hist = pd.concat([tx.histories(inspections, register, judgement=j,
                                   follow_reorganisations=follow_reorganisations)
                      for j in judgements], ignore_index=True)
    pairs = pd.concat([tx.transitions(h) for _, h in hist.groupby("judgement")],
                      ignore_index=True)
    latest = pd.concat([tx.first_to_latest(h) for _, h in hist.groupby("judgement")],
                       ignore_index=True)
    people = pd.concat([tx.authority_summary(h) for _, h in hist.groupby("judgement")],
                       ignore_index=True)
    people.insert(1, "la_name", people["la_code"].map(names))
    report.tables.update(matrix=tx.matrix(pairs), first_to_latest=tx.matrix(latest),
                         early=tx.matrix(tx.early_pairs(inspections)),
                         intervals=tx.intervals(pairs), authorities=_only(people, authorities),
                         pairs=_only(pairs, authorities))
    report.notes += _transition_notes(people, latest)
    if ids or set_name:
        _judgement_indicators(report, pairs[pairs["judgement"] == "overall"], path, ids,
                              set_name, min_completeness, registry or load_registry())
    return report


def _transition_notes(people: pd.DataFrame, latest: pd.DataFrame) -> list[str]:
    o = people[people["judgement"] == "overall"]
    lat = latest[latest["judgement"] == "overall"]
    if o.empty:
        return ["No overall judgements in the chosen frameworks."]
    return [f"{len(lat)} authorities have both a first SIF and an ILACS judgement: "
            f"{int((lat['rise'] > 0).sum())} now hold a better grade, "
            f"{int((lat['rise'] == 0).sum())} the same and {int((lat['rise'] < 0).sum())} "
            "a worse one.",
            f"Improvers (latest grade two or more better than the worst before it): "
            f"{int(o['improver'].sum())}. Stuck (Requires improvement or Inadequate at every "
            f"one of two or more inspections): {int(o['stuck'].sum())}. Fell (latest grade "
            f"worse than the first): {int(o['fell'].sum())}; of {len(o)} authorities.",
            "An authority created with one predecessor carries on its predecessor's history; "
            "Bournemouth, Christchurch and Poole (three predecessors) starts afresh."]


def _judgement_indicators(report: Report, pairs: pd.DataFrame, path: Path, ids, set_name,
                          min_completeness, registry) -> None:
    v = values(ids, set_name=set_name, store=path, registry=registry, variants=())
    v = _apply_min_completeness(v, path, registry, min_completeness, report)
    inds = {i.id: i for i in registry.resolve(list(v["indicator"].unique()))}
    traj = tr.trajectories(v, {k: i.unit for k, i in inds.items()})
    changes = jc.paired_changes(pairs, traj, {k: i.polarity for k, i in inds.items()})
    result = jc.compare(changes)
    report.tables.update(indicator_changes=changes, indicators_vs_judgements=result)
    clear = result[(result["comparison"] == "rose - held") & (result["p_value"] < 0.05)]
    report.notes.append(
        "Indicators against judgements (within each authority, change over the span between "
        "two inspections, signed so that positive is better): where the rating rose, the "
        f"change differed from authorities whose rating held at the 5% level for "
        f"{len(clear)} of {result['indicator'].nunique()} indicators"
        + (f" ({', '.join(clear['indicator'])})." if len(clear) else ".")
        + " Pairs from one authority are not independent; read the intervals as approximate.")
