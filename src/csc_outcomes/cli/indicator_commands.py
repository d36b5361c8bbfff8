"""`csc-outcomes indicators ...` and `csc-outcomes framework coverage`."""

from __future__ import annotations

import click

from .. import ATTRIBUTION
from ..config import resolve_store_path
from . import (
    Group,
    _registry,
    cli,
    console,
    emit_json,
    frame_table,
    indicators_option,
    json_option,
    store_option,
)


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
    import pandas as pd

    registry = _registry(indicator_dirs)
    rows = [{"id": i.id, "title": i.title, "kind": i.kind, "dimension": i.framework.dimension,
             "features": i.framework.features, "unit": i.unit, "polarity": i.polarity,
             "study": i.study.number if i.study else None,
             "years": i.span()}
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
@click.option("--variant", "variants", multiple=True,
              help="Compute with this version variant where an indicator has one (repeatable, "
                   "e.g. la-tables, headcount, fte) [default: the set's variants, else none]. "
                   "'--variant none' asks for the default versions only.")
@click.option("--suppressed", type=click.Choice(["missing", "zero"]), default="missing",
              show_default=True, help="A suppressed part of a ratio makes the value suppressed, "
                                      "or counts as zero.")
@click.option("--all-authorities", is_flag=True,
              help="Also list authorities that did not exist on 31 March of the year but have "
                   "data for it, and joint services [default: only authorities that existed].")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option("-v", "--verbose", is_flag=True, help="Show every authority, not the summary.")
@indicators_option
@store_option
@json_option
def indicators_values(indicator_ids, set_name, years, areas, variants, suppressed,
                      all_authorities, as_csv, verbose, indicator_dirs, store, as_json):
    """Indicator values per authority and year, with numerator, denominator and status.

    Each year lists the authorities that existed on 31 March of it (the register knows);
    --all-authorities adds those with data for a year they did not exist in. Prints a
    summary per indicator and year; -v, --csv or --json give every authority.

    Example: csc-outcomes indicators values --set study-2016 --year 2015 --csv
    """
    import csc_outcomes

    chosen = None if not variants else [v for v in variants if v != "none"]
    registry = _registry(indicator_dirs)
    with csc_outcomes.open(resolve_store_path(store)) as csc:
        csc.registry = registry
        frame = csc.values(list(indicator_ids) or None, list(years) or None,
                           set_name=set_name, areas=areas, variants=chosen,
                           suppressed=suppressed, all_authorities=all_authorities)
        names = csc.store.area_names()
    left_out = frame.attrs.get("left_out", {})
    frame = frame.assign(authority=frame.la_code.map(names),
                         unit=frame.indicator.map(lambda i: registry.get(i).unit))[
        ["la_code", "authority", "period", "indicator", "unit", "value", "numerator",
         "denominator", "status"]]
    if as_json:
        emit_json(frame)
    elif as_csv:
        click.echo(frame.to_csv(index=False), nl=False)
    else:
        _show_values(frame, verbose, left_out)


def _show_values(frame, verbose: bool, left_out: dict) -> None:
    from .render import people_table

    if verbose:
        console.print(people_table(frame, title="Indicator values", caption=ATTRIBUTION))
    else:
        summary = (frame.assign(has=frame.status == "value")
                   .groupby(["indicator", "unit", "period"])
                   .agg(authorities=("la_code", "size"), values=("has", "sum"),
                        median=("value", "median"), minimum=("value", "min"),
                        maximum=("value", "max")).reset_index())
        console.print(people_table(summary, title="Indicator values: a summary per indicator "
                                                  "and year (-v, --csv or --json for every "
                                                  "authority)", caption=ATTRIBUTION))
    if left_out:
        count = sum(len(v) for v in left_out.values())
        console.print(f"{count} authority-year(s) with data for a year the authority did not "
                      "exist in, or for a joint service, are not listed (--all-authorities "
                      "lists them).")


@indicators.command("docs")
@indicators_option
def indicators_docs(indicator_dirs):
    """Print the indicator reference page (Markdown) generated from the definitions.

    Example: csc-outcomes indicators docs > docs/indicators.md
    """
    from ..indicators.docs import render_markdown

    click.echo(render_markdown(_registry(indicator_dirs)), nl=False)


@indicators.command("schema")
def indicators_schema():
    """Print the JSON Schema that every indicator definition is validated against.

    Example: csc-outcomes indicators schema > docs/indicator.schema.json
    """
    from ..indicators.model import json_schema

    emit_json(json_schema())


@cli.group(cls=Group)
def framework():
    """The study's four-dimension framework and evidence map against the data.

    Example: csc-outcomes framework coverage
    """


@framework.command("coverage")
@click.option("--set", "set_name", help="Map only this indicator set (e.g. one agreed with "
                                         "`consensus set`) and list its agreed outcomes that "
                                         "have no national indicator.")
@indicators_option
@store_option
@json_option
def framework_coverage(set_name, indicator_dirs, store, as_json):
    """Every dimension and evidence-map feature, the indicators that measure it and how
    many authorities and years have data, or a gap with no national indicator.

    Example: csc-outcomes framework coverage --json
    """
    import pandas as pd

    if set_name:
        from ..consensus.agreed import set_coverage

        cov = set_coverage(set_name, resolve_store_path(store), _registry(indicator_dirs))
    else:
        from ..indicators.coverage import coverage

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
                             "status": f["status"]}
                            | ({"agreed outcome": ", ".join(f["agreed_outcomes"])}
                               if "agreed_outcomes" in f else {}))
        console.print(frame_table(pd.DataFrame(rows), title=dim["title"]
                                  + (f" (set {set_name})" if set_name else "")))
    outside = pd.DataFrame(cov["outside_map"])
    if not outside.empty:
        console.print(frame_table(outside[["id", "title", "n_years", "min_las", "max_las"]],
                                  title="Indicators outside the evidence map (context)"))
    s = cov["summary"]
    console.print(f"{s['features']} features: {s['measured']} measured, {s['no_data']} defined "
                  f"without data, {s['gaps']} gaps with no national indicator.")
    additions = pd.DataFrame(cov.get("proposed_additions") or [])
    if not additions.empty:
        additions["features"] = additions.features.map(" ".join)
        console.print(frame_table(additions[["id", "title", "features", "n", "share_7_9"]],
                                  title="Agreed outcomes with no national indicator: "
                                        "proposed additions to the national data"))
    console.print(ATTRIBUTION)
