"""The report served live from the store: the static site's pages at the same addresses,
plus search (``/search?q=``) and comparison (``/compare?la=..&indicator=..&year=..``),
each table downloadable as CSV.

:func:`create_app` returns a plain ASGI app (Starlette). ``csc-outcomes serve`` runs it
with uvicorn on 127.0.0.1; a hosted deployment runs the same factory under any ASGI
server, with as many workers as wanted (each opens the store read-only)::

    CSC_OUTCOMES_STORE=/srv/csc.duckdb uvicorn --factory csc_outcomes.report.serve:create_app \
        --host 0.0.0.0 --port 8000 --workers 4

Safety: the store is opened read-only and closed again once read (a later ``data load``
is picked up on the next request); query parameters never reach the database: each is
checked against the register and the definitions in memory; unknown addresses get a 404
page naming the nearest authorities or indicators, and errors a page without a traceback.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import OrderedDict
from pathlib import Path
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..config import resolve_store_path
from ..errors import CscOutcomesError
from .authority_page import authority_page
from .context import ReportData, read_report_data
from .explore import choose, compare_page, search_page
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
from .sections import run_in_background
from .site import render, static_dir

log = logging.getLogger("csc_outcomes.serve")

#: pages only this server makes (the rest are the static site's)
SECURITY_HEADERS = {
    # nothing a page uses comes from elsewhere; Vega compiles expressions (unsafe-eval)
    # and vega-embed adds a style element (unsafe-inline styles)
    "content-security-policy": "default-src 'self'; script-src 'self' 'unsafe-eval'; "
                               "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                               "connect-src 'self'; form-action 'self'; base-uri 'none'; "
                               "frame-ancestors 'none'",
    "x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
}
PAGE_CACHE = 64


class SiteState:
    """The report's data for the server, read again when the store file changes."""

    def __init__(self, store: Path, year: int | None = None, registry=None):
        self.store, self.year, self.registry = store, year, registry
        self._lock = threading.Lock()
        self._data: ReportData | None = None
        self._stamp: tuple | None = None
        self._pages: OrderedDict[str, tuple[Page, str]] = OrderedDict()
        #: the thread running the analyses of the data last read (see run_in_background)
        self.analysing: threading.Thread | None = None
        self._stop = threading.Event()

    def close(self) -> None:
        """Stop the background analyses after the one running (the app is shutting down)."""
        self._stop.set()

    def _current_stamp(self) -> tuple | None:
        try:
            st = self.store.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def data(self) -> ReportData:
        stamp = self._current_stamp()
        with self._lock:
            if self._data is None or stamp != self._stamp:
                try:
                    self._data = read_report_data(self.store, self.year, self.registry)
                    self._stamp = stamp
                    self._pages.clear()
                    self._stop.set()  # the analyses of the data read before
                    self._stop = threading.Event()
                    self.analysing = run_in_background(self._data, self._stop)
                except CscOutcomesError:
                    if self._data is None:
                        raise
                    log.warning("the store changed but cannot be read yet; serving the "
                                "pages read before")
            return self._data

    def page(self, path: str, make) -> tuple[Page, str]:
        """The page at ``path`` and its HTML, made by ``make(data)`` once (kept for the
        most recently used pages)."""
        data = self.data()
        with self._lock:
            if path in self._pages:
                self._pages.move_to_end(path)
                return self._pages[path]
        page = make(data)
        made = (page, render(page, data, live=True))
        with self._lock:
            self._pages[path] = made
            while len(self._pages) > PAGE_CACHE:
                self._pages.popitem(last=False)
        return made


def _builder(path: str):
    """The function that makes the page at a site path, or None if there is none."""
    fixed = {"index.html": overview_page, "indicators/index.html": indicators_index,
             "authorities/index.html": authorities_index, "coverage.html": coverage_page,
             "sources.html": sources_page}
    if path in fixed:
        return fixed[path]
    folder, _, name = path.partition("/")
    stem = name.removesuffix(".html")
    if not name.endswith(".html") or "/" in stem or not stem:
        return None
    if folder == "indicators":
        return lambda data: (indicator_page(data, stem) if stem in data.registry.indicators
                             else _at(not_found_page(data, "indicator", stem), path))
    if folder == "authorities":
        return lambda data: (authority_page(data, stem) if stem in data.authorities.index
                             else _at(not_found_page(data, "authority", stem), path))
    return None


