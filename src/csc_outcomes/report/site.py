"""Render pages with the package's Jinja2 templates, and write the whole static site.

The site opens offline from its folder: every page links to the others, to its CSV
downloads and to ``static/`` (styles, the page script and the Vega libraries) by
relative paths, and nothing is fetched from the network.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ..config import resolve_store_path
from ..errors import CscOutcomesError
from ..indicators.registry import Registry
from ..workers import cores, fork_pool
from .authority_page import authority_page
from .context import ReportData, read_report_data
from .indicator_page import indicator_page
from .overview import overview_page
from .pages import (
    Page,
    authorities_index,
    coverage_page,
    indicators_index,
    not_found_page,
    sources_page,
)
from .sections import run_analyses
from .tables import fmt_number

#: a file every built site holds, so that a rebuild may replace the folder (and nothing
#: else is ever replaced)
MARKER = ".csc-outcomes-report"
#: the chart library shipped in static/vendor (see its README for versions and licences)
VENDOR = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")


class ReportError(CscOutcomesError):
    """The site cannot be written where asked."""


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("csc_outcomes.report", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True, undefined=StrictUndefined)
    env.filters["num"] = fmt_number
    return env


def footer(data: ReportData, page: Page) -> dict:
    files = data.files[data.files.loader_key.notna()]
    loaded = files.loaded_at.dropna()
    return {"attribution": data.attribution, "version": data.version,
            "run_date": data.run_date.isoformat(), "loaded_at": data.loaded_at,
            "n_files": len(files),
            "files_from": loaded.min().date().isoformat() if len(loaded) else None,
            "files_to": loaded.max().date().isoformat() if len(loaded) else None,
            "years": f"{data.years[0]}-{data.years[-1]}" if data.years else "",
            "sources": page.sources, "versions": page.versions}


def render(page: Page, data: ReportData, live: bool = False) -> str:
    """The page as HTML. ``live`` adds the server's search box and comparison link."""
    for table in page.all_tables():
        if table.csv_href is None:
            table.csv_href = page.root + page.csv_path(table)
    return environment().get_template(page.template).render(
        page=page, root=page.root, live=live, year=data.year, footer=footer(data, page),
        vendor=VENDOR, **page.context)


def page_makers(data: ReportData) -> list[Callable[[], Page]]:
    """A function per page of the static site (overview first), each making its page."""
    makers: list[Callable[[], Page]] = [partial(overview_page, data),
                                        partial(indicators_index, data)]
    makers += [partial(indicator_page, data, ind_id) for ind_id in data.indicator_order]
    makers.append(partial(authorities_index, data))
    makers += [partial(authority_page, data, la_code)
               for la_code in data.authorities.sort_values("name").index]
    makers += [partial(coverage_page, data), partial(sources_page, data),
               partial(not_found_page, data, "page", "")]
    return makers


def site_pages(data: ReportData) -> Iterator[Page]:
    """Every page of the static site, overview first."""
    for make in page_makers(data):
        yield make()


@dataclass
class SiteReport:
    """What :func:`build_site` wrote."""

    index: Path
    pages: int
    tables: int
    seconds: float


def static_dir() -> Path:
    return Path(str(resources.files("csc_outcomes.report").joinpath("static")))


def _inside(root: Path, relative: str) -> Path:
    """``root / relative``, refusing any path that would leave ``root``."""
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()):
        raise ReportError(f"refusing to write {relative!r}: it is outside {root}")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ReportError(f"{out} is a file; give a folder for the report.")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise ReportError(f"{out} is not empty and holds no earlier csc-outcomes report; "
                          "choose an empty or new folder.")


