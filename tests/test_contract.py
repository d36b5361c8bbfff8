"""The user's contract: every --json output is strict JSON of its documented shape; bad
input exits 2 with the valid range or the nearest names; failures are one-line errors,
never tracebacks; a year lists the authorities that existed in it."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from csc_outcomes.cli import cli
from csc_outcomes.data.store import Store
from csc_outcomes.schemas import COMMANDS, file_name, schema
from csc_outcomes.serialise import loads

DOCS = Path(__file__).resolve().parents[1] / "docs" / "schemas"


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def mirror(raw_dir):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(raw_dir))
    handler.log_message = lambda *a, **k: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _args(command, store_path, raw_dir, tmp_path, mirror):
    """The arguments that run ``command`` on the real store (quickly)."""
    s = ["--store", store_path]
    return {
        "data load": ["--data-dir", raw_dir, *s],
        "data status": s,
        "data problems": ["--code", "bad-grade", *s],
        "data fetch": ["--mirror", mirror, "--only", "context/imd19.csv", "--cache", tmp_path],
        "indicators list": ["--set", "study-2016"],
        "indicators values": ["--set", "study-2016", "--year", "2022", *s],
        "framework coverage": s,
        "replicate": ["--against-published", *s],
        "replicate --sensitivity": s,
        "replicate --search": ["--top", "3", *s],
        "analyse consistency": ["--draws", "200", *s],
        "analyse funnel": ["cla-missing", "cpp-second-subsequent", "--draws", "50", *s],
        "analyse ofsted": ["csww-agency-rate", "cla-missing", *s],
        "analyse trends": ["--indicator", "cpp-second-subsequent", *s],
        "analyse transitions": s,
        "analyse completeness": s,
        "analyse spending": s,
        "neighbours": ["E09000007", "--year", "2022", *s],
        "typology": ["--draws", "20", "--null-draws", "5", *s],
        "sample": ["--n", "5", *s],
    }[command]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_json_output_is_strict_and_has_its_documented_shape(
        command, store_path, raw_dir, tmp_path, mirror):
    if command == "data load":  # a reload into a copy: the session store stays as it is
        shutil.copy(store_path, tmp_path / "copy.duckdb")
        store_path = tmp_path / "copy.duckdb"
    words = command.split()
    result = run(*[w for w in words if not w.startswith("--")],
                 *[w for w in words if w.startswith("--")],
                 *_args(command, store_path, raw_dir, tmp_path, mirror), "--json")
    assert result.exit_code == 0, result.output[-2000:]
    data = loads(result.stdout)  # refuses NaN and Infinity
    jsonschema.validate(data, json.loads((DOCS / file_name(command)).read_text()))


def test_the_schema_documents_are_generated_from_the_code():
    for command in COMMANDS:
        assert json.loads((DOCS / file_name(command)).read_text()) == schema(command), (
            "docs/schemas is stale: run `python -m csc_outcomes.schemas docs/schemas`")


def test_a_schema_can_fail():
    shape = json.loads((DOCS / file_name("data problems")).read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{"source_file": "x", "row": "one"}], shape)


def test_strict_parser_refuses_nan():
    with pytest.raises(ValueError, match="not strict JSON"):
        loads('{"r": NaN}')


# -- bad input: exit 2, with the valid range or the nearest names ----------------------------

@pytest.mark.parametrize("args, message", [
    (["indicators", "values", "--set", "study-2016", "--year", "1990"],
     "no data for 1990 for these indicators: the store holds years 2013-2025"),
    (["indicators", "values", "--set", "study-2016", "--year", "2030"], "no data for 2030"),
    (["replicate", "--share", "1.5"], "1.5 is not in the range 0<x<=0.5"),
    (["replicate", "--share", "0"], "0.0 is not in the range 0<x<=0.5"),
    (["replicate", "--named-top", "-1"], "-1 is not in the range x>=0"),
    (["replicate", "--direction", "nosuch=higher"], "not an indicator of set 'study-2016'"),
    (["replicate", "--direction", "cla-missng=higher"], "nearest: cla-missing"),
    (["data", "problems", "--code", "no-such-code"], "'no-such-code' is not one of"),
    (["indicators", "show", "cla-misssing"], "no indicator 'cla-misssing'"),
])
def test_bad_input_exits_2_with_what_is_valid(args, message, store_path):
    result = run(*args, "--store", store_path) if args[0] != "indicators" or \
        args[1] != "show" else run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_typo_in_a_user_definitions_measure_lists_every_problem(store_path, tmp_path):
    text = (Path(__file__).resolve().parents[1] / "src/csc_outcomes/indicators/definitions"
            / "cla-missing.yaml").read_text()
    mine = tmp_path / "defs"
    mine.mkdir()
    (mine / "my-missing.yaml").write_text(
        text.replace("id: cla-missing", "id: my-missing")
        .replace("cla-sfr:Missing:CLA_MissDuringYear", "cla-sfr:Missing:CLA_MisDuringYear")
        .replace("cla-sfr:CLA:CLA_DuringYear", "cla-sfr:CLA:CLA_DuringYeer"))
    result = run("indicators", "values", "my-missing", "--year", "2015",
                 "--indicators", mine, "--store", store_path)
    assert result.exit_code == 2, result.output
    assert "2 unknown measure(s) in the definitions" in result.output
    assert "'cla-sfr:Missing:CLA_MisDuringYear' is not in the store; nearest: " \
           "cla-sfr:Missing:CLA_MissDuringYear" in result.output
    assert "nearest: cla-sfr:CLA:CLA_DuringYear" in result.output


def test_every_built_in_measure_is_in_the_real_store(store):
    from csc_outcomes.indicators import load_registry
    from csc_outcomes.indicators.compute import check_measures

    registry = load_registry(use_env=False)
    check_measures(store, list(registry.indicators.values()), registry)


# -- errors, not tracebacks ------------------------------------------------------------------

def test_a_store_whose_folder_is_a_file(tmp_path, raw_dir):
    (tmp_path / "afile").write_text("not a folder")
    result = run("data", "load", "--data-dir", raw_dir, "--store", tmp_path / "afile" / "s.duckdb")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert lines[-1].startswith("Error: cannot create the store") and "is a file" in lines[-1]


def test_a_store_folder_that_cannot_be_made(raw_dir):
    result = run("data", "status", "--store", "/proc/csc-outcomes/s.duckdb")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "does not exist yet" in result.output
    result = run("data", "load", "--data-dir", raw_dir, "--store", "/proc/csc-outcomes/s.duckdb")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Error: cannot create the folder for the store" in result.output


def test_a_store_that_is_not_a_duckdb_file(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_text("hello")
    result = run("data", "status", "--store", bad)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Error: cannot open store" in result.output


def test_ctrl_c_during_a_long_read_is_one_line(store_path):
    """Ctrl-C while `indicators values` computes every indicator (a few seconds): one
    line, exit 130 (128 + SIGINT, the shell's convention), no traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "csc_outcomes", "indicators", "values",
                             "--store", str(store_path), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ})
    try:
        proc.wait(timeout=1.5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.fail("the command finished before Ctrl-C could be sent; make it longer")
    assert proc.returncode == 130, err
    assert err.strip() == "Interrupted." and "Traceback" not in err


# -- authorities -----------------------------------------------------------------------------

def test_values_for_2022_list_exactly_the_authorities_that_existed(store_path):
    result = run("indicators", "values", "--set", "study-2016", "--year", "2022", "--json",
                 "--store", store_path)
    assert result.exit_code == 0
    listed = {r["la_code"] for r in loads(result.stdout)}
    with Store(store_path, read_only=True) as s:
        existed = set(s.authorities(2022).index)
    assert listed == existed and len(existed) == 152
    # the abolished Bournemouth and Northamptonshire are not among them
    assert not {"E06000028", "E10000021"} & listed
    every = run("indicators", "values", "--set", "study-2016", "--year", "2022", "--json",
                "--all-authorities", "--store", store_path)
    assert {"E06000061+E06000062"} <= {r["la_code"] for r in loads(every.stdout)} - existed
