"""Vega-Lite charts (written with Altair) and the text alternative and table of each.

Every chart kind is built once as a template whose data are named (``values``,
``reference``); a page fills the names with its own rows (:func:`chart`), so a site of
hundreds of pages builds each spec only once. Colours are the Okabe-Ito palette (safe for
the common colour-vision deficiencies) and never the only signal: series also differ in
shape, dash or label.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import altair as alt
import pandas as pd

from .tables import Table

#: Okabe & Ito (2008): distinguishable with any common colour-vision deficiency
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
             "#F0E442"]
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge",
          "stroke"]
ACCENT, GREY, DARK = "#0072B2", "#8a9094", "#0b0c0c"
FONT = "Arial, Helvetica, sans-serif"
CONFIG = {"font": FONT, "axis": {"labelFontSize": 12, "titleFontSize": 13, "labelColor": DARK,
                                 "titleColor": DARK},
          "header": {"labelFontSize": 12, "labelColor": DARK, "titleFontSize": 13},
          "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
          "view": {"stroke": "#b1b4b6"}}
#: the comparison series on an authority page, in the order drawn
SERIES = ["This authority", "Neighbours (mean)", "Region", "England"]
GRADES = ["Outstanding", "Good", "Requires improvement", "Inadequate"]


#: stands for the y axis title in a template; :func:`chart` puts the page's in its place
Y_TITLE = "__y_title__"


@dataclass
class Chart:
    """A chart as a page shows it: ``title`` (its accessible name), ``description`` (the
    text alternative: what it shows, in words), ``spec_json`` (the Vega-Lite spec with its
    data inline, as JSON) and ``table`` (the same numbers, a click away)."""

    id: str
    title: str
    description: str
    spec_json: str
    table: Table

    @property
    def spec(self) -> dict:
        return json.loads(self.spec_json)


def _rows_json(frame: pd.DataFrame) -> str:
    """Rows as JSON (NaN as null, which Vega-Lite leaves out)."""
    return frame.to_json(orient="records", date_format="iso", double_precision=6)


def chart(template: dict, values: pd.DataFrame, reference: pd.DataFrame | None = None,
          y_title: str = "", panels: list[str] | None = None) -> str:
    """A template's JSON with its named data (and y title) filled in, safe inside a
    ``<script>`` element. ``panels`` are the small multiples' titles, in ``order``: each
    row names its panel by number, so a title is written once, not once per row."""
    datasets = f'"values":{_rows_json(values)}'
    if reference is not None:
        datasets += f',"reference":{_rows_json(reference)}'
    text = _template_json(id(template), template)
    text = text.replace(json.dumps(Y_TITLE), json.dumps(y_title))
    extra = f',"params":[{{"name":"panels","value":{json.dumps(panels)}}}]' if panels else ""
    return (text[:-1] + extra + ',"datasets":{' + datasets + "}}").replace("</", "<\\/")


_JSON: dict[int, str] = {}


def _template_json(key: int, template: dict) -> str:
    if key not in _JSON:
        _JSON[key] = json.dumps(template, separators=(",", ":"))
    return _JSON[key]


def _spec(c) -> dict:
    spec = c.configure(**CONFIG).to_dict(validate=False)
    spec.pop("config", None)
    spec["config"] = {**CONFIG, "view": {**CONFIG["view"], "continuousWidth": 300,
                                         "continuousHeight": 240}}
    return spec


def _with_labels(spec: dict, room: int) -> dict:
    """Say how wide a small multiple's axis labels are (report.js fits the panels per row
    to the page with it)."""
    spec["usermeta"] = {"labels": room}
    return spec


def _named(name: str = "values"):
    return alt.Chart(alt.Data(name=name))


@cache
def ranked_template() -> dict:
    """Every authority's value, highest first, with England as a labelled rule."""
    points = _named().mark_circle(size=38, color=ACCENT, opacity=0.85).encode(
        x=alt.X("position:Q", title="Authorities, highest value first",
                axis=alt.Axis(labels=False, ticks=False, grid=False)),
        y=alt.Y("value:Q", title=Y_TITLE),
        tooltip=[alt.Tooltip("name:N", title="Authority"), alt.Tooltip("value:Q", format=",.1f"),
                 alt.Tooltip("position:Q", title="Rank")])
    rule = _named("reference").mark_rule(color=DARK, strokeDash=[6, 3], strokeWidth=2).encode(
        y="value:Q")
    label = _named("reference").mark_text(align="right", dy=-7, color=DARK, fontSize=12).encode(
        y="value:Q", x=alt.value("width"), text="label:N")
    return _spec(alt.layer(points, rule, label).properties(width="container", height=260))