def build_site(out: str | Path, data: ReportData,
               on_page: Callable[[str], None] | None = None,
               workers: int | None = None) -> SiteReport:
    """Write the static site into ``out`` (created; an earlier report there is replaced).

    The site is written into a new folder beside ``out`` and swapped in when complete, so
    an interrupted build leaves the earlier report as it was. The analyses, then the
    pages, are made side by side in worker processes, one per core (at most
    ``workers``; 1 makes everything here, one after another).

    Returns
    -------
    SiteReport: the path of ``index.html``, the number of pages and tables, the seconds.
    """
    start = time.perf_counter()
    out = Path(out).expanduser().absolute()
    _check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    pages = tables = 0
    try:
        shutil.copytree(static_dir(), work / "static",
                        ignore=shutil.ignore_patterns("__pycache__", "*.py"))
        run_analyses(data, workers=workers)  # before the pages that show them
        for path, n_tables in _write_pages(work, data, page_makers(data), workers):
            tables += n_tables
            pages += 1
            if on_page:
                on_page(path)
        (work / MARKER).write_text(f"csc-outcomes {data.version} report for {data.year}\n")
        _swap(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return SiteReport(out / "index.html", pages, tables, time.perf_counter() - start)


#: (folder, data, page makers) for the page-writing processes, set before they fork
_FORKED: tuple[Path, ReportData, list[Callable[[], Page]]] | None = None


def _write_pages(work: Path, data: ReportData, makers: list[Callable[[], Page]],
                 workers: int | None) -> Iterator[tuple[str, int]]:
    """Write every page and its tables' CSVs into ``work``; yield (page path, tables)
    as each is written. Forked workers take runs of pages (they share the data and the
    analyses' results); without ``fork``, or with one core, the pages are written here."""
    global _FORKED
    runs = [list(range(i, min(i + PAGES_PER_TASK, len(makers))))
            for i in range(0, len(makers), PAGES_PER_TASK)]
    _FORKED = (work, data, makers)
    try:
        with fork_pool(min(workers or cores(), len(runs))) as pool:
            if pool is None:
                yield from _write_some(work, data, makers, range(len(makers)))
                return
            for written in pool.imap_unordered(_write_forked, runs):
                yield from written
    finally:
        _FORKED = None


#: pages a worker writes per task (small enough to keep both cores busy to the end)
PAGES_PER_TASK = 8


def _write_forked(indices: list[int]) -> list[tuple[str, int]]:
    return list(_write_some(*_FORKED, indices))


def _write_some(work: Path, data: ReportData, makers, indices) -> Iterator[tuple[str, int]]:
    for i in indices:
        page = makers[i]()
        _inside(work, page.path).write_text(render(page, data), encoding="utf-8")
        tables = page.all_tables()
        for table in tables:
            _inside(work, page.csv_path(table)).write_text(table.to_csv(), encoding="utf-8")
        yield page.path, len(tables)


def _swap(work: Path, out: Path) -> None:
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    work.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def build_report(out: str | Path, *, store: str | Path | None = None,
                 data_dir: str | Path | None = None, year: int | None = None,
                 registry: Registry | None = None,
                 on_phase: Callable[[str], None] | None = None,
                 on_file: Callable[[str], None] | None = None,
                 on_page: Callable[[str], None] | None = None) -> tuple[SiteReport, object]:
    """The main job: bring the store up to date, then write the site.

    Parameters
    ----------
    out : the folder to write (see :func:`build_site`).
    store : the store file (default: ``CSC_OUTCOMES_STORE`` or the user data folder).
    data_dir : the folder of releases to load first, or None to use the store as it is.
        A load reads only the files that changed since the store's last load (a store
        that is up to date costs a fraction of a second), so it is always run when a
        folder is given: an empty or stale store is filled first.
    year : the reporting year (default: the latest year most indicators have).
    on_phase, on_file, on_page : progress callbacks (a phase's description; each file
        read by the load; each page written).

    Returns
    -------
    (SiteReport, LoadReport or None)
    """
    from ..data.load import load

    say = on_phase or (lambda text: None)
    _check_out(Path(out).expanduser().absolute())  # before any slow step
    path = resolve_store_path(store)
    loaded = None
    if data_dir is not None:
        say(f"loading the releases in {data_dir} into {path}")
        loaded = load(Path(data_dir), path, on_file=on_file, on_phase=on_phase)
    say(f"reading {path}")
    data = read_report_data(path, year, registry)
    say(f"writing the {data.year} report into {out}")
    return build_site(out, data, on_page=on_page), loaded
