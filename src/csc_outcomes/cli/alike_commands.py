"""`csc-outcomes neighbours | typology | sample`: which authorities are alike, and which
to study.

Thin commands: parse and check the options, call one function of
:mod:`csc_outcomes.analysis.alike`, :mod:`~csc_outcomes.analysis.alike_typology` or
:mod:`~csc_outcomes.analysis.alike_sample`, print its verdict first and its tables second
(or strict JSON, or CSV files).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .. import ATTRIBUTION
from . import _registry, cli, console, frame_table, json_option, store_option

if TYPE_CHECKING:
    import pandas as pd

#: column -> header shown in the terminal tables
HEADERS = {
    "la_name": "authority", "neighbour_name": "neighbour", "our_rank": "our rank",
    "closeness": "DfE closeness", "in_other": "in the other list",
    "largest_difference": "differs most on", "n_published": "DfE's", "n_ours": "ours",
    "gap_published_only": "gap: DfE's only", "gap_ours_only": "gap: ours only",
    "gap_shared": "gap: both", "mean_overlap": "mean overlap",
    "mean_overlap_without": "mean overlap without it", "criterion": "chosen by",
    "criterion_value": "criterion value",
    "n_authorities": "authorities", "n_features": "features", "ari_median": "ARI median",
    "ari_low": "ARI 5%", "ari_high": "ARI 95%", "null_p95": "no-structure 95%",
    "null_p": "p (no structure)", "matched_with_name": "matched with",
    "first_grade": "first grade", "latest_grade": "latest grade", "worst_grade": "worst grade",
    "n_treated": "n improvers", "n_control": "n stuck", "mean_treated": "mean improvers",
    "mean_control": "mean stuck", "smd": "SMD", "authority_type": "authority type",
}


def _pairs(ctx, param, value) -> dict:
    """VAR=NUMBER options into a dict."""
    out = {}
    for item in value:
        name, sep, number = item.partition("=")
        try:
            out[name.strip()] = float(number)
        except ValueError:
            raise click.BadParameter(f"{item!r} is not like NAME=NUMBER (e.g. region=0.5)",
                                     ctx=ctx, param=param) from None
        if not sep or not name.strip() or out[name.strip()] < 0:
            raise click.BadParameter(f"{item!r} is not like NAME=NUMBER with a number of 0 "
                                     "or more (e.g. region=0.5)", ctx=ctx, param=param)
    return out


def _transforms(ctx, param, value) -> dict:
    out = {}
    for item in value:
        name, sep, how = item.partition("=")
        if not sep or how not in ("log", "none"):
            raise click.BadParameter(f"{item!r} is not like NAME=log or NAME=none", ctx=ctx,
                                     param=param)
        out[name.strip()] = how
    return out


def output_options(f):
    """--csv DIR, --json, --store."""
    f = click.option("--csv", "csv_dir", type=click.Path(file_okay=False),
                     help="Also write every table as a CSV file in this folder.")(f)
    return store_option(json_option(f))


def context_options(f):
    """--year, --weight, --transform (the context variables of the distances)."""
    f = click.option("--transform", "transforms", multiple=True, callback=_transforms,
                     metavar="VAR=log|none",
                     help="Transform a numeric variable before standardising "
                          "[default: child-population=log]; repeatable.")(f)
    f = click.option("--weight", "weights", multiple=True, callback=_pairs, metavar="VAR=W",
                     help="Weight of a context variable (0 leaves it out; an indicator id "
                          "of kind context adds it); repeatable. Defaults: child-population, "
                          "imd-average-score, pupils-fsm-primary, pupils-eal-primary, "
                          "authority_type 1; region 0.5.")(f)
    return click.option("--year", type=click.IntRange(1990, 2100), default=None,
                        help="Reporting year of the context [default: the latest with every "
                             "variable for 90% of authorities].")(f)


def _context_choice(weights: dict, transforms: dict, registry) -> tuple[dict, dict]:
    from ..analysis.alike import numeric_variables
    from ..analysis.neighbours import DEFAULT_TRANSFORMS, DEFAULT_WEIGHTS

    chosen = {**DEFAULT_WEIGHTS, **weights}
    if not any(w > 0 for w in chosen.values()):
        raise click.BadParameter("every variable has weight 0", param_hint="--weight")
    try:
        numeric_variables(chosen, registry)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--weight") from None
    unknown = [v for v in transforms if v not in chosen]
    if unknown:
        raise click.BadParameter(f"{unknown} not among the variables {list(chosen)}",
                                 param_hint="--transform")
    return chosen, {**DEFAULT_TRANSFORMS, **transforms}


def _emit(findings, as_json: bool, csv_dir: str | None, show) -> None:
    written = _write_csv(findings, csv_dir) if csv_dir else []
    if as_json:
        click.echo(json.dumps(findings.to_dict(), indent=2, allow_nan=False))
    else:
        for line in findings.verdict:
            console.print(line, highlight=False, markup=False)
        console.print()
        show(findings)
        for note in findings.notes:
            console.print(f"Note: {note}", markup=False, highlight=False)
    if written:
        click.echo("Wrote " + ", ".join(written) + ".", err=as_json)
    if not as_json:
        console.print(ATTRIBUTION, highlight=False)


def _write_csv(findings, csv_dir: str) -> list[str]:
    folder = Path(csv_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in findings.tables.items():
        path = folder / f"{findings.analysis}_{name}.csv"
        table.to_csv(path, index=False)
        written.append(str(path))
    return written


def _table(frame: pd.DataFrame, title: str, digits: int = 2) -> None:
    import pandas as pd

    shown = frame.copy()
    for c in shown.columns:
        if pd.api.types.is_float_dtype(shown[c]):
            whole = shown[c].dropna()
            shown[c] = (shown[c].astype("Int64") if len(whole) and (whole % 1 == 0).all()
                        and whole.abs().max() >= 1000 else shown[c].round(digits))
    shown.columns = [HEADERS.get(c, c.replace("_", " ")) for c in shown.columns]
    console.print(frame_table(shown, title=title))


@cli.command("neighbours")
@click.argument("la", required=False)
@click.option("--k", type=click.IntRange(1, 50), default=10, show_default=True,
              help="Neighbours per authority.")
@click.option("--min-shared", type=click.FloatRange(0, 1, min_open=True), default=0.5,
              show_default=True, help="Share of the total weight two authorities must both "
                                      "have values for to get a distance.")
@context_options
@click.option("--indicators", "indicator_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Folder of extra indicator definitions (YAML); repeatable.")
@output_options
def neighbours_cmd(la, k, min_shared, year, weights, transforms, indicator_dirs, csv_dir,
                   store, as_json):
    """Statistical neighbours: each authority's nearest authorities on context (child
    population, deprivation, free school meals, English as an additional language,
    authority type, region), standardised and weighted; the distance to each; and how far
    they agree with DfE's published groupings (overlap per authority, and which variables
    drive the differences). LA is an ONS code, DfE number or name; without it, every
    authority.

    Example: csc-outcomes neighbours Camden --weight region=1
    """
    from ..analysis.alike import authority_code, neighbours_report

    registry = _registry(indicator_dirs)
    weights, transforms = _context_choice(weights, transforms, registry)
    code = None
    if la is not None:
        try:
            code = authority_code(la, store)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="LA") from None
    findings = neighbours_report(store, code, year=year, k=k, weights=weights,
                                 transforms=transforms, min_shared=min_shared,
                                 registry=registry)
    _emit(findings, as_json, csv_dir, lambda f: _show_neighbours(f, code))


def _show_neighbours(f, code) -> None:
    if code is not None:
        cols = ["source", "rank", "neighbour_name", "distance", "our_rank", "closeness",
                "in_other", "largest_difference"]
        _table(f.tables["neighbours"][cols], "Neighbours: csc-outcomes' and DfE's "
               "(distance: weighted RMS difference in SDs)")
        ctx = f.tables["context"]
        _table(ctx[["la_name", *[c for c in ctx if c not in ("la_code", "la_name", "year")]]],
               f"The context behind them ({f.parameters['year']})", 3)
        return
    ov = f.tables.get("overlap")
    if ov is not None and len(ov):
        counts = ov["overlap"].value_counts().sort_index().rename_axis("overlap").reset_index(
            name="authorities")
        _table(counts, f"Overlap with DfE's {f.parameters['k']} ({f.parameters['compare_year']})")
        _table(f.tables["drivers"], "Which variables drive the differences")
    console.print("One authority's lists: csc-outcomes neighbours LA; every list: --json "
                  "or --csv.")


@cli.command("typology")
@click.option("--indicator", "ids", multiple=True, metavar="ID",
              help="Indicator to profile (repeatable) [default: nine outcome and workforce "
                   "indicators with near-complete coverage].")
@click.option("--from-year", type=click.IntRange(1990, 2100), default=2018,
              show_default=True, help="First reporting year of the span.")
@click.option("--to-year", type=click.IntRange(1990, 2100), default=None,
              help="Last reporting year [default: the latest with data].")
@click.option("--method", type=click.Choice(["both", "kmeans", "gmm"]), default="both",
              show_default=True, help="k-means, Gaussian mixture, or both (k-means types "
                                      "described).")
@click.option("--k", type=click.IntRange(2, 20), default=None,
              help="Number of types [default: chosen by silhouette (k-means) or BIC].")
@click.option("--k-max", type=click.IntRange(2, 20), default=8, show_default=True,
              help="Largest number of types considered.")
@click.option("--draws", type=click.IntRange(2, 2000), default=100, show_default=True,
              help="Bootstrap resamples for the stability check.")
@click.option("--null-draws", type=click.IntRange(0, 1000), default=50, show_default=True,
              help="Data sets without types for the check against chance (0 skips it).")
@click.option("--seed", type=int, default=2016, show_default=True, help="Random seed.")
@click.option("--min-coverage", type=click.FloatRange(0, 1, min_open=True), default=0.9,
              show_default=True, help="Drop a feature held for fewer of the authorities.")
@click.option("--block-weight", "block_weights", multiple=True, callback=_pairs,
              metavar="BLOCK=W", help="Weight of profile, trajectory or inspection "
                                      "(default 1 each); repeatable.")
@click.option("--indicators", "indicator_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Folder of extra indicator definitions (YAML); repeatable.")
@output_options
def typology_cmd(ids, from_year, to_year, method, k, k_max, draws, null_draws, seed,
                 min_coverage, block_weights, indicator_dirs, csv_dir, store, as_json):
    """A typology of authorities: k-means and Gaussian mixtures on indicator profiles,
    trajectories and inspection history, k chosen by a stated criterion, with bootstrap
    stability (adjusted Rand index) and a check against data with no types, so you see
    whether the types are real or an artefact. Missing values: a feature held for too few
    authorities is dropped, then an authority missing a feature is left out (listed).

    Example: csc-outcomes typology --from-year 2018 --draws 200
    """
    from ..analysis.alike_typology import typology_report
    from ..analysis.typology import BLOCKS

    bad = [b for b in block_weights if b not in BLOCKS]
    if bad:
        raise click.BadParameter(f"{bad}: blocks are {', '.join(BLOCKS)}",
                                 param_hint="--block-weight")
    if to_year is not None and to_year < from_year:
        raise click.BadParameter(f"{to_year} is before --from-year {from_year}",
                                 param_hint="--to-year")
    registry = _registry(indicator_dirs)
    unknown = [i for i in ids if i not in registry.indicators]
    if unknown:
        raise click.BadParameter(f"unknown indicator(s) {unknown}", param_hint="--indicator")
    methods = ("kmeans", "gmm") if method == "both" else (method,)
    findings = typology_report(store, ids=list(ids) or None, from_year=from_year,
                               to_year=to_year, methods=methods, k=k, k_max=k_max,
                               draws=draws, null_draws=null_draws, seed=seed,
                               min_coverage=min_coverage, block_weights=block_weights or None,
                               registry=registry)
    _emit(findings, as_json, csv_dir, _show_typology)


def _show_typology(f) -> None:
    cols = ["method", "k", "criterion", "criterion_value", "n_authorities", "n_features",
            "ari_median", "ari_low", "ari_high", "null_p", "verdict"]
    summary = f.tables["summary"][cols].copy()
    # one column holds a silhouette (0 to 1) and a BIC (thousands): format each on its own
    summary["criterion_value"] = [f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"
                                  for v in summary["criterion_value"]]
    _table(summary, "Types and whether they hold up", 3)
    t = f.tables["types"]
    first = t[t["method"] == t["method"].iloc[0]]
    _table(first.groupby(["type", "region"]).size().unstack(fill_value=0).reset_index(),
           "Authorities per type and region")
    console.print("Every authority's type and its agreement across resamples: --json or --csv.")


@cli.command("sample")
@click.option("--n", type=click.IntRange(1, 200), default=10, show_default=True,
              help="Pairs (matched) or authorities (stratified).")
@click.option("--design", type=click.Choice(["matched", "stratified"]), default="matched",
              show_default=True, help="Improvers matched to stuck authorities on context, "
                                      "or a sample stratified by type and region.")
@click.option("--caliper", type=click.FloatRange(0, None, min_open=True), default=0.5,
              show_default=True, help="Largest context distance within a pair.")
@click.option("--order", type=click.Choice(["random", "closest"]), default="random",
              show_default=True, help="Take improvers in a seeded random order, or the "
                                      "best-matched pairs first.")
@click.option("--strata", default="type,region", show_default=True,
              help="Comma-separated strata among type, region, authority_type.")
@click.option("--seed", type=int, default=2016, show_default=True, help="Random seed.")
@context_options
@click.option("--indicators", "indicator_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Folder of extra indicator definitions (YAML); repeatable.")
@output_options
def sample_cmd(n, design, caliper, order, strata, seed, year, weights, transforms,
               indicator_dirs, csv_dir, store, as_json):
    """Choose authorities for a study of improvement: improvers (latest Ofsted grade two or
    more better than their worst) each matched to the nearest stuck authority (Requires
    improvement or Inadequate throughout) on context within a caliper, or a sample
    stratified by type and region. Seeded; lists why each was chosen, its comparator, the
    data behind it and the balance achieved (standardised mean differences).

    Example: csc-outcomes sample --n 10 --design matched --caliper 0.5 --csv sample/
    """
    from ..analysis.alike_sample import STRATA, sample_report

    chosen = [s.strip() for s in strata.split(",") if s.strip()]
    bad = [s for s in chosen if s not in STRATA]
    if bad or not chosen:
        raise click.BadParameter(f"{strata!r}: strata are among {', '.join(STRATA)}",
                                 param_hint="--strata")
    registry = _registry(indicator_dirs)
    weights, transforms = _context_choice(weights, transforms, registry)
    findings = sample_report(store, n=n, design=design, caliper=caliper, strata=chosen,
                             seed=seed, order=order, year=year, weights=weights,
                             transforms=transforms, registry=registry,
                             typology_options={"seed": seed})
    _emit(findings, as_json, csv_dir, _show_sample)


def _show_sample(f) -> None:
    s = f.tables["sample"]
    if f.parameters["design"] == "matched":
        cols = ["pair", "role", "la_name", "matched_with_name", "distance", "first_grade",
                "latest_grade", "worst_grade"]
        _table(s[cols], "The sample (reasons and data: --json or --csv)")
        b = f.tables["balance"].fillna({"level": ""})
        wide = b[b["stage"] == "all"][["variable", "level", "smd"]].merge(
            b[b["stage"] == "matched"][["variable", "level", "smd"]],
            on=["variable", "level"], suffixes=("_all", "_matched"))
        wide.columns = ["variable", "level", "SMD all", "SMD matched"]
        _table(wide, "Balance: standardised mean difference, improvers minus stuck")
    else:
        _table(s[["stratum", "la_name", "reason"]], "The sample")
        b = f.tables["balance"][["variable", "level", "mean_treated", "mean_control", "smd"]]
        _table(b.rename(columns={"mean_treated": "mean in sample", "mean_control": "mean of all"}),
               "Balance: the sample against every authority")
