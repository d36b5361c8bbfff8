"""The ``csc-outcomes`` command: thin commands over the Python API.

This module is the single error boundary: a :class:`CscOutcomesError` raised
anywhere below becomes ``Error: ...`` on stderr and exit code 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

from . import ATTRIBUTION, __version__
from .config import resolve_data_dir, resolve_store_path
from .errors import CscOutcomesError

console = Console(width=None if sys.stdout.isatty() else 160)


class Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CscOutcomesError as exc:
            raise click.ClickException(str(exc)) from exc


def store_option(f):
    return click.option("--store", "store", type=click.Path(dir_okay=False),
                        help="DuckDB store file [env CSC_OUTCOMES_STORE; default in the user "
                             "data folder].")(f)


def data_dir_option(f):
    return click.option("--data-dir", "data_dir", type=click.Path(file_okay=False),
                        help="Folder of official releases [env CSC_OUTCOMES_DATA].")(f)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True,
                        help="Print JSON for scripts instead of tables.")(f)


def emit_json(obj) -> None:
    click.echo(json.dumps(obj, indent=2, default=_json_default))


def _json_default(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    if pd.isna(value):
        return None
    return str(value)


def frame_table(frame: pd.DataFrame, title: str | None = None, caption: str | None = None) -> Table:
    table = Table(title=title, caption=caption, show_lines=False)
    for col in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col])
        table.add_column(str(col), justify="right" if numeric else "left", overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*["" if _blank(v) else _fmt(v) for v in row])
    return table


def _blank(v) -> bool:
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e6 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10000 else str(v)
    return str(v)


@click.group(cls=Group)
@click.version_option(__version__, prog_name="csc-outcomes")
def cli():
    """Children's social care outcomes for English local authorities, from the public
    DfE and Ofsted releases.

    Example: csc-outcomes data load --data-dir ../shared/data/raw
    """


@cli.group(cls=Group)
def data():
    """Load, inspect and download the official releases.

    Example: csc-outcomes data status
    """


@data.command("load")
@data_dir_option
@store_option
@click.option("--force", is_flag=True, help="Reload every file, even unchanged ones.")
@json_option
def data_load(data_dir, store, force, as_json):
    """Load every release in the data folder into the store.

    Files unchanged since the last load (same sha256) are skipped; a file that fails
    leaves the store as it was. Ends with a table per file of cells read, values
    stored, special values stored and problems.

    Example: csc-outcomes data load --data-dir ../shared/data/raw --store csc.duckdb
    """
    from rich.progress import Progress

    from .data.load import data_files, load

    folder = resolve_data_dir(data_dir)
    store_path = resolve_store_path(store)
    total = len(data_files(folder))
    with Progress(console=Console(stderr=True), transient=True,
                  disable=as_json or not sys.stderr.isatty()) as progress:
        task = progress.add_task("loading", total=total)

        def step(name):
            progress.update(task, advance=1, description=name[-48:])

        report = load(folder, store_path, force=force, on_file=step)
    if as_json:
        emit_json(report.as_dict())
    else:
        _print_load(report)
    if report.failed:
        raise click.ClickException(
            f"{len(report.failed)} file(s) failed to load and were left as they were: "
            + "; ".join(f.error for f in report.failed))


def _print_load(report) -> None:
    rows = [{"file": f.file, "cells read": f.cells_read, "values": f.values_stored,
             "special": f.special_stored, "problems": f.problems,
             "note": f.error and f"FAILED: {f.error}" or f.skipped_reason or ""}
            for f in report.files]
    frame = pd.DataFrame(rows)
    console.print(frame_table(frame, title=f"Load of {report.data_dir} into {report.store}",
                              caption=ATTRIBUTION))
    loaded = frame[frame["cells read"] > 0]
    console.print(f"{len(report.files)} files: {int(loaded.shape[0])} with data, "
                  f"{int(loaded['cells read'].sum()):,} cells read, "
                  f"{int(loaded['values'].sum()):,} values and "
                  f"{int(loaded['special'].sum()):,} special values stored, "
                  f"{int(loaded['problems'].sum()):,} cells in problems "
                  f"(see `csc-outcomes data problems`).")
    if report.dropped:
        console.print(f"Dropped from the store (no longer in the folder): {report.dropped}")


@data.command("status")
@store_option
@json_option
def data_status(store, as_json):
    """What is loaded, by source and year.

    Example: csc-outcomes data status --json
    """
    from .data.status import status

    info = status(resolve_store_path(store))
    if as_json:
        emit_json(info)
        return
    t = info["totals"]
    console.print(f"Store {info['store']}, loaded {info['loaded_at']} from {info['data_dir']}")
    console.print(f"{t['observations']:,} observations ({t['values']:,} values), "
                  f"{t['measures']:,} measures, {t['authorities']} authorities in the register, "
                  f"{t['inspections']:,} inspections, {t['problems']:,} problems.")
    console.print(frame_table(pd.DataFrame(info["by_source"]), title="By source and year",
                              caption=ATTRIBUTION))


@data.command("problems")
@store_option
@click.option("--file", "source_file", help="Only this file (path relative to the data folder).")
@click.option("--code", help="Only this problem code, e.g. unknown-la.")
@json_option
def data_problems(store, source_file, code, as_json):
    """Every cell or row that could not be stored, with file, row, column and why.

    Example: csc-outcomes data problems --code bad-value
    """
    from .data.status import problems

    frame = problems(resolve_store_path(store), source_file, code)
    if as_json:
        emit_json(frame.to_dict(orient="records"))
        return
    if frame.empty:
        console.print("No problems recorded.")
        return
    console.print(frame_table(frame, title=f"{len(frame)} problem(s)"))


@data.command("fetch")
@click.option("--cache", "cache", type=click.Path(file_okay=False),
              help="Download into this folder [default: the user data folder's raw/].")
@click.option("--mirror", help="Fetch <MIRROR>/<path> instead of each file's own address.")
@json_option
def data_fetch(cache, mirror, as_json):
    """Download the official releases (checked by sha256) into a local cache.

    Offline, it explains how to point --data-dir / CSC_OUTCOMES_DATA at a copy instead.

    Example: csc-outcomes data fetch && csc-outcomes data load
    """
    from .config import default_cache_dir
    from .data.fetch import fetch

    folder = Path(cache) if cache else default_cache_dir()
    results = fetch(folder, base_url=mirror)
    if as_json:
        emit_json({"cache": str(folder), "files": [r.as_dict() for r in results]})
        return
    counts = pd.Series([r.status for r in results]).value_counts().to_dict()
    console.print(f"{folder}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    for r in results:
        if r.status == "failed":
            console.print(f"  failed {r.path}: {r.detail}")
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise click.ClickException(f"{len(failed)} file(s) could not be fetched; the rest are "
                                   f"in {folder}.")
    console.print(f"Now run: csc-outcomes data load --data-dir {folder}")


def indicators_option(f):
    return click.option("--indicators", "indicator_dirs", multiple=True,
                        type=click.Path(file_okay=False),
                        help="Folder of extra or overriding indicator definitions (YAML); "
                             "may be given more than once.")(f)


def _registry(indicator_dirs):
    from .indicators import load_registry

    return load_registry([Path(d) for d in indicator_dirs])


@cli.group(cls=Group)
def indicators():
    """The indicator definitions and their values.

    Example: csc-outcomes indicators list
    """


@indicators.command("list")
@indicators_option
@click.option("--set", "set_name", help="Only the indicators of this set, e.g. study-2016.")
@json_option
def indicators_list(indicator_dirs, set_name, as_json):
    """List the indicators: id, title, dimension, unit, polarity and years defined.

    Example: csc-outcomes indicators list --set study-2016
    """
    registry = _registry(indicator_dirs)
    rows = [{"id": i.id, "title": i.title, "kind": i.kind, "dimension": i.framework.dimension,
             "features": i.framework.features, "unit": i.unit, "polarity": i.polarity,
             "study": i.study.number if i.study else None,
             "years": f"{min(i.years())}-{max(i.years())}" if i.years() else ""}
            for i in registry.resolve(None, set_name)]
    if as_json:
        emit_json(rows)
        return
    frame = pd.DataFrame(rows).drop(columns=["features"])
    console.print(frame_table(frame, title=f"{len(rows)} indicators"
                              + (f" in set {set_name}" if set_name else "")))
    console.print("Sets: " + ", ".join(sorted(registry.sets)))


@indicators.command("show")
@click.argument("indicator_id")
@indicators_option
@json_option
def indicators_show(indicator_id, indicator_dirs, as_json):
    """Show one indicator's full definition (all versions).

    Example: csc-outcomes indicators show cla-missing
    """
    registry = _registry(indicator_dirs)
    ind = registry.get(indicator_id)
    data = ind.model_dump(mode="json", exclude_none=True)
    if as_json:
        emit_json(data)
        return
    import yaml

    console.print(f"[bold]{ind.title}[/bold]  ({registry.origin[ind.id]})")
    console.print(yaml.safe_dump(data, sort_keys=False, width=100), markup=False)


@indicators.command("values")
@click.argument("indicator_ids", nargs=-1)
@click.option("--set", "set_name", help="Use the indicators of this set, e.g. study-2016.")
@click.option("--year", "years", type=int, multiple=True,
              help="Reporting year (repeatable); default: every year defined.")
@click.option("--areas", is_flag=True, help="Include England and the regions.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@indicators_option
@store_option
@json_option
def indicators_values(indicator_ids, set_name, years, areas, as_csv, indicator_dirs, store,
                      as_json):
    """Indicator values per authority and year, with numerator, denominator and status.

    Example: csc-outcomes indicators values --set study-2016 --year 2015 --csv
    """
    from .indicators import values

    frame = values(list(indicator_ids) or None, list(years) or None, set_name=set_name,
                   store=resolve_store_path(store), registry=_registry(indicator_dirs),
                   areas=areas)
    if as_json:
        emit_json(frame.to_dict(orient="records"))
    elif as_csv:
        click.echo(frame.to_csv(index=False), nl=False)
    else:
        summary = (frame.assign(has=frame.status == "value")
                   .groupby(["indicator", "period"])
                   .agg(authorities=("la_code", "size"), values=("has", "sum"),
                        median=("value", "median"), minimum=("value", "min"),
                        maximum=("value", "max")).reset_index())
        console.print(frame_table(summary, title="Indicator values (use --csv or --json for "
                                                 "every authority)", caption=ATTRIBUTION))


@indicators.command("docs")
@indicators_option
def indicators_docs(indicator_dirs):
    """Print the indicator reference page (Markdown) generated from the definitions.

    Example: csc-outcomes indicators docs > docs/indicators.md
    """
    from .indicators.docs import render_markdown

    click.echo(render_markdown(_registry(indicator_dirs)), nl=False)


@indicators.command("schema")
def indicators_schema():
    """Print the JSON Schema that every indicator definition is validated against.

    Example: csc-outcomes indicators schema > docs/indicator.schema.json
    """
    from .indicators.model import json_schema

    emit_json(json_schema())


@cli.group(cls=Group)
def framework():
    """The study's four-dimension framework and evidence map against the data.

    Example: csc-outcomes framework coverage
    """


@framework.command("coverage")
@indicators_option
@store_option
@json_option
def framework_coverage(indicator_dirs, store, as_json):
    """Every dimension and evidence-map feature, the indicators that measure it and how
    many authorities and years have data, or a gap with no national indicator.

    Example: csc-outcomes framework coverage --json
    """
    from .indicators.coverage import coverage

    cov = coverage(resolve_store_path(store), _registry(indicator_dirs))
    if as_json:
        emit_json(cov)
        return
    for dim in cov["dimensions"]:
        rows = []
        for f in dim["features"]:
            inds = f["indicators"] or [None]
            for i in inds:
                rows.append({"feature": f"{f['id']} {f['title']}", "evidence": f["evidence"],
                             "indicator": i["id"] if i else "—",
                             "years": (f"{i['first_year']}-{i['last_year']} ({i['n_years']})"
                                       if i and i["n_years"] else ""),
                             "authorities": (f"{i['min_las']}-{i['max_las']}"
                                             if i and i["n_years"] else ""),
                             "status": f["status"]})
        console.print(frame_table(pd.DataFrame(rows), title=dim["title"]))
    outside = pd.DataFrame(cov["outside_map"])
    if not outside.empty:
        console.print(frame_table(outside[["id", "title", "n_years", "min_las", "max_las"]],
                                  title="Indicators outside the evidence map (context)"))
    s = cov["summary"]
    console.print(f"{s['features']} features: {s['measured']} measured, {s['no_data']} defined "
                  f"without data, {s['gaps']} gaps with no national indicator.")
    console.print(ATTRIBUTION)


def _date(value):
    from datetime import date

    if value in (None, "", "none"):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2016-03-31") from None


@cli.command("replicate")
@click.option("--year", type=int, default=2015, show_default=True,
              help="Reporting year; 2015 is the study's. Other years use each authority's "
                   "latest SIF or ILACS judgement published by 31 March of the next year.")
@click.option("--set", "set_name", default="study-2016", show_default=True,
              help="Indicator set to rank and regress.")
@click.option("--share", type=float, default=0.10, show_default=True,
              help="Share of authorities in the best and in the worst group.")
@click.option("--k-rule", type=click.Choice(["round", "ceil", "floor"]), default="round",
              show_default=True, help="How share x n becomes a count.")
@click.option("--base", type=click.Choice(["with-data", "universe"]), default="with-data",
              show_default=True, help="Take the share of authorities with a value, or of all.")
@click.option("--ties", type=click.Choice(["include", "exclude"]), default="include",
              show_default=True, help="Authorities tied at the cut-off: all in, or all out.")
@click.option("--method", type=click.Choice(["rank", "percentile"]), default="rank",
              show_default=True, help="Cut by rank (k best) or at the percentile.")
@click.option("--contested", type=click.Choice(["study", "flip", "exclude"]), default="study",
              show_default=True, help="Direction of contested indicators (missing, away ...).")
@click.option("--direction", "directions", multiple=True, metavar="ID=higher|lower",
              help="Override one indicator's 'better' direction (repeatable).")
@click.option("--with-workforce", is_flag=True, help="Rank the workforce indicators in phase one too.")
@click.option("--coding", type=click.Choice(["outstanding-1", "inadequate-1"]),
              default="outstanding-1", show_default=True,
              help="Rating coding: 1 = Outstanding ... 4 = Inadequate, or the reverse.")
@click.option("--judgement", type=click.Choice(["first-sif", "latest"]), default=None,
              help="Which judgement counts [default: first-sif for 2015, latest otherwise].")
@click.option("--ofsted-from", default=None, help="Count judgements published on or after (YYYY-MM-DD).")
@click.option("--ofsted-to", default=None, help="Count judgements published on or before (YYYY-MM-DD, or 'none').")
@click.option("--universe", type=click.Choice(["all", "inspected"]), default="all",
              show_default=True, help="Phase one over all authorities or only inspected ones.")
@click.option("--named-top", type=int, default=10, show_default=True,
              help="List at most about this many authorities at the top of each distribution.")
@click.option("--sensitivity", is_flag=True, help="Rerun under each alternative choice and "
                                                  "show how much the answers move.")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False),
              help="Also write the tables as CSV files into this folder.")
@indicators_option
@store_option
@json_option
def replicate_cmd(year, set_name, share, k_rule, base, ties, method, contested, directions,
                  with_workforce, coding, judgement, ofsted_from, ofsted_to, universe,
                  named_top, sensitivity, csv_dir, indicator_dirs, store, as_json):
    """Replicate the 2016 study: best/worst 10% recurrence and regressions on Ofsted ratings.

    Every choice the study left open is an option; the output states them.

    Example: csc-outcomes replicate --json > replication.json
    """
    from .analysis import replicate as rep

    overrides = dict(indicator_set=set_name, share=share, k_rule=k_rule, base=base, ties=ties,
                     method=method, contested=contested, coding=coding, universe=universe,
                     named_top=named_top)
    if directions:
        pairs = [d.split("=", 1) for d in directions]
        if any(len(p) != 2 or p[1] not in ("higher", "lower") for p in pairs):
            raise click.BadParameter("use ID=higher or ID=lower", param_hint="--direction")
        overrides["directions"] = tuple((a, b) for a, b in pairs)
    if with_workforce:
        overrides["phase1_kinds"] = ("child-outcome", "workforce")
    if judgement:
        overrides["selection"] = judgement
    if ofsted_from is not None:
        overrides["published_from"] = _date(ofsted_from)
    if ofsted_to is not None:
        overrides["published_to"] = _date(ofsted_to)
    choices = rep.Choices.for_year(year, **overrides)
    registry = _registry(indicator_dirs)
    store_path = resolve_store_path(store)
    if sensitivity:
        out = rep.sensitivity(choices, store=store_path, registry=registry)
        result = out["default"]
    else:
        out, result = None, rep.replicate(choices, store=store_path, registry=registry)
    if csv_dir:
        from .analysis.tables import write_csv

        write_csv(result, out, Path(csv_dir))
    if as_json:
        emit_json(out if sensitivity else result)
        return
    _print_replication(result)
    if sensitivity:
        _print_sensitivity(out)


def _print_replication(result) -> None:
    from .analysis.tables import phase1_frame, phase2_frame

    ch = result["choices"]
    console.print(f"[bold]Replication for {result['year']}[/bold]: {result['universe']} "
                  f"authorities, {result['inspected']} with a counted Ofsted judgement.")
    console.print("Choices: " + "; ".join(f"{k}={v}" for k, v in ch.items()), markup=False)
    for side, label in (("best", "best"), ("worst", "worst")):
        dist, named_frame = phase1_frame(result, side)
        console.print(frame_table(dist, title=f"Authorities by number of indicators in the "
                                              f"{label} {ch['share']:.0%}"))
        console.print(frame_table(named_frame, title=f"Authorities most often in the {label} group"))
    console.print(frame_table(phase2_frame(result), title="Regression of each indicator on the "
                              f"Ofsted rating (coded {ch['coding']})", caption=ATTRIBUTION))
    for note in result["notes"]:
        console.print(f"Note: {note}")


def _print_sensitivity(out) -> None:
    console.print(frame_table(pd.DataFrame(out["variants"]),
                              title="Sensitivity: each alternative choice, one at a time"))
    r = pd.DataFrame(out["phase2_r"]).round(3)
    r.insert(0, "indicator", r.index)
    console.print(frame_table(r, title="Phase two r under each alternative"))


__all__ = ["cli"]
