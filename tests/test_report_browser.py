"""The report in a real browser: Debian's Chromium, headless, driven by Playwright, over
the static site (file://) and the served app (uvicorn on a local port).

Every test records every request its pages make and fails if one leaves the machine
(a request to anywhere but the site's folder or the local server is also aborted).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from pagetext import number, parse

from csc_outcomes.analysis.compare import against_published
from csc_outcomes.analysis.replicate import replicate
from csc_outcomes.indicators import values

CHROMIUM = os.environ.get("CSC_OUTCOMES_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-default-apps", "--disable-extensions"]
DRAWN = ("() => document.querySelectorAll('[data-spec]').length > 0 && "
         "document.querySelectorAll('.chart-drawn, .chart-failed').length === "
         "document.querySelectorAll('[data-spec]').length")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"no Chromium at {CHROMIUM}: `apt-get install -y chromium` (.ci/run "
                           "does) or set CSC_OUTCOMES_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, served, site):
    """A fresh browser page whose every request is recorded; any request that is not to
    the site's folder or the local server is aborted and fails the test."""
    base, _ = served
    folder = site.index.parent.as_uri()
    local = (folder, base, "data:", "blob:")
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(local)
                  else route.abort())
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.requests = requests
    yield tab
    context.close()
    assert requests, "no request was recorded"
    assert [u for u in requests if not u.startswith(local)] == []
    assert errors == []


def open_drawn(page, url: str):
    """Open a page and wait until every chart on it is drawn (or has failed)."""
    response = page.goto(url)
    page.wait_for_function(DRAWN, timeout=60_000)
    assert page.locator(".chart-failed").count() == 0
    return response


def marks(page, figure: str, kind: str = "symbol") -> int:
    return page.locator(f"#{figure} g.mark-{kind}.role-mark path").count()


def test_static_overview(page, site, store_path):
    comparison = against_published(replicate(store=store_path))
    open_drawn(page, site.index.as_uri())
    assert page.locator("h1").inner_text().startswith("Children's social care in England")
    s = comparison.summary
    assert f"{s['rows_exact']} rows match the printed Multiple R" in page.inner_text("main")
    printed = int(comparison.a2a.published_r.notna().sum())
    ours = int(comparison.a2a.multiple_r.notna().sum())
    assert marks(page, "a2a-chart") == printed + ours
    assert marks(page, "bins-chart") == 2 * len(comparison.bins)
    assert page.locator("#a2a-chart [role=img]").get_attribute("aria-label")
    assert any(u.endswith("static/vendor/vega.min.js") for u in page.requests)


def test_static_indicator_page(page, site, store_path, report_data):
    year = report_data.year
    lib = values(["cla-missing"], [year], store=store_path, areas=True)
    authorities = lib[lib.la_code.isin(report_data.authorities.index) & (lib.status == "value")]
    england = lib[lib.la_code == "E92000001"].value.iloc[0]
    open_drawn(page, (site.index.parent / "indicators" / "cla-missing.html").as_uri())
    assert page.locator("h1").inner_text() == "Looked-after children with a missing incident"
    assert f"England's figure was {england:.1f}%" in page.locator(".lead").inner_text()
    assert marks(page, "distribution-chart") == len(authorities)
    assert marks(page, "trends-chart", "line") == 11 + 1  # each region and England
    table = page.locator("#distribution-chart table")
    assert not table.is_visible()
    page.locator("#distribution-chart summary").click()  # the data table, a click away
    assert table.is_visible()
    assert table.locator("tbody tr").count() == len(
        lib[lib.la_code.isin(report_data.authorities.index)])


def test_static_authority_page(page, site, report_data):
    open_drawn(page, (site.index.parent / "authorities" / "E06000001.html").as_uri())
    assert page.locator("h1").inner_text() == "Hartlepool"
    parsed = parse(page.content())
    rows = parsed.tables["comparison"].records()
    totals = {report_data.registry.get(i).title for i in report_data.totals}
    assert totals  # the child population and gross spending: England's is a sum
    bars = sum(1 for r in rows if r["This authority"]
               for key in ("This authority", "Neighbours' mean", "Region", "England")
               if r[key] and not (r["Indicator"] in totals and key in ("Region", "England")))
    assert marks(page, "comparison-chart", "rect") == bars
    assert marks(page, "trends-chart", "line") > 40
    assert marks(page, "inspections-chart") >= 3
    assert page.locator("#inspections-chart table tbody tr").count() >= 3


def test_follow_links_from_the_overview_to_an_indicator(page, site):
    page.goto(site.index.as_uri())
    page.get_by_role("link", name="Every local authority").click()
    assert page.locator("h1").inner_text() == "Local authorities"
    page.get_by_role("link", name="Darlington", exact=True).click()
    assert page.locator("h1").inner_text() == "Darlington"
    page.locator("#comparison-chart summary").click()
    page.locator("#comparison-chart table").get_by_role(
        "link", name="Agency children's social worker rate").click()
    assert page.locator("h1").inner_text() == "Agency children's social worker rate"
    page.get_by_role("link", name="Indicators", exact=True).first.click()
    assert page.locator("h1").inner_text() == "Indicators"


