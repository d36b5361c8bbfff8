"""How much the replication's answers move under each alternative choice, one at a time."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from ..errors import AnalysisError
from ..indicators import load_registry
from ..indicators.registry import Registry
from .compare import against_published
from .replicate import STUDY_WINDOW, STUDY_YEAR, Choices, replicate

#: The study's Table A2a is reproduced digit for digit on 10 of its 12 printed rows only if
#: Kingston upon Thames counts as Inadequate; Ofsted's first SIF of it (published 3 August
#: 2015) is Good, and its 2013 child protection inspection was Inadequate. Never a default:
#: ``search.search`` finds it from the data, and a test checks that it still does.
STUDY_RATINGS = (("E09000021", "Inadequate"),)

#: The alternatives --sensitivity tries, one at a time: (name, what changes, overrides).
ALTERNATIVES = [
    ("source-underlying", "child outcomes from DfE's underlying data (ratios of unrounded "
     "counts), not the LA tables", {"source": "underlying"}),
    ("basis-fte", "workforce #12-14 on an FTE basis", {"workforce_basis": "fte"}),
    ("suppressed-missing", "a suppressed part of a ratio makes the value missing",
     {"suppressed": "missing"}),
    ("ofsted-inspected", "the window applies to the inspection date, not publication",
     {"ofsted_date": "inspected"}),
    ("study-ratings", "Kingston upon Thames rated Inadequate, as the study's Table A2a "
     "implies (Ofsted: Good)", {"recodes": STUDY_RATINGS}),
    ("window-mar-2016", "first SIF published by 31 Mar 2016", {"published_to": STUDY_WINDOW[1]}),
    ("window-feb-2016", "first SIF published by 15 Feb 2016", {"published_to": date(2016, 2, 15)}),
    ("window-dec-2016", "first SIF published by 31 Dec 2016", {"published_to": date(2016, 12, 31)}),
    ("all-first-sif", "every first SIF (to Dec 2017)", {"published_to": None}),
    ("k-ceil", "10% rounded up", {"k_rule": "ceil"}),
    ("base-with-data", "10% of authorities with a value, not of all", {"base": "with-data"}),
    ("ties-include", "every authority tied at the cut-off is in", {"ties": "include"}),
    ("ties-exclude", "ties at the cut-off left out", {"ties": "exclude"}),
    ("percentile", "cut at the 10th/90th percentile instead of by rank", {"method": "percentile"}),
    ("contested-flip", "missing, away and other contested indicators ranked the other way",
     {"contested": "flip"}),
    ("contested-exclude", "contested indicators left out of phase one", {"contested": "exclude"}),
    ("with-workforce", "the 3 workforce indicators in phase one too",
     {"phase1_kinds": ("child-outcome", "workforce")}),
    ("coding-reversed", "rating coded 1 = Inadequate ... 4 = Outstanding", {"coding": "inadequate-1"}),
    ("inspected-only", "phase one over inspected authorities only", {"universe": "inspected"}),
]
_STUDY_ONLY = ("window", "all-first", "study-ratings")


def sensitivity(choices: Choices | None = None, *, store: str | Path | None = None,
                registry: Registry | None = None) -> dict:
    """Rerun both phases under each alternative choice; summarise how the answers move.

    An alternative the data cannot support (e.g. an inspection-date window where the
    releases give no inspection dates) is a row with its ``error`` and no figures.

    Returns
    -------
    dict with ``default`` (the replicate() result), ``variants`` (one summary row per
    alternative: what changed, phase-one maxima and overlap of the named authorities with
    the default's, phase-two count of p < 0.05 and largest |r|, for 2015 the fit to the
    published tables (fit_rows_exact, fit_rows_n_match, fit_sum_abs_dr, fit_l1), error)
    and ``phase2_r``
    ({variant: {indicator: r}}) and ``phase2_n``.
    """
    choices = choices or Choices()
    registry = registry or load_registry()
    cache: dict = {}
    base = replicate(choices, store=store, registry=registry, cache=cache)
    rows, r_table, n_table = [_summary("default", "the defaults above", base, base)], {}, {}
    r_table["default"] = {p["indicator"]: p["r"] for p in base["phase2"]}
    n_table["default"] = {p["indicator"]: p["n"] for p in base["phase2"]}
    for name, what, overrides in ALTERNATIVES:
        if choices.year != STUDY_YEAR and name.startswith(_STUDY_ONLY):
            continue
        try:
            variant = replicate(replace(choices, **overrides), store=store, registry=registry,
                                cache=cache)
        except AnalysisError as exc:
            rows.append({"variant": name, "change": what, "error": str(exc)})
            continue
        rows.append(_summary(name, what, variant, base))
        r_table[name] = {p["indicator"]: p["r"] for p in variant["phase2"]}
        n_table[name] = {p["indicator"]: p["n"] for p in variant["phase2"]}
    return {"default": base, "variants": rows, "phase2_r": r_table, "phase2_n": n_table}


def _summary(name: str, what: str, result: dict, base: dict) -> dict:
    out = {"variant": name, "change": what, "inspected": result["inspected"]}
    for side in ("best", "worst"):
        dist = {int(k): v for k, v in result["phase1"][side]["distribution"].items()}
        named_now = {r["la_code"] for r in result["phase1"][side]["named"]}
        named_base = {r["la_code"] for r in base["phase1"][side]["named"]}
        union = named_now | named_base
        out[f"{side}_max"] = max(dist)
        out[f"{side}_any"] = sum(v for k, v in dist.items() if k >= 1)
        out[f"{side}_named_overlap"] = round(len(named_now & named_base) / len(union), 2) \
            if union else 1.0
    ps = [p for p in result["phase2"] if p["p"] is not None]
    out["phase2_significant"] = sum(p["p"] < 0.05 for p in ps)
    out["phase2_max_abs_r"] = round(max((abs(p["r"]) for p in ps), default=0), 3)
    if result["year"] == STUDY_YEAR and result["choices"]["indicator_set"] == "study-2016":
        fit = against_published(result).summary
        out.update(fit_rows_exact=fit["rows_exact"], fit_rows_n_match=fit["rows_n_match"],
                   fit_sum_abs_dr=fit["sum_abs_dr"], fit_l1=fit["l1_table1"] + fit["l1_table3"])
    out["error"] = None
    return out
