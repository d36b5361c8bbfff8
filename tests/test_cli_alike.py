"""`csc-outcomes neighbours | typology | sample`: strict JSON equal to the API, CSV files
listed and equal to the API's tables, the verdict first, bad options as usage errors."""

import json

import pytest
from click.testing import CliRunner

from csc_outcomes import ATTRIBUTION
from csc_outcomes.analysis.alike import neighbours_report
from csc_outcomes.analysis.alike_sample import sample_report
from csc_outcomes.analysis.alike_typology import typology_report
from csc_outcomes.analysis.neighbours import DEFAULT_WEIGHTS
from csc_outcomes.cli import cli


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _strict(text):
    def refuse(token):
        raise ValueError(f"not strict JSON: {token}")
    return json.loads(text, parse_constant=refuse)


def _same(api):
    return json.loads(json.dumps(api.to_dict(), allow_nan=False))


def test_neighbours_json_is_strict_and_equals_the_api(store_path):
    result = run("neighbours", "202", "--year", 2023, "--weight", "region=1", "--json",
                 "--store", store_path)
    assert result.exit_code == 0, result.output
    out = _strict(result.output)
    api = neighbours_report(store_path, "E09000007", year=2023,
                            weights={**DEFAULT_WEIGHTS, "region": 1.0})
    assert out == _same(api)
    assert out["attribution"] == ATTRIBUTION and out["parameters"]["la"] == "E09000007"
    assert out["parameters"]["weights"]["region"] == 1.0


def test_neighbours_csv_lists_its_files_and_the_verdict_comes_first(store_path, tmp_path):
    result = run("neighbours", "Camden", "--csv", tmp_path, "--store", store_path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Camden's 10 nearest authorities")
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["neighbours_context.csv", "neighbours_drivers.csv",
                       "neighbours_neighbours.csv", "neighbours_overlap.csv",
                       "neighbours_published.csv", "neighbours_variables.csv"]
    for name in written:
        assert str(tmp_path / name) in result.output.replace("\n", "")
    api = neighbours_report(store_path, "Camden")
    assert (tmp_path / "neighbours_overlap.csv").read_text() == \
        api.tables["overlap"].to_csv(index=False)
    assert "Open Government Licence" in result.output


def test_a_year_without_a_variable_is_refused_with_the_way_out(store_path):
    result = run("neighbours", "Leeds", "--year", 2015, "--store", store_path)
    assert result.exit_code == 1
    assert ("pupils-fsm-primary, pupils-eal-primary have no value for any authority in 2015"
            in result.output)
    assert "--weight pupils-fsm-primary=0 --weight pupils-eal-primary=0" in result.output
    ok = run("neighbours", "Leeds", "--year", 2015, "--weight", "pupils-fsm-primary=0",
             "--weight", "pupils-eal-primary=0", "--store", store_path)
    assert ok.exit_code == 0 and ok.output.startswith("Leeds's 10 nearest authorities")


def test_typology_json_equals_the_api(store_path):
    result = run("typology", "--to-year", 2024, "--method", "kmeans", "--k", 3, "--draws", 5,
                 "--null-draws", 3, "--json", "--store", store_path)
    assert result.exit_code == 0, result.output
    out = _strict(result.output)
    api = typology_report(store_path, to_year=2024, methods=("kmeans",), k=3, draws=5,
                          null_draws=3)
    assert out == _same(api)
    assert out["tables"]["summary"][0]["k"] == 3


def test_sample_json_and_csv(store_path, tmp_path):
    result = run("sample", "--n", 5, "--caliper", 0.6, "--seed", 3, "--year", 2024, "--json",
                 "--csv", tmp_path, "--store", store_path)
    assert result.exit_code == 0, result.output
    out = _strict(result.stdout)
    api = sample_report(store_path, n=5, caliper=0.6, seed=3, year=2024)
    assert out == _same(api)
    assert len(out["tables"]["sample"]) == 10
    assert all(r["distance"] <= 0.6 for r in out["tables"]["sample"])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "sample_balance.csv", "sample_sample.csv", "sample_unmatched.csv"]
    assert "Wrote " in result.stderr


def test_sample_stratified_by_region(store_path):
    result = run("sample", "--design", "stratified", "--strata", "region,authority_type",
                 "--n", 8, "--year", 2024, "--store", store_path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("8 authorities drawn from ")


@pytest.mark.parametrize("args, message", [
    (["neighbours", "Camdon"], "Did you mean Camden"),
    (["neighbours", "--weight", "region"], "NAME=NUMBER"),
    (["neighbours", "--weight", "region=-1"], "NAME=NUMBER"),
    (["neighbours", "--weight", "rurality=1"], "unknown context variable"),
    (["neighbours", "--transform", "region=sqrt"], "NAME=log"),
    (["neighbours", "--k", "0"], "0 is not in the range"),
    (["typology", "--block-weight", "context=1"], "blocks are profile"),
    (["typology", "--from-year", "2020", "--to-year", "2019"], "before --from-year"),
    (["typology", "--indicator", "no-such"], "unknown indicator"),
    (["typology", "--method", "dbscan"], "'dbscan' is not one of"),
    (["sample", "--strata", "type,county"], "strata are among"),
    (["sample", "--caliper", "0"], "0 is not in the range"),
    (["sample", "--design", "random"], "'random' is not one of"),
])
def test_bad_options_exit_2_with_a_clear_message(store_path, args, message):
    result = run(*args, "--store", store_path)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_every_command_has_an_example():
    for name in ("neighbours", "typology", "sample"):
        result = run(name, "--help")
        assert result.exit_code == 0
        assert "Example: csc-outcomes " + name in result.output
