"""`csc-outcomes analyse consistency | funnel | ofsted`: strict JSON equal to the API,
CSV files, the verdict before the tables, and bad options as usage errors (exit code 2)."""

import json

import pytest
from click.testing import CliRunner

from csc_outcomes import ATTRIBUTION
from csc_outcomes.analysis.tell import consistency_report, funnel_report, ofsted_report
from csc_outcomes.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args))


def _strict(text):
    def refuse(token):
        raise ValueError(f"not strict JSON: {token}")
    return json.loads(text, parse_constant=refuse)


def test_consistency_json_is_strict_and_equals_the_api(store_path):
    result = run("analyse", "consistency", "--year", "2015", "--draws", "300", "--json",
                 "--store", str(store_path))
    assert result.exit_code == 0, result.output
    api = consistency_report([2015], draws=300, store=store_path).to_dict()
    assert _strict(result.output) == json.loads(json.dumps(api))
    assert _strict(result.output)["attribution"] == ATTRIBUTION


def test_funnel_csv_and_the_verdict_comes_first(store_path, tmp_path):
    result = run("analyse", "funnel", "cla-missing", "cla-away", "--years", "2015",
                 "--draws", "50", "--csv", str(tmp_path), "--store", str(store_path))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2015: of ")
    assert ATTRIBUTION.split()[0] in result.output
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["funnel_authorities.csv", "funnel_indicators.csv"]
    api = funnel_report([2015], ["cla-missing", "cla-away"], draws=50, store=store_path)
    assert (tmp_path / "funnel_indicators.csv").read_text() == \
        api.tables["indicators"].to_csv(index=False)


def test_ofsted_json_rows_have_the_contract_fields(store_path):
    result = run("analyse", "ofsted", "csww-agency-rate", "cla-missing", "--judgement",
                 "latest", "--json", "--store", str(store_path))
    assert result.exit_code == 0, result.output
    out = _strict(result.output)
    api = ofsted_report(["csww-agency-rate", "cla-missing"], selection="latest",
                        store=store_path).to_dict()
    assert out == json.loads(json.dumps(api))
    row = out["tables"]["associations"][0]
    for field in ("indicator", "n", "spearman_rho", "spearman_p", "odds_ratio", "p", "p_holm",
                  "p_bh", "adjusted"):
        assert field in row


@pytest.mark.parametrize("args", [
    ["consistency", "--years", "2015-x"],
    ["funnel", "--overdispersion", "sometimes"],
    ["ofsted", "--ofsted-from", "March 2016"],
    ["ofsted", "--judgement", "first"],
])
def test_bad_options_are_usage_errors(args, store_path):
    result = run("analyse", *args, "--store", str(store_path))
    assert result.exit_code == 2, result.output


def test_unknown_indicator_is_a_clean_error(store_path):
    result = run("analyse", "funnel", "no-such-indicator", "--store", str(store_path))
    assert result.exit_code == 2 and "no indicator 'no-such-indicator'" in result.output


def test_consistency_of_context_alone_says_it_cannot_rank(store_path):
    result = run("analyse", "consistency", "imd-average-score", "child-population",
                 "--store", str(store_path))
    assert result.exit_code == 1
    assert "needs at least two indicators with a better direction" in result.output