@cache
def trend_template() -> dict:
    """England (black, thick, with points) and each region (grey lines) over the years;
    a dotted rule where a new definition version starts."""
    year = alt.X("period:O", title="Year", axis=alt.Axis(labelAngle=0))
    tip = [alt.Tooltip("name:N", title="Area"), alt.Tooltip("period:O", title="Year"),
           alt.Tooltip("value:Q", format=",.1f")]
    regions = _named().transform_filter("datum.level == 'region'").mark_line(
        color=GREY, strokeWidth=1.2, opacity=0.8).encode(
        x=year, y=alt.Y("value:Q", title=Y_TITLE), detail="name:N", tooltip=tip)
    england = _named().transform_filter("datum.level == 'national'").mark_line(
        color=DARK, strokeWidth=3, point=alt.OverlayMarkDef(color=DARK, size=50)).encode(
        x=year, y="value:Q", tooltip=tip)
    breaks = _named("reference").mark_rule(color=DARK, strokeDash=[2, 3]).encode(x="period:O")
    text = _named("reference").mark_text(align="right", dx=-3, dy=-4, fontSize=11).encode(
        x="period:O", y=alt.value(8), text="label:N")
    return _spec(alt.layer(regions, england, breaks, text).properties(width="container",
                                                                    height=260))


@cache
def reporting_template() -> dict:
    """Per year: authorities with a value (bars) and authorities that existed (diamonds)."""
    year = alt.X("period:O", title="Year", axis=alt.Axis(labelAngle=0))
    series = alt.Color("series:N", title=None, scale=alt.Scale(
        domain=["With a value", "Authorities"], range=[ACCENT, DARK]))
    bars = _named().transform_filter("datum.series == 'With a value'").mark_bar().encode(
        x=year, y=alt.Y("count:Q", title="Authorities"), color=series,
        tooltip=["period:O", "series:N", "count:Q"])
    points = _named().transform_filter("datum.series == 'Authorities'").mark_point(
        shape="diamond", filled=True, size=80).encode(x=year, y="count:Q", color=series,
                                                      tooltip=["period:O", "series:N",
                                                               "count:Q"])
    return _spec(alt.layer(bars, points).properties(width="container", height=200))


