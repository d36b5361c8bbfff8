"""A report of the Delphi process in the COS-STAR structure (Kirkham et al. 2016, PLoS
Med 13(10): e1002148): participants by group, rounds, attrition, items in and out per
round and the final set, as Markdown and as HTML.

The tool reports what the round files show. COS-STAR items it cannot know (protocol,
ethics, funding, conflicts of interest, conclusions) are listed for the study team to
write, never filled with invented text.
"""

from __future__ import annotations

from datetime import date

from .. import ATTRIBUTION, __version__
from .forms import environment
from .rounds import Round
from .scoring import IN, OUT, UNDECIDED, Scores, panel_summary, records
from .stability import Comparison

#: COS-STAR checklist items, and whether this report covers them.
COS_STAR = [
    ("1a", "Title", "study team"), ("1b", "Abstract", "summary below"),
    ("2a/2b", "Background and objectives", "study team"), ("3a-3c", "Scope", "study team"),
    ("4", "Protocol / registry entry", "study team"),
    ("5", "Participants: stakeholder groups", "Participants"),
    ("6a", "Information sources for the initial items", "Items at the start"),
    ("6b", "Items dropped or combined", "Items carried between rounds"),
    ("7", "Consensus process", "Rounds"), ("8", "Outcome scoring", "Scoring"),
    ("9a", "Consensus definition", "Scoring"), ("9b", "Inclusion procedure", "Rounds"),
    ("10", "Ethics and consent", "study team"), ("11", "Protocol deviations", "study team"),
    ("12", "Participants at every stage", "Participants, Attrition"),
    ("13a", "All items considered at the start", "Items at the start"),
    ("13b", "Items introduced or dropped", "Items carried between rounds"),
    ("14", "The final core set", "Final set"), ("15", "Limitations", "Limitations (facts)"),
    ("16", "Conclusions", "study team"), ("17", "Funding", "study team"),
    ("18", "Conflicts of interest", "study team"),
]


def process_report(rounds: list[Round], scores: list[Scores], comparisons: list[Comparison],
                   set_result: dict | None = None, title: str | None = None) -> dict:
    """The report as plain data (what ``consensus report --json`` prints).

    Parameters
    ----------
    rounds, scores : every round in order, and its scores.
    comparisons : each round against the one before (one fewer than rounds).
    set_result : what :func:`~csc_outcomes.consensus.agreed.write_set` returned, if the
        set was written.
    """
    if not rounds or len(rounds) != len(scores) or len(comparisons) != len(rounds) - 1:
        raise ValueError("give every round, its scores, and one comparison per later round")
    final = scores[-1]
    by_class = {c: [r for r in records(final.items) if r["classification"] == c]
                for c in (IN, OUT, UNDECIDED)}
    return {
        "title": title or rounds[0].survey.title, "generated": date.today().isoformat(),
        "version": __version__, "attribution": ATTRIBUTION, "rule": final.rule.describe(),
        "min_answered": final.min_answered, "cos_star": COS_STAR,
        "participants": [_participants(s) for s in scores],
        "participation": _participation(scores),
        "rounds": [_round(r, s) for r, s in zip(rounds, scores)],
        "carried": [_carried(a, b) for a, b in zip(rounds, rounds[1:])],
        "attrition": [_attrition(c, a, b) for c, a, b in zip(comparisons, scores, scores[1:])],
        "items_start": [{"id": i.id, "kind": i.kind, "title": i.title,
                         "national_data": i.national_data} for i in rounds[0].survey.items],
        "final": {"round": final.round, **{k.replace(" ", "_"): v for k, v in
                                           by_class.items()}},
        "stability": None if not comparisons else {
            "stable": int(comparisons[-1].items.stable.sum()),
            "n_items": len(comparisons[-1].items),
            "max_band_change": comparisons[-1].max_band_change},
        "set": set_result, "limitations": _limitations(scores, comparisons),
    }


