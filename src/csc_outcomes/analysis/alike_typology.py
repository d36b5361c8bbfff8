"""A typology of authorities from the store (what ``csc-outcomes typology`` calls):
features from :mod:`.typology`, clusters and their checks from :mod:`.clusters`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.metrics import adjusted_rand_score

from ..config import resolve_store_path
from ..data.store import Store
from ..errors import AnalysisError
from ..indicators import load_registry, values
from ..workers import cores, fork_pool
from . import clusters as cl
from . import typology as ty
from .findings import Findings
from .transitions import authority_summary, histories
from .trends import trajectories

VERDICT_WORDS = {
    "real": "stable, stronger than chance and well separated: the types are real groups in "
            "these data",
    "weak": ("stable and stronger than chance, but weakly separated (silhouette below 0.25, "
             "where Kaufman and Rousseeuw find no substantial structure): broad groups that "
             "shade into each other, not distinct kinds of authority"),
    "continuum": ("stable, but no more distinct than types cut from one cloud of authorities "
                  "with no groups in it: they slice a continuum, and are a convenience rather "
                  "than a finding"),
    "unstable": ("unstable: resampling the authorities gives different types, so the types "
                 "are an artefact of this sample; do not use them to classify authorities"),
    "stable": "stable (the check against chance was not run)",
}


def typology_features(store: Path, ids, from_year: int, to_year: int | None, registry):
    """The long feature table and the authorities to type (those existing at the end of
    the span); inspections count up to 31 March of ``to_year``."""
    vals = values(list(ids), store=store, registry=registry, variants=())
    if to_year is None:
        to_year = int(vals.loc[vals["status"] == "value", "period"].max())
    vals = vals[vals["period"].between(from_year, to_year)]
    if (vals["status"] == "value").sum() == 0:
        raise AnalysisError(f"no values for {', '.join(ids)} in {from_year}-{to_year}")
    units = {i.id: i.unit for i in registry.resolve(list(ids))}
    traj = trajectories(vals, units)
    with Store(store, read_only=True) as st:
        authorities = st.authorities(to_year)
        inspections, register = st.table("inspection"), st.table("la")
    published = pd.to_datetime(inspections["published"])
    inspections = inspections[published <= pd.Timestamp(to_year, 3, 31)]
    summary = authority_summary(histories(inspections, register))
    feats = pd.concat([ty.indicator_features(traj, from_year, to_year),
                       ty.inspection_features(summary)], ignore_index=True)
    return feats, authorities, to_year


def typology_report(store: str | Path | None = None, *, ids=None, from_year: int = 2018,
                    to_year: int | None = None, methods=("kmeans", "gmm"),
                    k: int | None = None, k_max: int = 8, draws: int = 100,
                    null_draws: int = 50, seed: int = 2016, min_coverage: float = 0.9,
                    block_weights: dict | None = None, stable_ari: float = 0.75,
                    min_size: int = 5, registry=None) -> Findings:
    """Types of authorities by indicator profile, trajectory and inspection history, and
    whether they are real.

    Parameters
    ----------
    ids : indicators profiled (default :data:`.typology.DEFAULT_INDICATORS`).
    from_year, to_year : the span of reporting years (default to: the latest with data).
    methods : clustering methods; the first one's types are described and listed.
    k : number of types (default: chosen per method, silhouette or BIC, 2..k_max).
    draws, null_draws, seed, stable_ari, min_size : see :func:`.clusters.typology`.
    min_coverage, block_weights : see :func:`.typology.feature_matrix`.

    Returns
    -------
    Findings ``typology`` with tables ``summary`` (per method, :data:`.clusters.
    SUMMARY_COLUMNS` plus ari_with_first: agreement with the first method's types),
    ``criteria`` (:func:`.clusters.criteria` per method), ``types`` (la_code, la_name,
    region, authority_type, method, type, agreement), ``profile`` (:func:`.typology.
    describe` for the first method), ``features`` (the features kept), ``left_out``
    and ``stability`` (per method and bootstrap draw: ari, ari_previous).
    """
    registry = registry or load_registry()
    path = resolve_store_path(store)
    ids = list(ids or ty.DEFAULT_INDICATORS)
    if not methods or any(m not in cl.METHODS for m in methods):
        raise ValueError(f"methods must be among {cl.METHODS}, not {methods}")
    feats, auth, to_year = typology_features(path, ids, from_year, to_year, registry)
    X, z, info, left = ty.feature_matrix(feats, auth.index, min_coverage=min_coverage,
                                         block_weights=block_weights)
    if len(X) < 10 or X.shape[1] < 2:
        raise AnalysisError(f"only {len(X)} authorities with {X.shape[1]} complete features: "
                            "too few to look for types (see the left_out table).")
    ks = range(2, k_max + 1)
    options = {"k": k, "ks": ks, "draws": draws, "null_draws": null_draws, "seed": seed,
               "stable_ari": stable_ari, "min_size": min_size}
    tasks = [(X, m, options) for m in methods]
    with fork_pool(min(len(methods), cores())) as pool:  # each method seeded on its own
        found = pool.map(_typology, tasks) if pool else [_typology(t) for t in tasks]
    results = dict(zip(methods, found))
    first = results[methods[0]]
    summary = pd.concat([r["summary"] for r in results.values()], ignore_index=True)
    summary["ari_with_first"] = [adjusted_rand_score(first["labels"], r["labels"])
                                 for r in results.values()]
    polarity = {i.id: i.polarity for i in registry.resolve(ids)}
    titles = {f: _title(f, registry) for f in info["feature"]}
    profile, sentences = ty.describe(z, first["labels"], ty.better_end(info, polarity),
                                     titles=titles)
    findings = Findings("typology", [], {
        "summary": summary,
        "criteria": pd.concat([r["criteria"] for r in results.values()], ignore_index=True),
        "types": _types(results, auth),
        "profile": profile, "features": info.assign(title=info["feature"].map(titles)),
        "left_out": left,
        "stability": pd.concat([r["runs"].assign(method=m) for m, r in results.items()],
                               ignore_index=True)},
        parameters={"indicators": ids, "from_year": from_year, "to_year": to_year,
                    "methods": list(methods), "k": k, "k_max": k_max, "draws": draws,
                    "null_draws": null_draws, "seed": seed, "min_coverage": min_coverage,
                    "block_weights": block_weights or {b: 1.0 for b in ty.BLOCKS},
                    "stable_ari": stable_ari, "min_size": min_size})
    findings.verdict = _verdict(summary, sentences, methods)
    findings.notes += _small_types(results, k, k_max, min_size)
    findings.notes += _notes(left.assign(name=left["name"].map(
        lambda c: f"{auth['name'].get(c, c)} ({c})" if c in auth.index else c)), X, from_year,
        to_year)
    return findings


def _small_types(results, k, k_max, min_size) -> list[str]:
    return [f"{m}: every k from 2 to {k_max} has a type of fewer than {min_size} "
            "authorities; k was chosen among them all." for m, r in results.items()
            if k is None and not r["criteria"].loc[r["criteria"]["chosen"], "eligible"].iloc[0]]


def _title(feature: str, registry) -> str:
    base = feature.removesuffix(" trend")
    if base in registry.indicators:
        title = registry.get(base).title
        return title + (" (trend)" if feature.endswith(" trend") else "")
    return feature


def _types(results: dict, auth: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for m, r in results.items():
        t = pd.DataFrame({"la_code": r["labels"].index, "method": m,
                          "type": r["labels"].to_numpy(),
                          "agreement": r["agreement"].to_numpy()})
        parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    out.insert(1, "la_name", out["la_code"].map(auth["name"]))
    out.insert(2, "region", out["la_code"].map(auth["region_name"]))
    out.insert(3, "authority_type", out["la_code"].map(auth["la_type"]))
    return out


def _verdict(summary: pd.DataFrame, sentences: list[str], methods) -> list[str]:
    lines = []
    for r in summary.itertuples():
        how = ("chosen by the silhouette" if r.method == "kmeans" else "chosen by the BIC")
        lines.append(
            f"{'k-means' if r.method == 'kmeans' else 'Gaussian mixture'}: {r.k} types "
            f"({how}) of {r.n_authorities} authorities on {r.n_features} features. Over "
            f"{r.draws} bootstrap resamples the median adjusted Rand index with the "
            f"full-data types is {r.ari_median:.2f} (5-95%: {r.ari_low:.2f} to "
            f"{r.ari_high:.2f}); silhouette {r.silhouette:.2f}" + (
                f"; against {r.null_draws} data sets with no types, p = {r.null_p:.3f}"
                if r.null_draws else "") + f". Verdict: {VERDICT_WORDS[r.verdict]}.")
    if len(summary) > 1:
        lines.append(f"The two methods' types agree with an adjusted Rand index of "
                     f"{summary['ari_with_first'].iloc[1]:.2f}.")
    first = summary.iloc[0]
    lead = ("The types, by what sets them apart" if first["verdict"] in ("real", "weak") else
            "What the types would be (read with the verdict above)")
    lines.append(f"{lead} ({methods[0]}; SD from the average authority):")
    return lines + sentences


def _notes(left: pd.DataFrame, X: pd.DataFrame, from_year: int, to_year: int) -> list[str]:
    notes = [f"Span {from_year}-{to_year}: profile = mean of each indicator's years, "
             "trajectory = its trend per year (same definition only), inspection = latest "
             "and worst overall grade and grades risen, from inspections published by 31 "
             f"March {to_year}. Features are z-scored; each block carries equal weight."]
    feats = left[left["what"] == "feature"]
    las = left[left["what"] == "authority"]
    if len(feats):
        notes.append(f"{len(feats)} features dropped for coverage below the threshold: "
                     + "; ".join(feats["name"]) + ".")
    if len(las):
        notes.append(f"{len(las)} authorities left out because a feature is missing (never "
                     f"filled in): {', '.join(las['name'])}. Typed: {len(X)}.")
    return notes


def _typology(task):
    """One method's typology (a worker's task: X, method, options)."""
    X, method, options = task
    return cl.typology(X, method, **options)
