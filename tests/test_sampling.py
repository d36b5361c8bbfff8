"""Sampling for research: matching honours its caliper and seed, a hand-made distance
case gives the hand-made pairs, balance (SMD) by hand, stratified samples honour their
strata and seed, and the real improvers and stuck come from authority_summary."""

import json

import numpy as np
import pandas as pd
import pytest

from csc_outcomes.analysis import sampling as sm
from csc_outcomes.analysis.alike import context_for
from csc_outcomes.analysis.alike_sample import groups, sample_report
from csc_outcomes.analysis.neighbours import DEFAULT_WEIGHTS, distance_matrix
from csc_outcomes.analysis.transitions import authority_summary, histories
from csc_outcomes.indicators import load_registry

REGISTRY = load_registry()


def hand_distances():
    """A hand-made distance case (synthetic: small enough to match by hand)."""
    codes = ["T1", "T2", "T3", "C1", "C2", "C3"]
    m = np.full((6, 6), 9.0)
    for a, b, v in [("T1", "C1", 0.2), ("T1", "C2", 0.1), ("T2", "C2", 0.15),
                    ("T2", "C3", 0.4), ("T3", "C3", 0.7), ("T3", "C1", 0.3)]:
        m[codes.index(a), codes.index(b)] = m[codes.index(b), codes.index(a)] = v
    np.fill_diagonal(m, 0.0)
    return pd.DataFrame(m, index=codes, columns=codes)


def test_closest_first_matching_by_hand():
    d = hand_distances()
    pairs, unmatched = sm.matched_pairs(["T1", "T2", "T3"], ["C1", "C2", "C3"], d, n=3,
                                        caliper=0.5, order="closest")
    # by hand: T1-C2 (0.1) first; then T2's nearest free is C3 (0.4) but T3-C1 (0.3) is
    # closer, so T3-C1, then T2-C3 (0.4)
    assert list(zip(pairs.treated_code, pairs.control_code)) == [
        ("T1", "C2"), ("T3", "C1"), ("T2", "C3")]
    assert pairs.distance.tolist() == pytest.approx([0.1, 0.3, 0.4])
    assert unmatched.empty


def test_the_caliper_is_honoured_and_the_reason_given():
    d = hand_distances()
    pairs, unmatched = sm.matched_pairs(["T1", "T2", "T3"], ["C1", "C2", "C3"], d, n=3,
                                        caliper=0.25, order="closest")
    assert (pairs.distance <= 0.25).all()
    assert list(zip(pairs.treated_code, pairs.control_code)) == [("T1", "C2")]
    reasons = dict(zip(unmatched.treated_code, unmatched.reason))
    assert reasons["T2"] == "every comparator within the caliper 0.25 was already taken"
    assert reasons["T3"] == "no comparator within the caliper 0.25 (nearest: C1 at 0.30)"


def test_random_order_follows_the_seed():
    d = hand_distances()
    order = list(np.random.default_rng(11).permutation(np.array(["T1", "T2", "T3"],
                                                               dtype=object)))
    pairs, _ = sm.matched_pairs(["T3", "T1", "T2"], ["C1", "C2", "C3"], d, n=1,
                                caliper=1.0, seed=11)
    assert pairs.treated_code.tolist() == order[:1]


def test_bad_matching_arguments():
    d = hand_distances()
    with pytest.raises(ValueError, match="both groups"):
        sm.matched_pairs(["T1"], ["T1"], d, n=1, caliper=1)
    with pytest.raises(ValueError, match="caliper"):
        sm.matched_pairs(["T1"], ["C1"], d, n=1, caliper=0)
    with pytest.raises(ValueError, match="order"):
        sm.matched_pairs(["T1"], ["C1"], d, n=1, caliper=1, order="best")


def test_smd_and_balance_by_hand():
    ctx = pd.DataFrame({"x": [1.0, 2, 3, 4, 6, 8], "kind": list("aabbab")},
                       index=["T1", "T2", "T3", "C1", "C2", "C3"])
    bal = sm.balance(ctx, ["T1", "T2", "T3"], ["C1", "C2", "C3"])
    x = bal[bal.variable == "x"].iloc[0]
    # treated 1, 2, 3: mean 2, var 1; control 4, 6, 8: mean 6, var 4
    assert x.smd == pytest.approx((2 - 6) / np.sqrt((1 + 4) / 2))
    a = bal[(bal.variable == "kind") & (bal.level == "a")].iloc[0]
    pt, pc = 2 / 3, 1 / 3
    assert (a.mean_treated, a.mean_control) == pytest.approx((pt, pc))
    assert a.smd == pytest.approx((pt - pc) / np.sqrt((pt * (1 - pt) + pc * (1 - pc)) / 2))


