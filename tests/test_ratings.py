"""Ofsted ratings: which judgement counts, and on which of its dates the window applies."""

from datetime import date

import pytest

from csc_outcomes.analysis.ratings import judgements, ratings
from csc_outcomes.errors import AnalysisError


def test_first_sif_window_on_the_publication_date(store_path):
    rated = ratings(store_path, published_to=date(2016, 3, 11))
    assert len(rated) == 83
    assert rated.published.max() == date(2016, 3, 11)
    assert set(rated.framework) == {"SIF"} and set(rated.inspection_type) == {"first"}


def test_an_inspection_date_window_needs_inspection_dates(store_path):
    judged = judgements(store_path)
    sif = judged[(judged.framework == "SIF") & (judged.inspection_type == "first")]
    assert len(sif) == 152 and sif.start_date.isna().all()  # SIF records: publication only
    with pytest.raises(AnalysisError, match="no inspection dates"):
        ratings(store_path, date_basis="inspected", published_to=date(2016, 3, 31),
                judged=judged)
    # ILACS records carry the first day of the inspection: the window applies to it
    latest = ratings(store_path, selection="latest", date_basis="inspected",
                     published_to=date(2023, 3, 31), judged=judged)
    by_publication = ratings(store_path, selection="latest", published_to=date(2023, 3, 31),
                             judged=judged)
    dated = latest[latest.start_date.notna()]
    assert len(dated) > 100 and (dated.start_date <= date(2023, 3, 31)).all()
    # an inspection begun by the cut-off but published after it counts only by start date
    late = dated[dated.published > date(2023, 3, 31)]
    assert len(late)
    for la, row in late.iterrows():  # by publication date it is not this judgement
        assert la not in by_publication.index or \
            by_publication.loc[la, "published"] < row.published
    with pytest.raises(ValueError, match="date_basis"):
        ratings(store_path, date_basis="visited")


def test_judgements_include_the_earlier_frameworks(store_path):
    judged = judgements(store_path)
    assert {"SIF", "ILACS", "CPI"} <= set(judged.framework)
    kingston = judged[judged.la_code == "E09000021"].set_index("framework")
    assert kingston.loc["CPI", "overall"] == "Inadequate"
    assert kingston.loc["SIF", "overall"] == "Good"
