"""`csc-outcomes serve`'s app over real HTTP (uvicorn on a local port) and the `report`
and `serve` commands: the static site's pages at the same addresses, search by every name
variant, the comparison and its CSV, helpful 404s, bad input answered in words, the store
read-only and reloaded when it changes."""

from __future__ import annotations

import io
import shutil

import httpx
import pandas as pd
import pytest
from click.testing import CliRunner
from pagetext import number, parse

from csc_outcomes.cli import cli
from csc_outcomes.data.store import Store
from csc_outcomes.indicators import values
from csc_outcomes.report.sections import ANALYSES
from csc_outcomes.report.serve import create_app


@pytest.fixture(scope="module")
def http(served):
    base, _ = served
    with httpx.Client(base_url=base, timeout=60) as client:
        yield client


def test_the_pages_are_the_static_sites(http, site):
    for path in ("index.html", "indicators/cla-missing.html", "authorities/E06000001.html",
                 "coverage.html"):
        r = http.get(path)
        assert r.status_code == 200
        live, static = parse(r.text), parse(site.index.parent / path)
        assert live.h1() == static.h1()
        assert {k: t.rows for k, t in live.tables.items()} == \
            {k: t.rows for k, t in static.tables.items()}
    assert http.get("/").text == http.get("/index.html").text


def test_csv_downloads_equal_the_static_sites(http, site):
    path = "csv/indicators/cla-missing/distribution.csv"
    r = http.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.text == (site.index.parent / path).read_text()


def test_security_headers(http):
    r = http.get("index.html")
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("query, code", [
    ("Durham", "E06000047"),          # a name variant ("County Durham" is the register's)
    ("841", "E06000005"),             # a DfE code: Darlington
    ("e06000001", "E06000001"),       # an ONS code, any case
    ("Bristol, City of", "E06000023"),
])
def test_search_finds_an_authority_by_any_name_or_code(http, query, code):
    page = parse(http.get("search", params={"q": query}).text)
    assert f"authorities/{code}.html" in page.links


def test_search_leads_from_a_former_authority_to_its_successors(http):
    page = parse(http.get("search", params={"q": "Northamptonshire"}).text)
    assert "no longer exists" in page.text
    assert "authorities/E06000061.html" in page.links and "authorities/E06000062.html" in \
        page.links


def test_search_with_nothing_found_offers_the_nearest_names(http):
    page = parse(http.get("search", params={"q": "Hartlepol"}).text)
    assert "authorities/E06000001.html" in page.links


def test_compare_equals_the_library(http, store_path):
    params = [("la", "E06000001"), ("la", "Darlington"), ("indicator", "cla-missing"),
              ("indicator", "csww-agency-rate"), ("year", "2023"), ("year", "2024")]
    page = parse(http.get("compare", params=params).text)
    table = page.tables["comparison"]
    lib = values(["cla-missing", "csww-agency-rate"], [2023, 2024], store=store_path,
                 areas=True)
    lib = lib[lib.la_code.isin(["E06000001", "E06000005", "E92000001"])]
    assert len(table.rows) == 6
    for row in table.records():
        for year in (2023, 2024):
            want = lib[(lib.la_code == row["ONS code"]) & (lib.period == year) & (
                lib.indicator.map({"cla-missing": "Looked-after children with a missing "
                                   "incident", "csww-agency-rate": "Agency children's social "
                                   "worker rate"}) == row["Indicator"])].value.iloc[0]
            assert number(row[str(year)]) == pytest.approx(want, abs=0.051)
    csv = http.get(table.csv and "compare.csv", params=params)
    frame = pd.read_csv(io.StringIO(csv.text))
    assert list(frame.columns[:3]) == ["Authority", "ONS code", "Indicator"]
    assert len(frame) == 6 and frame["2024"].notna().all()


def test_compare_answers_bad_input_in_words(http):
    params = [("la", "' OR 1=1 --"), ("la", "Hartlepol"), ("indicator", "<script>x</script>"),
              ("indicator", "cla-misssing"), ("year", "1999"), ("year", "abc")]
    r = http.get("compare", params=params)
    assert r.status_code == 200
    page = parse(r.text)
    assert "No authority \"' OR 1=1 --\"" in page.text
    assert "No authority 'Hartlepol' in 2024; nearest: Hartlepool" in page.text
    assert "nearest: cla-missing" in page.text
    assert "No year '1999'" in page.text and "No year 'abc'" in page.text
    assert "<script>x</script>" not in r.text and "&lt;script&gt;" in r.text
    assert "comparison" not in page.tables


