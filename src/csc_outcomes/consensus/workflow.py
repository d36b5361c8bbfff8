"""The Delphi steps on files, one function per ``csc-outcomes consensus`` command: each
reads the round files, calls the scoring API and writes or returns plain data.

A round's responses are checked against the survey they answer: its ``items.csv``, found
beside the responses unless a survey file is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import ATTRIBUTION
from ..errors import DataError
from ..indicators.registry import Registry, env_dirs
from .agreed import read_record, write_set
from .forms import read_panel, write_next_round, write_round_one
from .items import build_survey, read_outcomes, read_survey
from .nextround import next_round
from .report import process_report, render
from .rounds import Round, read_round
from .scoring import COMET_RULE, Rule, Scores, score
from .simulate import DEFAULT_GROUPS, DEFAULT_SEED, simulate_responses, simulated_panel
from .stability import Comparison, compare


def survey_path(round_file: Path, survey: Path | None = None) -> Path:
    """The survey a round answers: ``survey`` if given, else items.csv beside the round."""
    path = Path(survey) if survey else Path(round_file).parent / "items.csv"
    if not path.is_file():
        raise DataError(f"no survey at {path}: pass --survey with the items.csv that "
                        f"{Path(round_file).name} answers")
    return path


def load_round(round_file: Path, survey: Path | None = None) -> Round:
    """Read a round file and the survey it answers."""
    return read_round(Path(round_file), read_survey(survey_path(round_file, survey)))


def make_survey(out_dir: Path, registry: Registry, ids=None, *, set_name=None, gaps=(),
                outcomes_file=None, panel_file=None, store=None, title=None) -> dict:
    """``consensus survey``: write round 1 (items.csv, survey.json, round-1.csv, form.html)."""
    outcomes = read_outcomes(Path(outcomes_file)) if outcomes_file else []
    panel = read_panel(Path(panel_file)) if panel_file else None
    survey = build_survey(registry, list(ids or []) or None, set_name=set_name,
                          outcomes=outcomes, gaps=list(gaps), store=store, title=title)
    files = write_round_one(survey, Path(out_dir), panel)
    return {"round": 1, "items": [i.row() for i in survey.items],
            "panellists": 0 if panel is None else len(panel),
            "files": [str(f) for f in files], "attribution": ATTRIBUTION}


@dataclass
class Scored:
    """One scored round, and its comparison with the previous round when given."""

    round: Round
    scores: Scores
    previous: Round | None = None
    previous_scores: Scores | None = None
    comparison: Comparison | None = None

    def as_dict(self) -> dict:
        return {"scores": self.scores.as_dict(),
                "comparison": self.comparison.as_dict() if self.comparison else None,
                "attribution": ATTRIBUTION}


def score_files(round_file: Path, *, survey=None, previous=None, previous_survey=None,
                rule: Rule = COMET_RULE, min_answered: float = 0.5,
                max_band_change: float = 0.15) -> Scored:
    """``consensus score``: score a round and, with ``previous``, compare it with that
    round (stability and attrition)."""
    rnd = load_round(round_file, survey)
    scores = score(rnd, rule, min_answered)
    if previous is None:
        return Scored(rnd, scores)
    before = load_round(previous, previous_survey)
    before_scores = score(before, rule, min_answered)
    return Scored(rnd, scores, before, before_scores,
                  compare(before, rnd, before_scores, scores, max_band_change))


def next_files(round_file: Path, out_dir: Path, *, survey=None, rule: Rule = COMET_RULE,
               min_answered: float = 0.5, carry: str = "all") -> dict:
    """``consensus next``: write the next round's folder from a scored round."""
    rnd = load_round(round_file, survey)
    scores = score(rnd, rule, min_answered)
    nxt = next_round(rnd, scores, carry)
    files = write_next_round(nxt, Path(out_dir))
    return {"round": nxt.survey.round, "items": len(nxt.survey.items), "dropped": nxt.dropped,
            "invited": len(nxt.panel), "not_invited": [
                {"panellist_id": r.panellist_id, "reason": r.reason}
                for r in scores.panellists[~scores.panellists.included].itertuples()],
            "files": [str(f) for f in files]}


