"""Consensus: a Delphi process from survey to indicator set.

A panel of stakeholder groups rates candidate indicators and outcomes on a 1-9 scale over
rounds; each round is scored (medians, shares, the RAND/UCLA disagreement index, a
consensus rule and between-group tests), fed back, compared with the last (stability and
attrition) and, at the end, the agreed items become an indicator set that every analysis
can use.
"""

from .forms import read_panel, render_form, template, write_next_round, write_round_one
from .items import Item, Survey, build_survey, read_outcomes, read_survey
from .nextround import NextRound, next_round
from .rounds import Round, read_round
from .scoring import Rule, Scores, score
from .stability import Comparison, compare

__all__ = ["Comparison", "Item", "NextRound", "Round", "Rule", "Scores", "Survey",
           "build_survey", "compare", "next_round", "read_outcomes", "read_panel",
           "read_round", "read_survey", "render_form", "score", "template",
           "write_next_round", "write_round_one"]
