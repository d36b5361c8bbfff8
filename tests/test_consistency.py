"""analyse consistency: the permutation null against exact enumeration, the correlations
against pandas, Kendall's W against its textbook formula, and the observed table against the
replication's phase one on the real 2015 releases."""

from itertools import combinations, product

import numpy as np
import pandas as pd
import pytest

from csc_outcomes.analysis.consistency import (
    consistency,
    indicator_correlations,
    kendall_w,
    null_counts,
    recurrence_null,
)
from csc_outcomes.analysis.findings import directions
from csc_outcomes.analysis.replicate import Choices, replicate
from csc_outcomes.analysis.tell import consistency_report, existing_values
from csc_outcomes.indicators import load_registry

# A synthetic table, because exact enumeration needs a tiny one: 6 authorities, 3
# indicators with different missing patterns and group sizes (one group of 2 from a tie).
MEMBER = np.array([[1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]], bool)
AVAILABLE = np.array([[1, 1, 1], [1, 1, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 1]], bool)


def _exact(member, available):
    """Every equally likely relabelling of each indicator among its available authorities."""
    choices = []
    for j in range(member.shape[1]):
        idx = np.flatnonzero(available[:, j])
        g = int(member[idx, j].sum())
        choices.append([set(c) for c in combinations(idx, g)])
    outcomes = []
    for combo in product(*choices):
        counts = np.zeros(member.shape[0], int)
        for chosen in combo:
            counts[list(chosen)] += 1
        outcomes.append(counts)
    return np.array(outcomes)


def test_permutation_p_values_match_exact_enumeration():
    exact = _exact(MEMBER, AVAILABLE)
    observed = MEMBER.sum(axis=1)
    dist, test = recurrence_null(pd.DataFrame(MEMBER), pd.DataFrame(AVAILABLE), draws=40_000,
                                 seed=7)
    draws = 40_000
    tol = lambda p: 4 * np.sqrt(p * (1 - p) / draws) + 2 / draws  # noqa: E731
    p_conc = np.mean((exact ** 2).sum(axis=1) >= (observed ** 2).sum())
    got = test.set_index("statistic").loc["concentration", "p"]
    assert abs(got - p_conc) < tol(p_conc)
    for k in range(1, observed.max() + 1):
        p_k = np.mean((exact >= k).sum(axis=1) >= (observed >= k).sum())
        assert abs(dist.loc[k, "p_at_least"] - p_k) < tol(p_k), k
        assert abs(dist.loc[k, "expected"] - np.mean((exact == k).sum(axis=1))) < 0.02


def test_null_keeps_missing_pattern_and_group_sizes():
    counts = null_counts(MEMBER, AVAILABLE, draws=500, seed=1)
    assert (counts.sum(axis=1) == MEMBER.sum()).all()
    assert counts.max() <= AVAILABLE.sum(axis=1).max()
    # authority 4 lacks indicator 0; it can only be drawn for indicators 1 and 2 (none of
    # whose groups it is in observed), so at most 2
    assert counts[:, 4].max() <= 2
    again = null_counts(MEMBER, AVAILABLE, draws=500, seed=1)
    assert (counts == again).all()


@pytest.fixture(scope="module")
def study_2015(store_path):
    registry = load_registry()
    ids = [i for i in registry.sets["study-2016"].indicators
           if registry.get(i).kind == "child-outcome"]
    vals = existing_values(ids, [2015], store_path, registry)
    return vals, directions(registry, ids), registry


def test_observed_table_is_the_replications_phase_one(store_path, study_2015):
    vals, dirs, _ = study_2015
    found = consistency(vals, dirs, draws=200)
    # the same reading as consistency's defaults: DfE's underlying data, ties all in
    rep = replicate(Choices(source="underlying", ties="include", suppressed="missing"),
                    store=store_path)
    for side in ("best", "worst"):
        mine = found.tables["distribution"].query("side == @side")
        theirs = {int(k): v for k, v in rep["phase1"][side]["distribution"].items()}
        assert dict(zip(mine.indicators, mine.observed)) == theirs
    assert found.verdict[0].startswith("2015, best 10%: the same authorities recur")
    assert len(found.verdict) == 3


def test_spearman_matrix_matches_pandas_with_pairwise_n(study_2015):
    vals, dirs, _ = study_2015
    table = vals[vals.status == "value"].pivot(index="la_code", columns="indicator",
                                               values="value")
    corr = indicator_correlations(table, dirs)
    expected = table.corr(method="spearman")
    for r in corr.itertuples():
        assert r.rho == pytest.approx(expected.loc[r.indicator_a, r.indicator_b], abs=1e-12)
        assert r.n == table[[r.indicator_a, r.indicator_b]].dropna().shape[0]
    assert len(corr) == 11 * 10 / 2


def test_kendall_w_matches_the_textbook_formula_with_ties(study_2015):
    vals, dirs, _ = study_2015
    table = vals[vals.status == "value"].pivot(index="la_code", columns="indicator",
                                               values="value")
    oriented = pd.DataFrame({i: table[i] * (1 if dirs[i] == "higher" else -1)
                             for i in table.columns if dirs[i]}).dropna()
    n, m = oriented.shape
    ranks = oriented.rank()  # each indicator ranks the authorities (ties averaged)
    s = ((ranks.sum(axis=1) - m * (n + 1) / 2) ** 2).sum()
    ties = sum(((c ** 3) - c).sum() for c in
               (oriented[col].value_counts().to_numpy() for col in oriented))
    w_hand = 12 * s / (m ** 2 * (n ** 3 - n) - m * ties)
    got = kendall_w(table, dirs).iloc[0]
    assert got.n_authorities == n and got.n_indicators == m
    assert got.w == pytest.approx(w_hand, rel=1e-9)


def test_report_runs_several_years_and_says_when_a_year_has_no_data(store_path):
    found = consistency_report([2015, 2024], draws=100, store=store_path)
    assert set(found.tables["test"].period) == {2015, 2024}
    assert found.parameters["seed"] == 2016
    assert any("near-duplicates" in n for n in found.notes)
    with pytest.raises(Exception, match="no data for 1990 .* the store holds years"):
        consistency_report([1990], draws=10, store=store_path)