def test_static_csv_download_reads_back(page, site, store_path, report_data):
    page.goto((site.index.parent / "indicators" / "cin-rereferrals-12m.html").as_uri())
    page.locator("#distribution-chart summary").click()
    with page.expect_download() as caught:
        page.locator("#distribution-chart").get_by_role(
            "link", name="Download this table as CSV").click()
    frame = pd.read_csv(caught.value.path())
    lib = values(["cin-rereferrals-12m"], [report_data.year], store=store_path)
    lib = lib[lib.status == "value"].set_index("la_code").value
    got = frame.set_index("ONS code")["Value (percent)"].dropna()
    assert len(got) == len(lib.reindex(report_data.authorities.index).dropna())
    assert (got - lib.reindex(got.index)).abs().max() < 1e-9


def test_the_authority_list_filters_as_you_type(page, site):
    page.goto((site.index.parent / "authorities" / "index.html").as_uri())
    page.get_by_label("Show only authorities whose name or code contains").fill("durh")
    assert page.locator("#authorities tbody tr:visible").count() == 1
    assert page.locator("#filter-count").inner_text().startswith("1 of ")


def test_keyboard_skip_link_and_focus(page, site):
    page.goto(site.index.as_uri())
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # on to the first control in the main content
    assert page.evaluate("document.activeElement.closest('main') !== null")


@pytest.mark.parametrize("path", ["index.html", "authorities/E06000001.html",
                                  "indicators/cla-missing.html"])
def test_usable_at_400_percent_zoom(page, site, path):
    """A 1280-pixel window at 400% zoom is 320 CSS pixels wide: nothing but a table or a
    chart may scroll sideways, and the small multiples fall into one column."""
    page.set_viewport_size({"width": 320, "height": 800})
    open_drawn(page, (site.index.parent / path).as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    if "authorities" in path:
        widths = page.evaluate("Array.from(document.querySelectorAll('.chart-canvas svg'))"
                               ".map(s => s.getBoundingClientRect().width)")
        assert max(widths) <= 320


def test_served_search_and_authority(page, served):
    base, _ = served
    open_drawn(page, base)
    page.get_by_label("Search authorities and indicators").fill("durham")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=durham")
    page.get_by_role("link", name="County Durham").click()
    open_drawn(page, page.url)
    assert page.locator("h1").inner_text() == "County Durham"


def test_served_comparison_and_its_csv(page, served, store_path):
    base, _ = served
    page.goto(base + "compare")
    page.get_by_label("Choose from the list").select_option(["E06000001", "E06000005"])
    page.get_by_label("Or type names or codes, separated by commas").fill("Durham")
    page.get_by_label("Indicators", exact=True).select_option(["cla-missing",
                                                               "csww-agency-rate"])
    page.get_by_label("Years (none chosen: every year)").select_option(["2022", "2023",
                                                                        "2024"])
    page.get_by_role("button", name="Compare").click()
    open_drawn(page, page.url)
    assert marks(page, "comparison-chart") == 2 * 3 * 4  # indicators x years x areas
    with page.expect_download() as caught:
        page.get_by_role("link", name="Download this table as CSV").click()
    frame = pd.read_csv(caught.value.path())
    assert set(frame["ONS code"]) == {"E06000001", "E06000005", "E06000047", "E92000001"}
    lib = values(["csww-agency-rate"], [2023], store=store_path, areas=True)
    row = frame[(frame["ONS code"] == "E06000047")
                & (frame.Indicator == "Agency children's social worker rate")].iloc[0]
    assert row["2023"] == pytest.approx(lib.set_index("la_code").value["E06000047"])
    shown = parse(page.content()).tables["comparison"]
    assert number(shown.records()[0]["2024"]) == pytest.approx(
        frame.iloc[0]["2024"], abs=0.051)


def test_served_404_helps(page, served):
    base, _ = served
    response = page.goto(base + "authorities/Hartlepol.html")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    page.get_by_role("link", name="Hartlepool (E06000001)").click()
    assert page.locator("h1").inner_text() == "Hartlepool"


def test_static_404_page(page, site):
    page.goto((site.index.parent / "404.html").as_uri())
    assert page.locator("h1").inner_text() == "Page not found"
    page.get_by_role("link", name="indicator", exact=True).click()
    assert page.locator("h1").inner_text() == "Indicators"


def test_a_request_off_the_machine_is_caught(browser, site):
    """The guard the other tests rely on: a page that asks for an outside address gets
    nothing, and the request is on the record."""
    context = browser.new_context()
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    local = site.index.parent.as_uri()
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(local)
                  else route.abort())
    tab = context.new_page()
    tab.goto(site.index.as_uri())
    status = tab.evaluate("fetch('https://example.org/x').then(r => r.status, e => 'blocked')")
    context.close()
    assert status == "blocked"
    assert "https://example.org/x" in requests


def test_text_alternatives_are_read_from_the_charts(page, site):
    page.goto((site.index.parent / "authorities" / "E06000001.html").as_uri())
    for figure in ("comparison-chart", "trends-chart", "inspections-chart"):
        canvas = page.locator(f"#{figure} [role=img]")
        assert canvas.get_attribute("aria-label")
        described = canvas.get_attribute("aria-describedby")
        assert len(page.locator(f"#{described}").inner_text()) > 40


def test_served_pages_use_no_inline_script(page, served):
    """The served pages keep to their Content-Security-Policy (no inline script runs; the
    charts still draw)."""
    base, _ = served
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    open_drawn(page, base + "indicators/cla-missing.html")
    assert not [m for m in messages if "Content Security Policy" in m]
