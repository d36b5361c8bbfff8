"""Round files: what is read, and every kind of bad input stopped with its row and column.

The panels here are tiny synthetic files written by the tests: no real panel's responses
exist to test with.
"""

import json

import pytest
from click.testing import CliRunner

from csc_outcomes.cli import cli
from csc_outcomes.consensus import Item, Survey, read_round, read_survey
from csc_outcomes.consensus.items import read_outcomes, write_items
from csc_outcomes.errors import DataError

ITEMS = [Item("cla-missing", "indicator", "Missing", "d", "expected-outcomes", ("a1",), "e",
              "yes", "cla-missing"),
         Item("outcome-a17", "outcome", "Relationship with social worker", "d",
              "expected-outcomes", ("a17",), "e", "no national indicator")]
HEADER = "panellist_id,group,cla-missing,outcome-a17,comment:cla-missing,comment"


@pytest.fixture
def survey_dir(tmp_path):
    write_items(Survey(ITEMS), tmp_path)
    return tmp_path


def _round(folder, *rows, header=HEADER, name="r1.csv"):
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _read(folder, *rows, **kw):
    return read_round(_round(folder, *rows, **kw), read_survey(folder))


def test_survey_round_trips(survey_dir):
    assert read_survey(survey_dir).items == ITEMS


def test_ratings_unable_blank_and_comments_are_read(survey_dir):
    r = _read(survey_dir, "P1,DfE,7,U,too broad,", "P2,LA managers,9.0,,,see note",
              "P3,DfE,unable to score,3,,")
    got = {(p, i): (resp, rating) for p, i, resp, rating in
           r.ratings[["panellist_id", "item_id", "response", "rating"]].itertuples(index=False)}
    assert got["P1", "cla-missing"] == ("rated", 7.0)
    assert got["P1", "outcome-a17"][0] == "unable"
    assert got["P2", "cla-missing"] == ("rated", 9.0)  # survey tools export 9.0
    assert got["P2", "outcome-a17"][0] == "blank"
    assert got["P3", "cla-missing"][0] == "unable" and got["P3", "outcome-a17"] == ("rated", 3.0)
    assert r.comments == {"P2": "see note"}
    comment = r.ratings.set_index(["panellist_id", "item_id"]).comment
    assert comment["P1", "cla-missing"] == "too broad"
    assert r.groups == ["DfE", "LA managers"]


def test_a_byte_order_mark_is_accepted(survey_dir):
    path = survey_dir / "bom.csv"
    path.write_bytes(("\ufeff" + HEADER + "\nP1,DfE,7,8,,\n").encode("utf-8"))
    assert len(read_round(path, read_survey(survey_dir)).panellists) == 1


@pytest.mark.parametrize("value", ["0", "10", "7.5", "seven", "-3"])
def test_a_rating_outside_1_to_9_names_row_and_column(survey_dir, value):
    with pytest.raises(DataError) as exc:
        _read(survey_dir, "P1,DfE,7,8,,", f"P2,DfE,{value},8,,")
    msg = str(exc.value)
    assert "r1.csv, row 3, column 'cla-missing'" in msg and repr(value) in msg
    assert "nothing was scored" in msg and "whole number 1-9" in msg


def test_duplicate_panellist_ids_name_both_rows(survey_dir):
    with pytest.raises(DataError, match=r"row 4: panellist 'P1' already appears in row 2"):
        _read(survey_dir, "P1,DfE,7,8,,", "P2,DfE,7,8,,", "P1,ADCS,6,5,,")


def test_a_panellist_without_a_group_is_an_error(survey_dir):
    with pytest.raises(DataError, match=r"row 3, column 'group': panellist 'P2' has no"):
        _read(survey_dir, "P1,DfE,7,8,,", "P2,,7,8,,")


def test_an_item_not_in_the_survey_is_an_error(survey_dir):
    header = HEADER + ",cla-away"
    with pytest.raises(DataError, match=r"row 1, column 'cla-away': not an item of the survey"):
        _read(survey_dir, "P1,DfE,7,8,,,5", header=header)
    with pytest.raises(DataError, match=r"column 'comment:cla-away': not an item"):
        _read(survey_dir, "P1,DfE,7,8,,,", header=HEADER + ",comment:cla-away")


def test_a_survey_item_without_a_column_is_an_error(survey_dir):
    with pytest.raises(DataError, match="no column for survey item 'outcome-a17'"):
        _read(survey_dir, "P1,DfE,7", header="panellist_id,group,cla-missing")


@pytest.mark.parametrize("rows", [(), ("P1,DfE,,,,", "P2,DfE,,,,")])
def test_an_empty_round_is_an_error(survey_dir, rows):
    with pytest.raises(DataError, match="the round is empty"):
        _read(survey_dir, *rows)


def test_every_problem_is_listed_at_once(survey_dir):
    with pytest.raises(DataError) as exc:
        _read(survey_dir, "P1,DfE,11,8,,", "P1,DfE,7,8,,", ",DfE,7,8,,", "P3,,x,8,,")
    msg = str(exc.value)
    assert msg.startswith("5 problem(s) in")
    for part in ["row 2, column 'cla-missing'", "row 3: panellist 'P1' already appears",
                 "row 4, column 'panellist_id': blank", "row 5, column 'group'",
                 "row 5, column 'cla-missing'"]:
        assert part in msg


def test_a_row_longer_than_the_header_is_an_error(survey_dir):
    with pytest.raises(DataError, match="row 2: more cells than columns"):
        _read(survey_dir, "P1,DfE,7,8,,,extra")


def test_free_text_outcomes_are_checked(tmp_path):
    good = tmp_path / "outcomes.csv"
    good.write_text("id,title,description,features\n"
                    "views-on-care,Children's views of their care,Asked each year,a4 a17\n")
    (item,) = read_outcomes(good)
    assert item.kind == "outcome" and item.features == ("a4", "a17")
    assert item.dimension == "expected-outcomes" and "a4 Children's views" in item.evidence
    bad = tmp_path / "bad.csv"
    bad.write_text("id,title,description,features,colour\nViews,,x,z9\n")
    with pytest.raises(DataError, match="unknown column"):
        read_outcomes(bad)
    bad.write_text("id,title,description,features\nViews,,x,z9\n")
    with pytest.raises(DataError) as exc:
        read_outcomes(bad)
    assert "row 2, column 'id'" in str(exc.value) and "['z9']" in str(exc.value)


def test_cli_reports_the_problem_and_scores_nothing(survey_dir):
    path = _round(survey_dir, "P1,DfE,7,8,,", "P1,DfE,12,8,,")
    result = CliRunner().invoke(cli, ["consensus", "score", str(path), "--json"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: 2 problem(s) in")
    assert "row 3: panellist 'P1' already appears in row 2" in result.output
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.output)  # no partial scores were printed


def test_cli_needs_the_survey(tmp_path):
    path = tmp_path / "responses.csv"
    path.write_text(HEADER + "\nP1,DfE,7,8,,\n")
    result = CliRunner().invoke(cli, ["consensus", "score", str(path)])
    assert result.exit_code == 1 and "pass --survey" in result.output