def _at(page: Page, path: str) -> Page:
    """A page shown at another address (its links are relative to that one)."""
    page.path = path
    return page


def _html(page: Page, html: str) -> HTMLResponse:
    return HTMLResponse(html, status_code=page.status)


def create_app(store: str | Path | None = None, year: int | None = None,
               registry=None) -> Starlette:
    """The ASGI app serving the report of ``store`` (default: ``CSC_OUTCOMES_STORE`` or
    the user data folder) for ``year`` (default: the latest year most indicators have),
    with the definitions of ``registry`` (default: the built-ins). The store is read when
    the app starts; a store that cannot be read stops it with the reason."""
    state = SiteState(resolve_store_path(store), year, registry)

    def site_page(request: Request) -> Response:
        path = request.url.path.lstrip("/") or "index.html"
        if path in ("indicators", "indicators/", "authorities", "authorities/"):
            return RedirectResponse("/" + path.rstrip("/") + "/index.html")
        make = _builder(path)
        if make is None:
            raise HTTPException(404)
        return _html(*state.page(path, make))

    def search(request: Request) -> Response:
        data = state.data()
        page = search_page(data, request.query_params.get("q", ""))
        return HTMLResponse(render(page, data, live=True))

    def _choice(request: Request):
        data = state.data()
        params = request.query_params
        typed = [x for t in params.getlist("la_text") for x in t.split(",")]
        return data, choose(data, params.getlist("la") + typed, params.getlist("indicator"),
                            params.getlist("year"), england=not params.get("no_england"))

    def compare(request: Request) -> Response:
        data, choice = _choice(request)
        page = compare_page(data, choice)
        if page.charts:
            page.charts[0].table.csv_href = "compare.csv?" + urlencode(
                [("la", c) for c in choice.authorities]
                + [("indicator", i) for i in choice.indicators]
                + [("year", y) for y in choice.years]
                + ([("no_england", "1")] if not choice.england else []))
        return HTMLResponse(render(page, data, live=True))

    def compare_csv(request: Request) -> Response:
        data, choice = _choice(request)
        page = compare_page(data, choice)
        if not page.charts:
            raise HTTPException(404)
        return _csv(page.charts[0].table.to_csv(), "comparison.csv")

    def csv(request: Request) -> Response:
        path = request.path_params["path"]
        stem, _, table_id = path.rpartition("/")
        make = _builder(stem + ".html") if table_id.endswith(".csv") else None
        if make is None:
            raise HTTPException(404)
        page, _ = state.page(stem + ".html", make)
        table = page.table(table_id.removesuffix(".csv"))
        if table is None or page.status != 200:
            raise HTTPException(404)
        return _csv(table.to_csv(), table_id)

    async def not_found(request: Request, exc: HTTPException) -> Response:
        data = state.data()
        if exc.status_code != 404:
            return Response(exc.detail, status_code=exc.status_code)
        asked = request.url.path.lstrip("/")
        page = _at(not_found_page(data, "page", asked[:100]), asked)
        return HTMLResponse(render(page, data, live=True), status_code=404)

    async def failed(request: Request, exc: Exception) -> Response:
        log.exception("error making %s", request.url.path)
        data = state.data()
        page = Page(request.url.path.lstrip("/") or "error", "Something went wrong",
                    "error.html")
        return HTMLResponse(render(page, data, live=True), status_code=500)

    routes = [
        Route("/", site_page), Route("/search", search), Route("/compare", compare),
        Route("/compare.csv", compare_csv), Route("/csv/{path:path}", csv),
        Mount("/static", StaticFiles(directory=static_dir()), name="static"),
        Route("/{path:path}", site_page),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app):
        state.data()  # read the store now: a store that cannot be read stops the start
        yield
        state.close()

    app = Starlette(routes=routes, middleware=[Middleware(_Headers)],
                    exception_handlers={HTTPException: not_found, Exception: failed},
                    lifespan=lifespan)
    app.state.site = state
    return app


def _csv(text: str, name: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="{name.replace(chr(34), "")}"'})


class _Headers:
    """Adds the security headers to every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def sending(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        return await self.app(scope, receive, sending)
