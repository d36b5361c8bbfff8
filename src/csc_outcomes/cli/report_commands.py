"""`csc-outcomes report` (the static site) and `csc-outcomes serve` (the same pages, live)."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import resolve_data_dir, resolve_store_path
from ..errors import DataError
from . import (
    _registry,
    cli,
    data_dir_option,
    emit_json,
    indicators_option,
    json_option,
    store_option,
)


def _year_option(f):
    return click.option("--year", type=click.IntRange(1990, 2100),
                        help="Reporting year of the indicator and authority pages [default: "
                             "the latest year that most indicators have]. Trends use every "
                             "year.")(f)


def _data_folder(data_dir, store_path: Path, no_load: bool) -> Path | None:
    """The releases to load first, or None to use the store as it is (asked for, or no
    folder is configured and a store exists)."""
    if no_load:
        return None
    try:
        return resolve_data_dir(data_dir)
    except DataError:
        if data_dir or not store_path.exists():
            raise
        click.echo(f"No data folder given: using the store {store_path} as it is.", err=True)
        return None


@cli.command("report")
@click.argument("out", type=click.Path(file_okay=False), default="site")
@data_dir_option
@store_option
@_year_option
@indicators_option
@click.option("--no-load", is_flag=True,
              help="Use the store as it is; do not load the data folder first.")
@json_option
def report(out, data_dir, store, year, indicator_dirs, no_load, as_json):
    """Build the report: a static site (OUT/index.html) of the replication beside the
    published study, every indicator and every authority, and the framework coverage map.

    The site opens offline from its folder (no server, nothing fetched from the
    network); every chart has a text alternative and its data table, and every table
    downloads as CSV. The releases in the data folder are loaded into the store first
    (only files that changed are read, so an up-to-date store costs a fraction of a
    second); an earlier report in OUT is replaced. Ends by printing the path of
    index.html.

    Example: csc-outcomes report site/ --data-dir ../shared/data/raw
    """
    from rich.console import Console
    from rich.progress import Progress

    from ..report import build_report

    store_path = resolve_store_path(store)
    folder = _data_folder(data_dir, store_path, no_load)
    registry = _registry(indicator_dirs)
    err = Console(stderr=True)
    live = err.is_terminal and not as_json
    with Progress(console=err, transient=True, disable=not live) as progress:
        task = progress.add_task("starting", total=None)

        def phase(text):
            progress.update(task, description=text)
            if not live and not as_json:
                click.echo(text, err=True)

        def step(name):
            progress.update(task, advance=1, description=f"{name[-60:]}")

        site, loaded = build_report(out, store=store_path, data_dir=folder, year=year,
                                    registry=registry, on_phase=phase, on_file=step,
                                    on_page=step)
    failed = [f.file for f in loaded.failed] if loaded else []
    if as_json:
        emit_json({"index": str(site.index), "pages": site.pages, "tables": site.tables,
                   "seconds": round(site.seconds, 2), "loaded": loaded is not None,
                   "failed_files": failed})
        return
    if failed:
        click.echo(f"Warning: {len(failed)} file(s) failed to load (their earlier rows, if "
                   f"any, were kept): {', '.join(failed)}. `csc-outcomes data load` says why.",
                   err=True)
    click.echo(f"Wrote {site.pages:,} pages and {site.tables:,} tables (each with a CSV) in "
               f"{site.seconds:.1f} s. The 2016 study's tables alone: `csc-outcomes "
               "replicate --against-published`. Open in a browser:")
    click.echo(str(site.index))


@cli.command("serve")
@store_option
@_year_option
@indicators_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (127.0.0.1: this machine only).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port to listen on.")
def serve(store, year, indicator_dirs, host, port):
    """Serve the report live from the store, with search by any authority's name or code
    and a comparison of chosen authorities, indicators and years (each table as CSV).

    The store is opened read-only; a later `data load` is picked up on the next
    request. For a hosted deployment run the same app under any ASGI server, e.g.
    `uvicorn --factory csc_outcomes.report.serve:create_app --workers 4` with
    CSC_OUTCOMES_STORE set. Ctrl-C stops it.

    Example: csc-outcomes serve --store csc.duckdb --port 8000
    """
    import uvicorn

    from ..report.serve import create_app

    app = create_app(resolve_store_path(store), year, _registry(indicator_dirs))
    app.state.site.data()  # read the store now, so that a bad store is an error, not a 500
    click.echo(f"Serving the report on http://{host}:{port}/ (Ctrl-C stops it).", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