def wrap(text: str, width: int = 28) -> str:
    """Break a title into lines joined by ``|`` (the facet headers split on it)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "|".join([*lines, line])


def _header() -> alt.Header:
    """Small-multiple headers: the title of panel ``order`` (from the ``panels`` parameter
    :func:`chart` adds), one line per ``|``."""
    return alt.Header(title=None, labelExpr="split(panels[datum.value], '|')",
                      labelAlign="left", labelAnchor="start", labelFontWeight="bold",
                      labelLimit=0)


def _panels() -> alt.Facet:
    return alt.Facet("order:O", header=_header(), sort="ascending")


@cache
def multiples_template() -> dict:
    """Small multiples, one per indicator: the authority, its statistical neighbours'
    mean, its region and England as labelled bars (the authority's in colour)."""
    bars = alt.Chart().mark_bar(height=12).encode(
        x=alt.X("value:Q", title=None, axis=alt.Axis(tickCount=3, format="~s")),
        y=alt.Y("series:N", title=None, sort=SERIES),
        color=alt.Color("series:N", legend=None, scale=alt.Scale(
            domain=SERIES, range=[ACCENT, "#b1b4b6", "#b1b4b6", "#505a5f"])),
        tooltip=["series:N", alt.Tooltip("label:N", title="Value")])
    labels = alt.Chart().mark_text(align="left", dx=3, fontSize=11, color=DARK).encode(
        x="value:Q", y=alt.Y("series:N", sort=SERIES), text="label:N")
    layered = alt.layer(bars, labels).properties(width=150, height=alt.Step(16))
    facet = layered.facet(data=alt.Data(name="values"), facet=_panels(), columns=3)
    return _with_labels(_spec(facet.resolve_scale(x="independent")), 150)


@cache
def authority_trends_template() -> dict:
    """Small multiples over the years: the authority (solid, coloured, dots) against
    England (dashed, black)."""
    line = alt.Chart().mark_line(point=True).encode(
        x=alt.X("period:O", title=None, axis=alt.Axis(labelAngle=-90, labelFontSize=10)),
        y=alt.Y("value:Q", title=None, axis=alt.Axis(tickCount=3, format="~s")),
        color=alt.Color("series:N", title=None, scale=alt.Scale(
            domain=["This authority", "England"], range=[ACCENT, DARK])),
        strokeDash=alt.StrokeDash("series:N", title=None, scale=alt.Scale(
            domain=["This authority", "England"], range=[[1, 0], [5, 3]])),
        shape=alt.Shape("series:N", title=None, scale=alt.Scale(
            domain=["This authority", "England"], range=["circle", "square"])),
        tooltip=["series:N", "period:O", alt.Tooltip("value:Q", title="Value", format=",.1f")])
    facet = line.properties(width=150, height=90).facet(
        data=alt.Data(name="values"), facet=_panels(), columns=3)
    return _with_labels(_spec(facet.resolve_scale(y="independent", x="independent")), 60)


@cache
def inspections_template() -> dict:
    """Overall judgements over time: grade (Outstanding at the top) by publication date,
    shape by framework."""
    points = _named().mark_point(filled=True, size=120).encode(
        x=alt.X("published:T", title="Published",
                axis=alt.Axis(format="%Y", tickCount={"interval": "year", "step": 1}),
                scale=alt.Scale(padding=14)),
        y=alt.Y("overall:N", title=None, sort=GRADES, scale=alt.Scale(domain=GRADES)),
        shape=alt.Shape("framework:N", title="Framework"),
        color=alt.Color("framework:N", title="Framework",
                        scale=alt.Scale(range=OKABE_ITO)),
        tooltip=["framework:N", "inspection_type:N", alt.Tooltip("published:T"), "overall:N"])
    return _spec(points.properties(width="container", height=160))


@cache
def published_bins_template() -> dict:
    """Tables 1 and 3: authorities by the number of indicators placing them in the group,
    as printed and ours."""
    points = alt.Chart().mark_point(size=90, strokeWidth=2, opacity=1).encode(
        x=alt.X("indicators:O", title="Number of indicators", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("authorities:Q", title="Authorities"),
        tooltip=["side:N", "source:N", "indicators:O", "authorities:Q"],
        **_published_vs_ours())
    spec = _spec(points.properties(width=230, height=180).facet(
        data=alt.Data(name="values"), facet=alt.Facet(
            "side:N", title=None, header=alt.Header(labelFontWeight="bold", labelFontSize=13)),
        columns=2))
    return _with_labels(spec, 70)


def _published_vs_ours() -> dict:
    """Printed figures as open dark circles, ours as filled blue diamonds: shape, fill and
    colour all differ, and the legend shows each as drawn."""
    domain = ["Published (2016)", "This replication"]
    return dict(shape=alt.Shape("source:N", title=None, scale=alt.Scale(
                    domain=domain, range=["circle", "diamond"])),
                color=alt.Color("source:N", title=None, scale=alt.Scale(
                    domain=domain, range=[DARK, ACCENT])),
                fill=alt.Fill("source:N", title=None, scale=alt.Scale(
                    domain=domain, range=["#ffffff", ACCENT])))


@cache
def a2a_template() -> dict:
    """Table A2a: Multiple R per indicator, as printed and ours."""
    points = _named().mark_point(size=90, strokeWidth=2, opacity=1).encode(
        y=alt.Y("label:N", title=None, sort=alt.EncodingSortField("number"),
                axis=alt.Axis(labelLimit=420)),
        x=alt.X("multiple_r:Q", title="Multiple R (Ofsted rating on the indicator)",
                scale=alt.Scale(domain=[0, 0.6])),
        tooltip=["label:N", "source:N", alt.Tooltip("multiple_r:Q", format=".3f"),
                 alt.Tooltip("p:Q", format=".3f")], **_published_vs_ours())
    spec = _spec(points.properties(width="container", height=alt.Step(22)))
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return spec


@cache
def compare_template(points_only: bool) -> dict:
    """Chosen authorities on chosen indicators: one panel per indicator, one line of
    points per area, told apart by colour and shape (one legend shows both)."""
    x = alt.X("period:O", title=None, axis=alt.Axis(labelAngle=-90))
    y = alt.Y("value:Q", title=None, axis=alt.Axis(tickCount=4, format="~s"))
    color = alt.Color("name:N", title="Area", scale=alt.Scale(range=OKABE_ITO))
    points = alt.Chart().mark_point(filled=True, size=70, opacity=1).encode(
        x=x, y=y, color=color,
        shape=alt.Shape("name:N", title="Area", scale=alt.Scale(range=SHAPES)),
        tooltip=["name:N", "period:O", alt.Tooltip("label:N", title="Value")])
    layers = [points] if points_only else [
        # the lines' colour is a scale of its own (stroke) without a legend, so that the
        # points' colour and shape make one legend
        alt.Chart().mark_line().encode(x=x, y=y, stroke=alt.Stroke(
            "name:N", legend=None, scale=alt.Scale(range=OKABE_ITO))),
        points]
    facet = alt.layer(*layers).properties(width=220, height=140).facet(
        data=alt.Data(name="values"), facet=_panels(), columns=2)
    return _with_labels(_spec(facet.resolve_scale(y="independent")), 60)


#: the funnel analysis's assessments, drawn each with its own shape and colour
ASSESSMENTS = ["better (99.8%)", "better (95%)", "no different", "worse (95%)",
               "worse (99.8%)"]


@cache
def funnel_template() -> dict:
    """A funnel plot: values against denominators, the target as a solid line, the 95%
    (short dashes) and 99.8% (long dashes) limits; each authority's point shaped and
    coloured by the analysis's assessment."""
    x = alt.X("denominator:Q", title="Denominator (children)")
    points = _named().mark_point(size=60, filled=True, opacity=0.9).encode(
        x=x, y=alt.Y("value:Q", title=Y_TITLE),
        shape=alt.Shape("assessment:N", title="Against the target", scale=alt.Scale(
            domain=ASSESSMENTS, range=["triangle-up", "diamond", "circle", "square",
                                       "triangle-down"])),
        color=alt.Color("assessment:N", title="Against the target", scale=alt.Scale(
            domain=ASSESSMENTS, range=["#009E73", "#009E73", ACCENT, "#D55E00", "#D55E00"])),
        tooltip=[alt.Tooltip("name:N", title="Authority"), alt.Tooltip("value:Q", format=",.1f"),
                 alt.Tooltip("denominator:Q", format=",.0f"), "assessment:N"])
    limits = _named().transform_fold(
        ["lower_95", "upper_95", "lower_998", "upper_998"], as_=["limit", "bound"]).mark_line(
        color=DARK, strokeWidth=1.2).encode(
        x=x, y="bound:Q", detail="limit:N",
        strokeDash=alt.condition("indexof(datum.limit, '998') >= 0", alt.value([8, 4]),
                                 alt.value([3, 3])))
    target = _named().mark_line(color=DARK, strokeWidth=2).encode(x=x, y="target:Q")
    return _spec(alt.layer(limits, target, points).properties(width="container", height=300))