def test_allocation_by_largest_remainder():
    sizes = pd.Series({"a": 10, "b": 7, "c": 3})
    # quotas 5, 3.5, 1.5 for n = 10: floors 5, 3, 1; the one left goes to b (ties: first)
    assert sm.allocate(sizes, 10).to_dict() == {"a": 5, "b": 4, "c": 1}
    assert sm.allocate(sizes, 20).to_dict() == sizes.to_dict()
    with pytest.raises(ValueError):
        sm.allocate(sizes, 21)


def test_stratified_sample_honours_strata_and_seed():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"type": rng.choice(["1", "2", "3"], 120),
                          "region": rng.choice(["N", "S"], 120)},
                         index=[f"L{i:03d}" for i in range(120)])
    frame.iloc[0, 0] = None  # no type: cannot be placed
    got = sm.stratified(frame, ["type", "region"], 15, seed=3)
    key = frame.dropna().astype(str).agg(" | ".join, axis=1)
    quota = sm.allocate(key.value_counts().sort_index(), 15)
    assert got.groupby("stratum").size().to_dict() == {k: v for k, v in quota.items() if v}
    assert all(key[la] == s for la, s in zip(got.la_code, got.stratum))
    assert "L000" not in set(got.la_code) and got.la_code.is_unique
    again = sm.stratified(frame, ["type", "region"], 15, seed=3)
    other = sm.stratified(frame, ["type", "region"], 15, seed=4)
    pd.testing.assert_frame_equal(got, again)
    assert set(other.la_code) != set(got.la_code)


@pytest.fixture(scope="module")
def matched(store_path):
    return sample_report(store_path, n=10, year=2024, caliper=0.5, seed=2016)


def test_real_matched_sample_honours_caliper_groups_and_seed(matched, store_path, store):
    s = matched.tables["sample"]
    assert len(s) == 20 and s.la_code.is_unique
    assert (s.distance <= 0.5).all()
    summary = authority_summary(histories(store.table("inspection"),
                                          store.table("la"))).set_index("la_code")
    improvers = s[s.role == "improver"].la_code
    stuck = s[s.role == "stuck"].la_code
    assert summary.loc[improvers, "improver"].all() and summary.loc[stuck, "stuck"].all()
    # the pair's distance is the context distance recomputed independently of the report
    ctx = context_for(store_path, 2024, DEFAULT_WEIGHTS, REGISTRY)
    d = distance_matrix(ctx)
    for r in s[s.role == "improver"].itertuples():
        assert r.distance == pytest.approx(d.at[r.la_code, r.matched_with])
    again = sample_report(store_path, n=10, year=2024, caliper=0.5, seed=2016)
    pd.testing.assert_frame_equal(again.tables["sample"], s)
    other = sample_report(store_path, n=10, year=2024, caliper=0.5, seed=1)
    assert set(other.tables["sample"].la_code) != set(s.la_code)
    json.dumps(matched.to_dict(), allow_nan=False)


def test_real_balance_is_the_smd_of_the_chosen(matched, store_path):
    s = matched.tables["sample"]
    bal = matched.tables["balance"].set_index(["stage", "variable"])
    imd = s.set_index("role")["imd-average-score"]
    ref = sm.smd(imd.loc["improver"], imd.loc["stuck"])
    assert bal.loc[("matched", "imd-average-score"), "smd"] == pytest.approx(ref)
    pop = np.log(s.set_index("role")["child-population"])
    t, c = pop.loc["improver"], pop.loc["stuck"]
    by_hand = (t.mean() - c.mean()) / np.sqrt((t.var() + c.var()) / 2)
    assert bal.loc[("matched", "child-population"), "smd"] == pytest.approx(by_hand)
    g = groups(store_path, 2024)
    assert bal.loc[("all", "child-population"), "n_treated"] == (g.group == "improver").sum()


def test_real_stratified_sample_by_region_and_type(store_path):
    f = sample_report(store_path, n=12, design="stratified", year=2024,
                      strata=("region", "authority_type"), seed=5)
    s = f.tables["sample"]
    assert len(s) == 12
    assert all(st == f"{r} | {t}" for st, r, t in zip(s.stratum, s.region, s.authority_type))
    assert f.tables["balance"].stage.eq("sample vs all").all()


def test_real_stratified_sample_by_type_says_what_the_types_are_worth(store_path):
    f = sample_report(store_path, n=10, design="stratified", year=2024, seed=2,
                      typology_options={"draws": 5, "null_draws": 3, "to_year": 2024})
    s = f.tables["sample"]
    assert all(st == f"{t} | {r}" for st, t, r in zip(s.stratum, s.type, s.region))
    verdict = f.parameters["typology"]["verdict"]
    line = [v for v in f.verdict + f.notes if v.startswith("Types from the typology")]
    assert line and f"verdict '{verdict}'" in line[0]
    if verdict != "real":
        assert "only a convenience" in " ".join(f.verdict)
