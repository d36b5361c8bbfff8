"""The 10% rule on small hand-made cases with ties and gaps (synthetic by design:
the point is to see each rule's effect where it can be worked out by hand)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csc_outcomes.analysis.ranking import cut_size, distribution, extremes, named, recurrence

# 12 authorities: one without a value (a gap), ties at 2.0 and at 9.0
VALUES = pd.Series({"A": 1.0, "B": 2.0, "C": 2.0, "D": 3.0, "E": 4.0, "F": 5.0, "G": 6.0,
                    "H": 7.0, "I": 8.0, "J": 9.0, "K": 9.0, "L": np.nan})


def test_cut_size_rules():
    # 11 with data: 10% = 1.1
    assert (cut_size(11, 0.1, "round"), cut_size(11, 0.1, "ceil"), cut_size(11, 0.1, "floor")) == (1, 2, 1)
    assert cut_size(15, 0.1) == 2  # 1.5 rounds half up, not to even
    assert cut_size(25, 0.1) == 3  # 2.5 -> 3
    with pytest.raises(ValueError):
        cut_size(10, 0.1, "bankers")


def test_lower_is_better_with_gaps_and_ties():
    # k = round(0.2 * 11) = 2. Best (lowest): A=1, then B and C tie at 2.0 for second place.
    best, worst = extremes(VALUES, "lower", share=0.2)
    assert best == {"A", "B", "C"}  # ties included: the group grows to 3
    assert worst == {"J", "K"}  # highest two are the tied 9.0s
    best, worst = extremes(VALUES, "lower", share=0.2, ties="exclude")
    assert best == {"A"}  # the tie at 2.0 would overflow k = 2, so it is left out
    assert worst == {"J", "K"}  # the tie fits within k exactly
    assert "L" not in best | worst  # no value, never ranked


def test_higher_is_better_reverses_the_ends():
    best, worst = extremes(VALUES, "higher", share=0.2)
    assert best == {"J", "K"} and worst == {"A", "B", "C"}


def test_base_universe_takes_share_of_all_authorities():
    # 30% of 11 = 3.3 -> 3 = {A, B, C}; 30% of 12 = 3.6 -> 4 = {A, B, C, D}
    assert extremes(VALUES, "lower", share=0.3)[0] == {"A", "B", "C"}
    assert extremes(VALUES, "lower", share=0.3, base_n=12)[0] == {"A", "B", "C", "D"}


def test_percentile_method_by_hand():
    # numpy's linear 20th percentile of the 11 values [1,2,2,3,4,5,6,7,8,9,9] is 2.0
    # (position 0.2*10 = 2 -> the third value); lower is better, so best = values <= 2.0
    best, worst = extremes(VALUES, "lower", share=0.2, method="percentile")
    assert best == {"A", "B", "C"}
    # 80th percentile: position 8 -> 8.0; worst = values >= 8.0
    assert worst == {"I", "J", "K"}


def test_recurrence_distribution_and_named():
    groups = {"x": {"A", "B"}, "y": {"A"}, "z": {"A", "C"}}
    counts = recurrence(groups, ["A", "B", "C", "D"])
    assert counts.to_dict() == {"A": 3, "B": 1, "C": 1, "D": 0}
    dist = distribution(counts)
    assert dist.authorities.tolist() == [1, 2, 0, 1]  # every count from 0 to the max
    assert dist.percent.tolist() == [25.0, 50.0, 0.0, 25.0]
    assert named(counts, top=1).to_dict() == {"A": 3}
    assert set(named(counts, top=3).index) == {"A", "B", "C"}
    assert set(named(counts, top=2).index) == {"A"}  # the next level (2 more) would overflow


@given(st.lists(st.one_of(st.none(), st.integers(0, 20)), min_size=1, max_size=60),
       st.sampled_from(["higher", "lower"]), st.sampled_from(["include", "exclude"]))
def test_groups_respect_order_and_size(raw, direction, ties):
    s = pd.Series([np.nan if v is None else float(v) for v in raw],
                  index=[f"L{i}" for i in range(len(raw))])
    best, worst = extremes(s, direction, ties=ties)
    data = s.dropna()
    k = cut_size(len(data), 0.1)
    assert not (best | worst) - set(data.index)  # only authorities with values
    if ties == "exclude":
        assert len(best) <= k and len(worst) <= k
    if best and len(data.loc[list(best)].unique()) and set(data.index) - best:
        rest = data.drop(list(best))
        if direction == "higher":
            assert data.loc[list(best)].min() >= rest.max()
        else:
            assert data.loc[list(best)].max() <= rest.min()


def test_ties_broken_in_a_given_order():
    # k = round(0.2 * 11) = 2: A=1, then B and C tie at 2.0 for the second place
    best, worst = extremes(VALUES, "lower", share=0.2, ties="order")
    assert best == {"A", "B"}  # by code: B comes before C
    assert worst == {"J", "K"}  # the tie at 9.0 fits k exactly
    order = pd.Series({code: i for i, code in enumerate("CBAKJIHGFEDL")})
    best, worst = extremes(VALUES, "lower", share=0.2, ties="order", order=order)
    assert best == {"A", "C"}  # C now comes first
    # k = 1 at the worst end: J and K tie at 9.0, and K comes first in this order
    assert extremes(VALUES, "lower", share=0.1, ties="order", order=order)[1] == {"K"}
    with pytest.raises(ValueError, match="sort key"):
        extremes(VALUES, "lower", ties="order", order=order.drop("A"))