def _participants(s: Scores) -> dict:
    panel = panel_summary(s.panellists)
    excluded = [{"panellist_id": r["panellist_id"], "group": r["group"], "reason": r["reason"]}
                for r in records(s.panellists) if not r["included"]]
    return {"round": s.round, **panel, "excluded": excluded}


def _participation(scores: list[Scores]) -> list[dict]:
    panels = [panel_summary(s.panellists)["groups"] for s in scores]
    groups = sorted({g for p in panels for g in p})
    rows = [{"group": g, "responded": [p.get(g, {}).get("panellists", 0) for p in panels],
             "scored": [p.get(g, {}).get("included", 0) for p in panels]} for g in groups]
    return rows + [{"group": "all", "responded": [sum(r["responded"][k] for r in rows)
                                                  for k in range(len(panels))],
                    "scored": [sum(r["scored"][k] for r in rows) for k in range(len(panels))]}]


def _round(rnd: Round, s: Scores) -> dict:
    cls = s.classification()
    return {"round": s.round, "file": rnd.file, "n_items": len(rnd.survey.items),
            "responded": len(rnd.panellists), "scored": len(s.included()),
            "in": sorted(k for k, v in cls.items() if v == IN),
            "out": sorted(k for k, v in cls.items() if v == OUT),
            "no_consensus": sorted(k for k, v in cls.items() if v == UNDECIDED),
            "disagreement": sorted(s.items.item_id[s.items.disagreement.fillna(False)
                                                   .astype(bool)]),
            "groups_differ": sorted(s.items.item_id[s.items.kw_p.astype(float) < 0.05])}


def _carried(a: Round, b: Round) -> dict:
    before, after = a.survey.ids(), b.survey.ids()
    return {"from": a.survey.round, "to": b.survey.round,
            "dropped": [i for i in before if i not in after],
            "added": [i for i in after if i not in before]}


def _attrition(c: Comparison, a: Scores, b: Scores) -> dict:
    differ = _leavers_differ(c)
    return {"from": a.round, "to": b.round, "groups": records(c.attrition), "left": c.left,
            "new": c.new, "leavers_differ": differ, "items_compared": len(c.leavers),
            "stable": int(c.items.stable.sum()), "n_items": len(c.items)}


def _limitations(scores: list[Scores], comparisons: list[Comparison]) -> list[str]:
    out = []
    first, last = scores[0], scores[-1]
    n0, n1 = len(first.included()), len(last.included())
    if n0:
        out.append(f"{n0 - n1} of {n0} panellists scored in round {first.round} were not "
                   f"scored in round {last.round} ({(n0 - n1) / n0:.0%} attrition).")
    for c, s in zip(comparisons, scores[1:]):
        differ = _leavers_differ(c)
        if differ:
            out.append(f"Those who left before round {s.round} had rated {len(differ)} of "
                       f"{len(c.leavers)} items differently from those who stayed "
                       f"(Mann-Whitney p < 0.05): {', '.join(differ)}.")
    small = [g for g, v in panel_summary(last.panellists)["groups"].items()
             if v["included"] < 5]
    if small:
        out.append(f"Groups with fewer than 5 scored panellists in the final round: "
                   f"{', '.join(small)}; their shares move in steps of 20% or more.")
    out.append("Shares are of panellists who gave a 1-9 rating; 'unable to score' and blank "
               "answers are counted separately. p-values are not adjusted for the number of "
               "items tested.")
    return out


def _leavers_differ(c: Comparison) -> list[str]:
    return [r["item_id"] for r in records(c.leavers) if r["p"] is not None and r["p"] < 0.05]


def render(report: dict, fmt: str = "markdown") -> str:
    """The report as Markdown (``fmt="markdown"``) or as an HTML page (``"html"``)."""
    if fmt not in ("markdown", "html"):
        raise ValueError("fmt is 'markdown' or 'html'")
    name = "report.md" if fmt == "markdown" else "report.html"
    return environment().get_template(name).render(r=report, title=report["title"])