def default_set_folder() -> Path:
    """Where ``consensus set`` writes without ``--to``: the first CSC_OUTCOMES_INDICATORS
    folder."""
    dirs = env_dirs()
    if not dirs:
        raise DataError("say where to write the set: --to DIR (then pass --indicators DIR to "
                        "other commands, or set CSC_OUTCOMES_INDICATORS=DIR once)")
    return dirs[0]


def set_files(round_file: Path, name: str, registry: Registry, *, to=None, survey=None,
              rule: Rule = COMET_RULE, min_answered: float = 0.5, title=None,
              force: bool = False) -> dict:
    """``consensus set``: write the items agreed in a round as indicator set ``name``."""
    rnd = load_round(round_file, survey)
    folder = Path(to) if to else default_set_folder()
    result = write_set(score(rnd, rule, min_answered), rnd.survey, name, folder,
                       registry=registry, title=title, force=force)
    return result | {"folder": str(folder), "name": name}


def report_files(round_files: list[Path], *, surveys=(), rule: Rule = COMET_RULE,
                 min_answered: float = 0.5, max_band_change: float = 0.15,
                 set_name: str | None = None, registry: Registry | None = None) -> dict:
    """``consensus report``: the process report of rounds given in order."""
    if not round_files:
        raise ValueError("give at least one round file")
    if surveys and len(surveys) != len(round_files):
        raise ValueError("give one --survey per round file, or none")
    rounds = [load_round(f, surveys[k] if surveys else None) for k, f in enumerate(round_files)]
    scores = [score(r, rule, min_answered) for r in rounds]
    comps = [compare(a, b, sa, sb, max_band_change) for a, b, sa, sb in
             zip(rounds, rounds[1:], scores, scores[1:])]
    record = read_record(set_name, registry) if set_name and registry else None
    if set_name and record is None:
        raise DataError(f"no consensus record for set {set_name!r}: pass the --indicators "
                        "folder `consensus set` wrote it to")
    set_result = None if record is None else {
        "set_file": str(Path(record["file"]).parent.parent / "sets" / f"{set_name}.yaml"),
        "record_file": record["file"], "indicators": [i["id"] for i in record["indicators"]],
        "outcomes": [o["id"] for o in record["outcomes_without_indicator"]]}
    return process_report(rounds, scores, comps, set_result)


def write_report(report: dict, out_dir: Path) -> list[Path]:
    """Write report.md and report.html into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    md, html = out_dir / "report.md", out_dir / "report.html"
    md.write_text(render(report, "markdown"), encoding="utf-8")
    html.write_text(render(report, "html"), encoding="utf-8")
    return [md, html]


def simulate_file(template_file: Path, out_file: Path, *, planted_in=(), planted_out=(),
                  seed: int = DEFAULT_SEED, groups: int = len(DEFAULT_GROUPS),
                  per_group: int = 10, survey=None) -> dict:
    """``consensus simulate``: fill a round's response template with SYNTHETIC ratings.

    The panel is the template's rows, or (when the template has none) a simulated panel of
    ``per_group`` panellists in each of ``groups`` groups. For a later round, the
    feedback.csv and previous.csv beside the template are what the simulated panellists
    see.
    """
    template_file = Path(template_file)
    sv = read_survey(survey_path(template_file, survey))
    panel = pd.read_csv(template_file, dtype=str, keep_default_na=False)
    if panel.empty:
        if not 1 <= groups <= len(DEFAULT_GROUPS):
            raise ValueError(f"groups must be 1-{len(DEFAULT_GROUPS)}")
        panel = simulated_panel(DEFAULT_GROUPS[:groups], per_group)
    folder = template_file.parent
    feedback = previous = None
    if sv.round > 1:
        missing = [n for n in ("feedback.csv", "previous.csv") if not (folder / n).is_file()]
        if missing:
            raise DataError(f"{folder}: round {sv.round} needs {missing} beside the template "
                            "(written by `consensus next`)")
        feedback = pd.read_csv(folder / "feedback.csv")
        previous = pd.read_csv(folder / "previous.csv", dtype=str, keep_default_na=False)
    frame = simulate_responses(sv, panel[["panellist_id", "group"]], planted_in=planted_in,
                               planted_out=planted_out, feedback=feedback,
                               previous=previous, seed=seed)
    Path(out_file).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out_file, index=False)
    return {"file": str(out_file), "round": sv.round, "panellists": len(frame),
            "synthetic": True, "seed": seed}