@pytest.mark.parametrize("path, kind, near", [
    ("authorities/Hartlepol.html", "no local authority Hartlepol", "authorities/E06000001.html"),
    ("authorities/E09999999.html", "no local authority E09999999", None),
    ("indicators/cla-misssing.html", "no indicator cla-misssing", "indicators/cla-missing.html"),
    ("no/such/page", "no page", None),
    ("csv/indicators/cla-missing/nothing.csv", "no page", None),
])
def test_unknown_addresses_get_a_helpful_404(http, path, kind, near):
    r = http.get(path)
    assert r.status_code == 404
    page = parse(r.text)
    assert page.h1() == "Page not found"
    assert kind.lower() in page.text.lower().replace("there is ", "")
    if near:
        # links are relative to the page's own address, so resolve them from there
        links = {str(httpx.URL(str(r.url)).join(link)) for link in page.links}
        assert str(httpx.URL(str(http.base_url)).join(near)) in links


def test_paths_cannot_leave_the_package(http):
    for path in ("static/../serve.py", "static/%2e%2e/serve.py", "csv/../../pyproject.toml"):
        assert http.get(path).status_code == 404


def test_the_store_is_read_only_and_a_change_is_picked_up(store_path, tmp_path):
    copy = tmp_path / "csc.duckdb"
    shutil.copy(store_path, copy)
    app = create_app(copy)
    before = app.state.site.data()
    # between reads and its background analyses (which open it read-only for a few
    # seconds after each change) the app holds no connection: the store can be opened
    # for writing, as a load would (the analyses are stopped here, not waited for)
    app.state.site.close()
    app.state.site.analysing.join(timeout=600)
    with Store(copy) as st:
        st.set_meta("note", "written while the app runs")
    after = app.state.site.data()
    assert after is not before
    assert app.state.site.data() is after  # read once per change, not per request
    app.state.site.close()


def test_the_analyses_run_in_the_background_once_the_store_is_read(served):
    """The server (the session's, started by uvicorn) starts the analyses as soon as it
    has read the store, so the first page that shows them need not wait; a page made
    afterwards runs none again."""
    from csc_outcomes.report.serve import _builder

    state = served[1].state.site
    data = state.data()
    state.analysing.join(timeout=600)
    assert not state.analysing.is_alive()
    expected = {a.key for a in ANALYSES if a.run is not None}
    assert expected and expected <= set(data.analyses)
    found = {key: data.analyses[key] for key in expected}
    page, html = state.page("authorities/E06000001.html",
                            _builder("authorities/E06000001.html"))
    assert "Hartlepool" in html
    assert all(data.analyses[key] is found[key] for key in expected)


def test_closing_the_app_stops_the_background_analyses(store_path):
    state = create_app(store_path).state.site
    data = state.data()
    state.close()
    state.analysing.join(timeout=600)
    assert not state.analysing.is_alive()
    assert len(data.analyses) < len([a for a in ANALYSES if a.run is not None])


def test_report_command_loads_first_then_prints_index(site):
    """The session's site is the command's own output (conftest ``site``: ``report OUT
    --data-dir RAW --store COPY``)."""
    assert site.exit_code == 0, site.stderr
    assert site.stdout.strip().splitlines()[-1] == str(site.index)
    assert site.index.is_absolute() and site.index.is_file()
    assert "loading the releases" in site.stderr
    assert (site.index.parent / "authorities" / "E06000001.html").exists()


@pytest.mark.parametrize("args, message", [
    (["--year", "1999"], "holds no indicator values for 1999"),
    (["--no-load", "--store", "{tmp}/missing.duckdb"], "does not exist yet"),
])
def test_report_command_bad_input(tmp_path, store_path, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "--store" not in args:
        args += ["--no-load", "--store", str(store_path)]
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "site"), *args])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_report_command_refuses_a_folder_of_other_files(tmp_path, store_path):
    (tmp_path / "mine.txt").write_text("x")
    result = CliRunner().invoke(cli, ["report", str(tmp_path), "--no-load", "--store",
                                      str(store_path)])
    assert result.exit_code == 1
    assert "not empty" in result.output


def test_serve_command_with_no_store_says_so(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--store", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "does not exist yet" in result.output and "Traceback" not in result.output


def test_ctrl_c_while_the_report_is_written_is_one_line_and_leaves_nothing(store_path, tmp_path):
    """Ctrl-C (SIGINT to the command's process group, workers included) while the
    analyses and pages are being made: exit 130, one line, no traceback from the command
    or its workers, no half-written site and no work folder left beside it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "site"
    proc = subprocess.Popen([sys.executable, "-m", "csc_outcomes", "report", str(out),
                             "--store", str(store_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen = []
    for line in proc.stderr:  # wait until it is writing the site
        seen.append(line)
        if line.startswith("writing the"):
            break
    time.sleep(1.5)
    assert proc.poll() is None, "the report finished before Ctrl-C could be sent"
    os.killpg(proc.pid, signal.SIGINT)
    rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert (err.strip().splitlines() or [""])[-1] == "Interrupted."
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert any(line.startswith("writing the") for line in seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
