"""`csc-outcomes data ...`: load, status, problems, fetch."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .. import ATTRIBUTION
from ..config import resolve_data_dir, resolve_store_path
from ..errors import PROBLEM_CODES
from . import (
    Group,
    cli,
    console,
    data_dir_option,
    emit_json,
    frame_table,
    json_option,
    store_option,
)

if TYPE_CHECKING:
    import pandas as pd


@cli.group(cls=Group)
def data():
    """Load, inspect and download the official releases.

    Example: csc-outcomes data status
    """


@data.command("load")
@data_dir_option
@store_option
@click.option("--force", is_flag=True, help="Reload every file, even unchanged ones.")
@click.option("--prune", is_flag=True,
              help="Drop from the store the files that are no longer in the data folder "
                   "(by default their rows are kept).")
@click.option("-v", "--verbose", is_flag=True, help="Show the table of every file.")
@json_option
def data_load(data_dir, store, force, prune, verbose, as_json):
    """Load every release in the data folder into the store.

    Files unchanged since the last load (same sha256) are not read again; a file that
    fails leaves its earlier rows as they were, and the command exits with status 1.
    Files the store holds that are not in the folder are kept unless --prune is given.
    Prints a summary; -v adds a table per file of cells read, values stored, special
    values stored and problems.

    Example: csc-outcomes data load --data-dir ../shared/data/raw --store csc.duckdb
    """
    from rich.console import Console
    from rich.progress import Progress

    from ..data.load import load

    folder = resolve_data_dir(data_dir)
    store_path = resolve_store_path(store)
    err = Console(stderr=True)
    live = err.is_terminal and not as_json
    log = verbose and not live  # plain lines for logs when stderr is not a terminal
    with Progress(console=err, transient=True, disable=not live) as progress:
        task = progress.add_task("loading", total=None)

        def step(name):
            progress.update(task, advance=1, description=f"read {name[-48:]}")
            if log:
                click.echo(f"read {name}", err=True)

        def phase(text):
            progress.update(task, description=text)
            if log:
                click.echo(text, err=True)

        report = load(folder, store_path, force=force, prune=prune, on_file=step,
                      on_phase=phase)
    if as_json:
        emit_json(report.as_dict())
    else:
        _print_load(report, verbose)
    if report.failed:
        raise click.ClickException(
            f"{len(report.failed)} file(s) failed to load; their earlier rows (if any) were "
            "kept: " + "; ".join(f.error for f in report.failed))


def _print_load(report, verbose: bool) -> None:
    import pandas as pd

    frame = pd.DataFrame([{
        "file": f.file, "cells read": f.cells_read, "values": f.values_stored,
        "special": f.special_stored,
        "special by status": ", ".join(f"{k} {v:,}" for k, v in f.special_by_status.items()),
        "problems": f.problems,
        "note": f.error and f"FAILED: {f.error}" or f.skipped_reason or ""}
        for f in report.files])
    for line in load_summary(report, frame):
        console.print(line)
    if verbose:
        console.print(frame_table(frame, title=f"Load of {report.data_dir} into {report.store}",
                                  caption=ATTRIBUTION))
    else:
        console.print(f"Store: {report.store}. Per-file detail: -v, or "
                      "`csc-outcomes data status`.")
        console.print(ATTRIBUTION)


def load_summary(report, frame: pd.DataFrame) -> list[str]:
    """The lines that open `data load`'s output: failures and kept files first."""

    lines = []
    if report.failed:
        lines.append(f"[bold red]{len(report.failed)} file(s) FAILED[/] and were not loaded "
                     "(their rows from an earlier load, if any, are kept):")
        lines += [f"  {f.file}: {f.error}" for f in report.failed]
    if report.kept:
        lines.append(f"{len(report.kept)} file(s) in the store are not in this folder; their "
                     "rows were kept (--prune drops them): " + ", ".join(report.kept))
    if report.pruned:
        lines.append(f"{len(report.pruned)} file(s) no longer in the folder were dropped: "
                     + ", ".join(report.pruned))
    read = [f for f in report.files if f.cells_read and not f.skipped_reason and not f.error]
    unchanged = [f for f in report.files if (f.skipped_reason or "").startswith("unchanged")]
    loaded = frame[frame["cells read"] > 0]
    lines.append(
        f"{len(report.files)} files: {len(read)} read, {len(unchanged)} unchanged, "
        f"{len(report.failed)} failed; {int(loaded.shape[0])} with data, "
        f"{int(loaded['cells read'].sum()):,} cells read, "
        f"{int(loaded['values'].sum()):,} values and "
        f"{int(loaded['special'].sum()):,} special values stored, "
        f"{int(loaded['problems'].sum()):,} cells in problems "
        f"(see `csc-outcomes data problems`). Register of authorities: {report.register}.")
    return lines


@data.command("status")
@store_option
@json_option
def data_status(store, as_json):
    """What is loaded, by source and year.

    Example: csc-outcomes data status --json
    """
    import pandas as pd

    from ..data.status import status

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
@click.option("--code", type=click.Choice(list(PROBLEM_CODES)),
              help="Only this problem code, e.g. unknown-la.")
@json_option
def data_problems(store, source_file, code, as_json):
    """Every cell or row that could not be stored, with file, row, column and why.

    Example: csc-outcomes data problems --code bad-value
    """
    from ..data.status import problems

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
@click.option("--only", "only", multiple=True, metavar="PATH",
              help="Only this file of the manifest (repeatable).")
@json_option
def data_fetch(cache, mirror, only, as_json):
    """Download the official releases (checked by sha256) into a local cache.

    Offline, it explains how to point --data-dir / CSC_OUTCOMES_DATA at a copy instead.

    Example: csc-outcomes data fetch && csc-outcomes data load
    """
    import pandas as pd

    from ..config import default_cache_dir
    from ..data.fetch import fetch

    folder = Path(cache) if cache else default_cache_dir()
    if only:
        from ..data.fetch import manifest

        known = {e["path"] for e in manifest()}
        if unknown := [p for p in only if p not in known]:
            raise click.BadParameter(f"not in the manifest: {', '.join(unknown)}",
                                     param_hint="--only")
    results = fetch(folder, base_url=mirror, only=list(only) or None)
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


