"""Tables for people (cli/render.py): formatting per column, identifiers broken only at
hyphens when a table is too wide, and a vertical layout that keeps them whole.

The frames here are small and written by hand: they test layout, not data.
"""

from __future__ import annotations

import io

import pandas as pd
from rich.console import Console

from csc_outcomes.cli.render import cell, header, people_table


def _text(table, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, force_terminal=False, color_system=None).print(table)
    return out.getvalue()


def test_cells_have_separators_fixed_decimals_and_blanks():
    assert cell(1234567) == "1,234,567"
    assert cell(12345.678, 1) == "12,345.7"
    assert cell(0.0004, 3) == "0.0004"  # not shown as 0.000
    assert cell(float("nan")) == ""
    assert cell(None) == ""
    assert cell(True) == "yes"
    assert header("multiple_r") == "Multiple R"
    assert header("best_named_overlap") == "Best named overlap"


def test_identifiers_break_at_hyphens_when_the_table_is_too_wide():
    frame = pd.DataFrame({"indicator": ["care-leavers-21-accommodation", "cla-missing"],
                          "n": [149, 152], "r": [0.1234, -0.3741]})
    text = _text(people_table(frame, width=40), 40)
    assert max(len(line) for line in text.splitlines()) <= 40
    assert "care-leavers-" in text and "accommodation" in text
    assert "care-leavers-21-accommodation" not in text  # broken, but only at a hyphen
    assert "accommoda\n" not in text and "accommo-" not in text


def test_the_vertical_layout_keeps_identifiers_whole():
    frame = pd.DataFrame({f"column_{i}": ["pupils-fsm-primary"] for i in range(8)})
    text = _text(people_table(frame, width=60), 60)
    # eight columns of 18 characters cannot sit side by side in 60: one block, each value whole
    assert text.count("pupils-fsm-primary") == 8
    assert "Column 0" in text and "Column 7" in text
    assert max(len(line) for line in text.splitlines()) <= 60


def test_a_column_with_no_value_is_left_out():
    frame = pd.DataFrame({"authority": ["Camden"], "empty": [float("nan")], "n": [3]})
    text = _text(people_table(frame, width=80), 80)
    assert "Empty" not in text and "Camden" in text


def test_years_have_no_thousands_separator_but_counts_do():
    """`analyse spending` had printed its years as "2,013"."""
    frame = pd.DataFrame({"period": [2013, 2025], "from year": [2012.0, float("nan")],
                          "Data year": [2024, 2024], "children": [2013, 45000],
                          "rank year": [1.5, 2.0]})
    text = _text(people_table(frame, width=100), 100)
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines()
             if line.startswith("│")]
    assert cells == [["2013", "2012", "2024", "2,013", "1.500"],
                     ["2025", "", "2024", "45,000", "2.000"]]  # 1.5 is no year


def test_a_table_that_fits_only_with_words_wrapped_is_not_cropped():
    """rich narrows only its widest columns; when that column cannot narrow (a 31-letter
    identifier) it printed the table wider than the terminal, cropped on the right
    (`analyse completeness` at 120 columns). The widths are now shared out here."""
    frame = pd.DataFrame({
        "measure": ["care-leaver-accommodation-known", "sdq-returns"],
        "la code": ["E06000025", "E10000009"],
        "la name": ["South Gloucestershire", "Blackburn with Darwen"],
        "years": [8, 2], "mean coverage": [49.6, 37.13], "min coverage": [16.67, 24.26],
        "eligible": [759, 3100]})
    text = _text(people_table(frame, width=120), 120)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 120
    body = [line for line in lines if line.startswith("│")]
    assert body and all(line.endswith("│") for line in body)  # nothing cropped
    assert "care-leaver-accommodation-known" in text  # the identifier stays whole
    assert "Gloucestershire" in text and "┃ Code " in text and "Authority" in text
