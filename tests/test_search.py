"""The forensic search: a planted answer on a synthetic case, then the real store."""

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from csc_outcomes.analysis.published import published
from csc_outcomes.analysis.ratings import CODINGS, GRADES
from csc_outcomes.analysis.regression import implied_n
from csc_outcomes.analysis.replicate import Choices
from csc_outcomes.analysis.search import rank_changes, rank_samples, search
from csc_outcomes.analysis.sensitivity import STUDY_RATINGS
from csc_outcomes.cli import cli


def _planted_case():
    """Synthetic by design (the real data hold no case whose answer is known): 60
    authorities with first-inspection dates and grades, four indicators with gaps, and a
    'printed' table made from the authorities inspected by a known cut-off with one
    planted recode."""
    rng = np.random.default_rng(2016)
    las = [f"S{i:03d}" for i in range(60)]
    start = date(2014, 2, 1)
    first = pd.DataFrame({
        "published": [start + timedelta(days=int(d)) for d in rng.choice(800, 60, replace=False)],
        "grade": rng.choice(GRADES, 60, p=[0.1, 0.4, 0.35, 0.15])}, index=las)
    first["rating"] = first.grade.map(CODINGS["outstanding-1"])
    latent = first.rating.to_numpy(float)
    x = pd.DataFrame({f"ind{i}": latent * w + rng.normal(size=60) for i, w in
                      enumerate((0.8, -0.5, 0.3, 0.0))}, index=las)
    x = x.mask(rng.random(x.shape) < 0.15)  # gaps, as suppression leaves them
    cutoff = sorted(first.published)[40]  # the 41 earliest inspected are the sample
    sample = first[first.published <= cutoff].copy()
    planted = sample[sample.grade == "Good"].index[3]
    sample.loc[planted, "rating"] = CODINGS["outstanding-1"]["Inadequate"]
    rows = []
    for ind in x:
        pairs = pd.DataFrame({"x": x[ind], "y": sample.rating}).dropna()
        fit = stats.linregress(pairs.x, pairs.y)
        r, p = round(abs(fit.rvalue), 9), round(fit.pvalue, 6)  # as the report prints them
        rows.append({"indicator": ind, "multiple_r": r, "significance_f": p,
                     "implied_n": implied_n(r, p), "n": len(pairs)})
    printed = pd.DataFrame(rows)
    noisy = x + rng.normal(scale=0.5, size=x.shape)  # a wrong data choice
    return first, x, noisy, printed, cutoff, planted


def test_search_ranks_the_planted_answer_first():
    first, x, noisy, printed, cutoff, planted = _planted_case()
    assert (printed.implied_n == printed.n).all()  # the printed pairs fix each n
    window = (date(2014, 1, 1), date(2016, 12, 31))
    samples = rank_samples({("right", "b", "s"): x, ("wrong", "b", "s"): noisy}, first,
                           printed, window)
    top = samples.iloc[0]
    assert top.source == "right" and top.cutoff_from <= cutoff <= top.cutoff_to
    assert top.n_rated == 41 and top.rows_n_match == 4
    # the right sample beats every other sample under the right data
    other = samples[(samples.source == "right") & (samples.cutoff_from != top.cutoff_from)]
    assert other.rows_n_match.max() < 4
    sample = first[first.published <= cutoff].grade
    changes = rank_changes(x, sample, first, printed)
    best, runner = changes.iloc[0], changes.iloc[1]
    assert (best.change, best.la_code, best.grade) == ("recode", planted, "Inadequate")
    assert best.rows_exact == 4 and best.sum_abs_dr < 1e-8
    assert runner.rows_exact < 4 and best.ahead_exact > 0
    assert changes.loc[changes.change == "none", "rows_exact"].item() < 4
    # every kind of change was tried: 41 drops, 3 recodes each, 19 additions, and none
    assert changes.change.value_counts().to_dict() == {"recode": 123, "drop": 41, "add": 19,
                                                       "none": 1}


@pytest.fixture(scope="module")
def found(store_path):
    return search(store_path)


def test_search_on_the_real_store_finds_the_sample_and_the_data_choices(found):
    top = found.samples.iloc[0]
    assert (top.n_rated, top.cutoff_from, top.cutoff_to) == (83, date(2016, 3, 11),
                                                             date(2016, 3, 28))
    assert top.rows_n_match == 12  # every printed row's n is its implied n
    other = found.samples[found.samples.n_rated != 83]
    assert other.rows_n_match.max() <= 1
    # the default choices are the ones the search supports
    defaults = Choices()
    for key, value in found.best.items():
        assert getattr(defaults, key) == value, key


def test_search_finds_the_recoded_rating_but_never_makes_it_a_default(found):
    best = found.changes.iloc[0]
    assert ((best.la_code, best.grade),) == STUDY_RATINGS
    assert best.official_grade == "Good" and best.rows_exact == 10
    runner = found.changes[found.changes.la_code != best.la_code].iloc[0]
    assert runner.rows_exact <= 4
    assert "published_to" in found.best and "recodes" not in found.best
    text = " ".join(c["finding"] + " " + c["evidence"] for c in found.conclusions)
    assert "Kingston upon Thames's rating differs from Ofsted's record: Inadequate (Ofsted: " \
        "Good); the study's Table A2a is reproduced only with this rating" in text
    assert best.implies.startswith("Kingston upon Thames's rating differs")
    assert found.samples.iloc[0].implies == ("the sample is the 83 authorities whose first SIF "
                                             "was published on or before 2016-03-11 (to "
                                             "2016-03-28)")
    assert "CPI (first) published 2013-07-12: Inadequate" in text


def test_search_phase_one_rules(found, store_path):
    from csc_outcomes.analysis.compare import against_published
    from csc_outcomes.analysis.replicate import replicate

    top = found.phase1.iloc[0]
    fit = against_published(replicate(store=store_path)).summary  # the same rule, run in full
    assert (top.l1_table1, top.l1_table3, top.named_table2, top.named_table4) == (
        fit["l1_table1"], fit["l1_table3"], fit["named_table2"], fit["named_table4"])
    assert (top.ties, top.base, top.contested) == ("order", "universe", "study")
    assert top.l1_table1 + top.l1_table3 <= 12
    include = found.phase1[found.phase1.ties == "include"]
    assert include.l1.min() > top.l1  # including every tie at the cut fits worse


def test_search_cli_json_is_strict_and_deterministic(store_path, found):
    result = CliRunner().invoke(cli, ["replicate", "--search", "--json", "--top", "5",
                                      "--store", str(store_path)])
    assert result.exit_code == 0, result.output

    def no_nan(token):
        raise ValueError(token)

    out = json.loads(result.output, parse_constant=no_nan)
    assert out == json.loads(json.dumps({**found.to_dict(top=5),
                                         "attribution": out["attribution"]}))
    assert len(out["samples"]) == 5 and out["conclusions"]
    assert published().reference.startswith("La Valle")
