"""The CLI is a thin layer: --json output equals the API, errors are clean."""

import json

from click.testing import CliRunner

from csc_outcomes.cli import cli
from csc_outcomes.data.status import problems, status


def _run(*args):
    return CliRunner().invoke(cli, list(args))


def test_data_load_json_lists_every_file_and_balances(loaded, raw_dir):
    store_path, report = loaded
    # reload into the same store: nothing changed, so every file is skipped with counts kept
    result = _run("data", "load", "--data-dir", str(raw_dir), "--store", str(store_path), "--json")
    assert result.exit_code == 0, result.output
    files = json.loads(result.output)["files"]
    assert [f["file"] for f in files] == [f.file for f in report.files]
    for f in files:
        assert {"file", "cells_read", "values_stored", "special_stored", "problems",
                "skipped_reason"} <= set(f)
        assert f["cells_read"] == f["values_stored"] + f["special_stored"] + f["problems"]
        assert sum(f["special_by_status"].values()) == f["special_stored"]
        assert f["skipped_reason"]  # documentation, duplicates, or unchanged since last load


def test_status_json_equals_api(store_path):
    result = _run("data", "status", "--store", str(store_path), "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["totals"] == status(store_path)["totals"]
    assert status(store_path)["totals"]["authorities"] == 158


def test_problems_json_equals_api_and_filters(store_path):
    result = _run("data", "problems", "--store", str(store_path), "--json", "--code", "bad-grade")
    assert result.exit_code == 0
    records = json.loads(result.output)
    api = problems(store_path, code="bad-grade")
    assert len(records) == len(api) == 2
    assert {r["value"] for r in records} == {"to requires improvement"}


def test_missing_store_is_a_clean_error(tmp_path):
    result = _run("data", "status", "--store", str(tmp_path / "none.duckdb"))
    assert result.exit_code == 1
    assert "Error: store" in result.output and "data load" in result.output


def test_no_data_dir_explains_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv("CSC_OUTCOMES_DATA", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    result = _run("data", "load", "--store", str(tmp_path / "s.duckdb"))
    assert result.exit_code == 1
    assert "CSC_OUTCOMES_DATA" in result.output and "data fetch" in result.output


def test_framework_coverage_json_lists_all_dimensions_and_gaps(store_path):
    result = _run("framework", "coverage", "--store", str(store_path), "--json")
    assert result.exit_code == 0, result.output
    cov = json.loads(result.output)
    assert [d["id"] for d in cov["dimensions"]] == [
        "expected-outcomes", "right-services", "social-work-models", "fit-for-purpose-organisation"]
    features = [f for d in cov["dimensions"] for f in d["features"]]
    assert len(features) == 39  # a1-a18, b1-b11, c1-c4, d1-d6
    statuses = {f["id"]: f["status"] for f in features}
    assert statuses["a4"].startswith("gap")  # children's views on education: no evidence
    assert all(statuses[c].startswith("gap") for c in ("c1", "c2", "c3", "c4"))
    assert statuses["a1"] == statuses["d1"] == "measured"
    assert cov["summary"]["features"] == 39 and not cov["unknown_features"]
    a1 = next(f for f in features if f["id"] == "a1")
    missing = next(i for i in a1["indicators"] if i["id"] == "cla-missing")
    assert missing["max_las"] >= 145 and missing["n_years"] >= 10


def test_indicators_list_and_show(store_path):
    result = _run("indicators", "list", "--set", "study-2016", "--json")
    rows = json.loads(result.output)
    assert [r["study"] for r in rows] == list(range(1, 15))
    result = _run("indicators", "show", "cla-missing", "--json")
    assert json.loads(result.output)["polarity"] == "contested"
    result = _run("indicators", "show", "nope")
    assert result.exit_code == 2 and "indicators list" in result.output  # bad input
