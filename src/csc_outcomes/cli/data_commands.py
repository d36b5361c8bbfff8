"""`csc-outcomes data ...`: load, status, problems, fetch."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd

from .. import ATTRIBUTION
from ..config import resolve_data_dir, resolve_store_path
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
    from rich.console import Console
    from rich.progress import Progress

    from ..data.load import data_files, load

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
             "special": f.special_stored,
             "special by status": ", ".join(f"{k} {v:,}" for k, v in f.special_by_status.items()),
             "problems": f.problems,
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
@click.option("--code", help="Only this problem code, e.g. unknown-la.")
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
@json_option
def data_fetch(cache, mirror, as_json):
    """Download the official releases (checked by sha256) into a local cache.

    Offline, it explains how to point --data-dir / CSC_OUTCOMES_DATA at a copy instead.

    Example: csc-outcomes data fetch && csc-outcomes data load
    """
    from ..config import default_cache_dir
    from ..data.fetch import fetch

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


