"""Cell parsing: numbers, documented symbols, and everything else reported, never zero."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csc_outcomes.data.cells import CONVENTIONS, STATUSES, parse_cells


@pytest.mark.parametrize("convention, text, status", [
    ("sfr", "x", "suppressed"), ("sfr", "..", "not_available"), ("sfr", ".", "not_applicable"),
    ("sfr", "-", "nil"), ("ees", "c", "suppressed"), ("ees", "x", "not_available"),
    ("ees", "z", "not_applicable"), ("ees", "k", "rounds_to_zero"), ("ees", "u", "low_reliability"),
    ("ees", "low", "rounds_to_zero"), ("lait", "-", "not_available"), ("sfr", " X ", "suppressed"),
])
def test_symbols_map_to_statuses_and_never_to_zero(convention, text, status):
    p = parse_cells(pd.Series([text]), convention)
    assert p.status[0] == status
    assert np.isnan(p.value[0])
    assert p.code[0] == text.strip()
    assert not p.bad[0]


@pytest.mark.parametrize("text, value", [("12", 12.0), ("1,200", 1200.0), (" 3.5 ", 3.5),
                                         ("-4", -4.0), ("0", 0.0), ("1e3", 1000.0)])
def test_numbers(text, value):
    p = parse_cells(pd.Series([text]), "sfr")
    assert p.status[0] == "value" and p.value[0] == value and p.code[0] is None


@pytest.mark.parametrize("text", ["#VALUE!", "n/a", "inf", "c", "twelve"])
def test_unknown_text_is_bad_in_sfr(text):
    p = parse_cells(pd.Series([text]), "sfr")
    assert p.bad[0] and p.status[0] is None and np.isnan(p.value[0])


def test_every_convention_maps_to_known_statuses():
    for codes in CONVENTIONS.values():
        assert set(codes.values()) <= set(STATUSES)


@given(st.lists(st.one_of(st.integers(-10**6, 10**6).map(str), st.sampled_from(["x", "..", ".", "-", "", "c", "#N/A"])), max_size=50))
def test_each_cell_is_exactly_one_of_value_special_or_bad(cells):
    p = parse_cells(pd.Series(cells, dtype=object), "sfr")
    is_value = p.status == "value"
    special = np.array([s not in (None, "value") for s in p.status])
    assert (is_value.astype(int) + special.astype(int) + p.bad.astype(int) == 1).all()
    # numbers round-trip; specials carry no number
    for text, v, s in zip(cells, p.value, p.status):
        if s == "value":
            assert v == float(text)
        else:
            assert np.isnan(v)
