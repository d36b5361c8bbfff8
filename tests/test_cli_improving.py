"""The four `analyse` commands: strict JSON equal to the API's report, CSV output, option
validation, --min-completeness saying what it left out."""

import json

import pytest
from click.testing import CliRunner

from csc_outcomes import ATTRIBUTION
from csc_outcomes.cli import cli
from csc_outcomes.cli.analyse_improving import report_json


def _strict(text):
    def bad(c):
        raise ValueError(f"not strict JSON: {c}")

    return json.loads(text, parse_constant=bad)


def run(store_path, *args):
    result = CliRunner().invoke(cli, ["analyse", *args, "--store", str(store_path)])
    return result


def test_trends_json_is_strict_and_equals_the_api(store_path):
    from csc_outcomes.analysis.improving import trends_report

    args = ["trends", "--indicator", "cpp-second-subsequent", "--indicator", "cla-sdq-concern",
            "--json"]
    result = run(store_path, *args)
    assert result.exit_code == 0, result.output
    got = _strict(result.output)
    api = _strict(report_json(trends_report(store_path, ids=["cpp-second-subsequent",
                                                             "cla-sdq-concern"]), "trends"))
    assert got == api
    assert got["attribution"] == ATTRIBUTION
    assert {"trajectories", "areas", "trends", "changes", "most_changed", "summary"} <= set(
        got["tables"])
    assert any(r["la_code"] == "E92000001" for r in got["tables"]["areas"])


def test_transitions_and_completeness_tables(store_path, tmp_path):
    result = run(store_path, "transitions", "--indicator", "csww-agency-rate", "--csv",
                 str(tmp_path / "t"))
    assert result.exit_code == 0, result.output
    assert "Improvers" in result.output
    assert "Contains public sector information" in result.output
    assert (tmp_path / "t" / "first_to_latest.csv").exists()
    assert (tmp_path / "t" / "indicators_vs_judgements.csv").exists()
    result = run(store_path, "completeness", "--json", "--la", "E10000032")
    data = _strict(result.output)
    assert {r["la_code"] for r in data["tables"]["coverage"]} == {"E10000032"}


def test_spending_says_cash_terms_when_no_deflator(store_path):
    result = run(store_path, "spending", "--rank-year", "2015", "--rank-year", "2025", "--json")
    data = _strict(result.output)
    assert any("No spending data for 2015" in n for n in data["verdict"])
    assert {r["period"] for r in data["tables"]["ranked"]} == {2025}


def test_min_completeness_reports_what_it_left_out(store_path):
    result = run(store_path, "trends", "--indicator", "cla-sdq-concern", "--min-completeness",
                 "50", "--json")
    data = _strict(result.output)
    note = next(n for n in data["verdict"] if n.startswith("--min-completeness 50"))
    assert f"left out {len(data['tables']['left_out'])} authority-years" in note


@pytest.mark.parametrize("args", [["trends", "--years", "20x5"],
                                  ["trends", "--min-completeness", "101"],
                                  ["completeness", "--threshold", "-1"],
                                  ["transitions", "--judgement", "nonsense"]])
def test_bad_options_exit_2(store_path, args):
    assert run(store_path, *args).exit_code == 2
