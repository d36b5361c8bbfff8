"""Choosing authorities for a study of improvement, from the store (what
``csc-outcomes sample`` calls): matched improvers and stuck authorities, or a stratified
sample by type and region. The pure steps are in :mod:`.sampling`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..config import resolve_store_path
from ..data.store import Store
from ..errors import AnalysisError
from ..indicators import load_registry
from . import neighbours as nb
from . import sampling as sm
from .alike import check_variables, context_for, default_year, numeric_variables
from .alike_typology import typology_report
from .findings import Findings
from .transitions import authority_summary, histories

DESIGNS = ("matched", "stratified")
STRATA = ("type", "region", "authority_type")
HISTORY = ["n_inspections", "first_grade", "first_published", "latest_grade",
           "latest_published", "worst_grade", "net_rise", "improver", "stuck"]


def groups(store: Path, year: int) -> pd.DataFrame:
    """Each authority that existed on 31 March of ``year`` with its Ofsted path
    (:func:`.transitions.authority_summary`, overall judgement, reorganisations
    followed) and group: ``improver``, ``stuck`` or ``other``."""
    with Store(store, read_only=True) as st:
        inspections, register = st.table("inspection"), st.table("la")
        alive = st.authorities(year)
    s = authority_summary(histories(inspections, register)).set_index("la_code")
    s = s.reindex(alive.index)
    s["group"] = np.select([s["improver"].eq(True), s["stuck"].eq(True)],
                           ["improver", "stuck"], "other")
    return s


def sample_report(store: str | Path | None = None, *, n: int = 10, design: str = "matched",
                  caliper: float = 0.5, strata=("type", "region"), seed: int = 2016,
                  order: str = "random", year: int | None = None, weights: dict | None = None,
                  transforms: dict | None = None, min_shared: float = 0.5,
                  typology_options: dict | None = None, registry=None) -> Findings:
    """Authorities for a study, with why each was chosen and the balance achieved.

    Parameters
    ----------
    n : pairs (``matched``) or authorities (``stratified``).
    design : ``matched``: improvers (latest overall grade two or more better than the
        worst before it) each matched to the nearest stuck authority (Requires
        improvement or Inadequate at every one of two or more inspections) on context,
        within ``caliper``; ``stratified``: a random sample proportional to the strata.
    caliper : largest context distance within a pair (units of ``neighbours``: a
        weighted root mean square difference in SDs).
    strata : columns among ``type`` (from the typology), ``region``, ``authority_type``.
    seed : random seed (the matching order, or the draw within strata).
    order : ``random`` (improvers taken in a seeded random order) or ``closest`` (the
        best-matched pairs first); see :func:`.sampling.matched_pairs`.
    year : reporting year of the context and of the authorities (default as for
        ``neighbours``).
    weights, transforms, min_shared : context variables, as for ``neighbours``.
    typology_options : keyword options for :func:`.alike_typology.typology_report` when
        stratifying by type.

    Returns
    -------
    Findings ``sample`` with tables ``sample`` (la_code, la_name, role, pair or stratum,
    matched_with, matched_with_name, distance, reason, the Ofsted history and the
    context values), ``balance`` (:func:`.sampling.balance`: before and after, or the
    sample against every authority) and, for ``matched``, ``unmatched``.
    """
    if design not in DESIGNS:
        raise ValueError(f"design must be one of {DESIGNS}, not {design!r}")
    registry = registry or load_registry()
    path = resolve_store_path(store)
    weights = dict(nb.DEFAULT_WEIGHTS if weights is None else weights)
    transforms = dict(nb.DEFAULT_TRANSFORMS if transforms is None else transforms)
    year = int(year) if year is not None else default_year(
        path, numeric_variables(weights, registry), registry)
    ctx = context_for(path, year, weights, registry)
    check_variables(ctx, weights, year)
    hist = groups(path, year)
    params = {"design": design, "n": n, "seed": seed, "year": year, "weights": weights,
              "transforms": transforms}
    if design == "matched":
        params.update(caliper=caliper, order=order)
        return _matched(ctx, hist, n, caliper, seed, weights, transforms, min_shared, params)
    params["strata"] = list(strata)
    return _stratified(path, ctx, hist, n, list(strata), seed, transforms, params,
                       typology_options or {}, registry)


def _scaled(ctx: pd.DataFrame, transforms: dict) -> pd.DataFrame:
    """Context on the scale it is matched on (log where the transform says so)."""
    out = ctx.copy()
    for v, t in transforms.items():
        if t == "log" and v in out:
            out[v] = np.log(out[v].where(out[v] > 0))
    return out


def _matched(ctx, hist, n, caliper, seed, weights, transforms, min_shared, params):
    dist = nb.distance_matrix(ctx, weights, transforms, min_shared)
    treated = sorted(hist.index[hist["group"] == "improver"])
    control = sorted(hist.index[hist["group"] == "stuck"])
    if not treated or not control:
        raise AnalysisError(f"{len(treated)} improvers and {len(control)} stuck authorities "
                            f"existed in {params['year']}: nothing to match.")
    pairs, unmatched = sm.matched_pairs(treated, control, dist, n=n, caliper=caliper,
                                        seed=seed, order=params["order"])
    names = ctx.attrs["names"]
    used = [v for v, w in weights.items() if w > 0]
    scaled = _scaled(ctx[used], transforms)
    bal = pd.concat([sm.balance(scaled, treated, control, "all"),
                     sm.balance(scaled, list(pairs["treated_code"]),
                                list(pairs["control_code"]), "matched")], ignore_index=True)
    rows = []
    for p in pairs.itertuples():
        for role, code, other in (("improver", p.treated_code, p.control_code),
                                  ("stuck", p.control_code, p.treated_code)):
            rows.append({"la_code": code, "role": role, "pair": p.pair, "matched_with": other,
                         "distance": p.distance,
                         "reason": _reason(role, hist.loc[code], names.get(other, other),
                                           p, caliper, seed, params["order"])})
    sample = _with_data(pd.DataFrame(rows), hist, ctx, names)
    sample["matched_with_name"] = sample["matched_with"].map(names)
    unmatched.insert(1, "la_name", unmatched["treated_code"].map(names))
    f = Findings("sample", [], {"sample": sample, "balance": bal, "unmatched": unmatched},
                 parameters=params)
    f.verdict = _matched_verdict(pairs, treated, control, bal, n, caliper, params["year"])
    f.verdict.insert(1, "Improvers taken in a seeded random order (each had the same chance)."
                     if params["order"] == "random" else
                     "Improvers taken closest match first (the best-matched pairs).")
    f.notes.append("Improvers and stuck authorities come from each authority's overall "
                   "Ofsted judgements (SIF and ILACS; a successor with one predecessor "
                   "carries its history). Balance is the standardised mean difference of "
                   "each context variable (log child population; each category level as a "
                   "share): |SMD| < 0.1 is good balance, < 0.25 acceptable.")
    return f


def _reason(role, h, other_name, p, caliper, seed, order) -> str:
    path = (f"{h['first_grade']} ({_date(h['first_published'])}) to {h['latest_grade']} "
            f"({_date(h['latest_published'])}), worst {h['worst_grade']}, "
            f"{int(h['n_inspections'])} inspections")
    if role == "improver":
        how = (f"drawn {p.draw} in the seeded random order (seed {seed})" if order == "random"
               else f"taken {p.draw} in order of closeness to a stuck authority")
        return (f"improver: {path}; {how}; its nearest stuck authority not yet taken is "
                f"{other_name}, distance {p.distance:.2f} <= caliper {caliper:g}")
    return (f"stuck: {path}; the nearest stuck authority not yet taken to improver "
            f"{other_name} (distance {p.distance:.2f} <= caliper {caliper:g})")


def _date(value) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%b %Y")


def _with_data(sample: pd.DataFrame, hist: pd.DataFrame, ctx: pd.DataFrame, names) -> pd.DataFrame:
    out = sample.join(hist[HISTORY], on="la_code").join(ctx, on="la_code")
    out.insert(1, "la_name", out["la_code"].map(names))
    return out


def _matched_verdict(pairs, treated, control, bal, n, caliper, year) -> list[str]:
    lines = [f"{len(pairs)} pairs of an improver and a stuck authority matched on context in "
             f"{year} (caliper {caliper:g}), from {len(treated)} improvers and {len(control)} "
             "stuck authorities."]
    if len(pairs) < n:
        lines.append(f"Only {len(pairs)} of the {n} pairs asked for could be formed within "
                     "the caliper: widen it (--caliper) or accept fewer pairs.")
    if len(pairs):
        worst = bal.assign(a=bal["smd"].abs()).groupby("stage")["a"].max()
        lines.append(f"Largest absolute standardised mean difference of a context variable: "
                     f"{worst.get('all', np.nan):.2f} among all improvers and stuck, "
                     f"{worst.get('matched', np.nan):.2f} in the matched sample.")
        m = bal[(bal["stage"] == "matched") & (bal["smd"].abs() >= 0.25)]
        if len(m):
            lines.append("Not balanced (|SMD| >= 0.25) after matching: " + ", ".join(
                v if pd.isna(lv) else f"{v} {lv}" for v, lv in zip(m["variable"], m["level"]))
                + ". Read the comparison with these in mind, or add weight to them.")
    return lines


def _stratified(path, ctx, hist, n, strata, seed, transforms, params, typology_options,
                registry):
    bad = [s for s in strata if s not in STRATA]
    if bad or not strata:
        raise ValueError(f"strata must be among {STRATA}, not {strata}")
    frame = ctx[["region", "authority_type"]].copy()
    notes, warning = [], []
    if "type" in strata:
        frame["type"], line = _types(path, frame.index, params, typology_options, registry)
        warning = [] if params["typology"]["verdict"] == "real" else [line]
        notes.append(line)
    drawn = sm.stratified(frame, strata, n, seed=seed)
    unplaced = frame.index[frame[strata].isna().any(axis=1)]
    names = ctx.attrs["names"]
    if len(unplaced):
        notes.append(f"{len(unplaced)} authorities have no {'/'.join(strata)} and could not "
                     "be drawn: " + ", ".join(f"{names.get(c, c)} ({c})" for c in unplaced)
                     + ".")
    drawn["role"] = "drawn"
    drawn["reason"] = [f"drawn {d} of {a} at random (seed {seed}) from stratum {s} "
                       f"({z} authorities)" for d, a, s, z in
                       zip(drawn["draw"], drawn["allocated"], drawn["stratum"],
                           drawn["stratum_size"])]
    sample = _with_data(drawn, hist, ctx.drop(columns=[c for c in frame if c in ctx]), names)
    sample = sample.join(frame, on="la_code")
    used = [v for v in ctx.columns]
    bal = sm.balance(_scaled(ctx[used], transforms), list(drawn["la_code"]), list(ctx.index),
                     "sample vs all")
    f = Findings("sample", [], {"sample": sample, "balance": bal}, notes=notes,
                 parameters=params)
    worst = bal["smd"].abs().max()
    f.verdict = [f"{len(drawn)} authorities drawn from {drawn['stratum'].nunique()} of "
                 f"{frame.dropna(subset=strata).groupby(strata).ngroups} strata "
                 f"({' x '.join(strata)}), in proportion to their size (largest remainder).",
                 f"Largest absolute standardised mean difference between the sample and all "
                 f"{len(ctx)} authorities: {worst:.2f}.", *warning]
    return f


def _types(path, index, params, typology_options, registry):
    """Each authority's type (``type 1`` ...) from the typology's first method, and a
    sentence with its verdict."""
    typ = typology_report(path, registry=registry, **typology_options)
    first = typ.tables["summary"].iloc[0]
    t = typ.tables["types"]
    t = t[t["method"] == first["method"]].set_index("la_code")
    types = t["type"].reindex(index).map(lambda x: None if pd.isna(x) else f"type {int(x)}")
    params["typology"] = {"method": first["method"], "k": int(first["k"]),
                          "verdict": first["verdict"], **typ.parameters}
    line = (f"Types from the typology ({first['method']}, k = {first['k']}): verdict "
            f"{first['verdict']!r}." + ("" if first["verdict"] == "real" else
                                        " Strata by type are then only a convenience, not "
                                        "kinds of authority."))
    return types, line
