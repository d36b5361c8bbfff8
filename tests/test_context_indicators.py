"""Context indicators (issue 10, item 4): ordinary definitions, including a measure published
once (IMD 2019) that serves every reporting year through a fixed data year."""

import numpy as np
import pytest
from pydantic import ValidationError

from csc_outcomes.indicators import load_registry, values
from csc_outcomes.indicators.model import Term


def test_a_term_takes_a_fixed_year_or_an_offset_not_both():
    assert Term(measure="m", year=2019).data_year(2015) == 2019
    assert Term(measure="m", year_offset=-1).data_year(2015) == 2014
    with pytest.raises(ValidationError, match="not both"):
        Term(measure="m", year=2019, year_offset=-1)


def test_imd_serves_every_year_from_its_2019_release(store_path, store):
    raw = store.query("SELECT la_code, value FROM observation WHERE measure = "
                      "'imd2019:imd-average-score' AND year = 2019").set_index("la_code").value
    got = values(["imd-average-score"], [2015, 2024], store=store_path)
    for year in (2015, 2024):
        alive = store.authorities(year).index
        v = got[(got.period == year) & got.la_code.isin(alive)].set_index("la_code")
        both = v.value.dropna()
        assert len(both) >= 148
        assert (both == raw.reindex(both.index)).all()
    # authorities abolished before 2019 have no 2019 value: missing, not imputed
    bournemouth = got[(got.period == 2015) & (got.la_code == "E06000028")].iloc[0]
    assert bournemouth.status == "missing"


def test_context_indicators_are_of_kind_context_and_have_values(store_path):
    registry = load_registry()
    ids = ["imd-average-score", "child-population", "cla-adolescent-share",
           "cla-started-adolescent-share"]
    assert all(registry.get(i).kind == "context" for i in ids)
    got = values(ids, [2015], store=store_path)
    n = got[got.status == "value"].groupby("indicator").size()
    assert (n >= 130).all() and set(n.index) == set(ids)
    share = got[(got.indicator == "cla-started-adolescent-share") & (got.status == "value")]
    assert share.value.between(0, 100).all()
    assert np.allclose(share.value, 100 * share.numerator / share.denominator)
