"""No load can lose data without an error.

Each test copies real releases into a temporary data folder, loads them, damages the
folder in one way the real data do not (a file left out, a column renamed, a file cut
short, Ctrl-C), loads again and checks that the store's rows, for the damaged file and
for every other file, are exactly what they were, and that the exit code and message
say what happened. The damage is synthetic; the files are the real releases.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from csc_outcomes.cli import cli
from csc_outcomes.data.load import load
from csc_outcomes.data.store import Store

B1 = "dfe_cin_ees/b1_children_in_need_2013_to_2025.csv"
MISSING = "dfe_cla_underlying/2015/SFR34_Missing2015.csv"
C1 = "dfe_cin_ees/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
CLA = "dfe_cla_underlying/2015/SFR34_CLA2015.csv"
FILES = (B1, MISSING, C1, CLA)
#: What a load may change about a file that failed: the note that it failed.
FAILURE_COLUMNS = ["failed_at", "failed_sha256", "failed_error", "loaded_at"]


@pytest.fixture
def folder(tmp_path, raw_dir):
    data = tmp_path / "raw"
    for name in FILES:
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(raw_dir / name, data / name)
    return data


@pytest.fixture
def small_store(folder, tmp_path):
    """A store loaded from ``folder``, and its snapshot."""
    store = tmp_path / "s.duckdb"
    report = load(folder, store)
    assert not report.failed
    return store, snapshot(store)


def snapshot(store: Path) -> dict[str, pd.DataFrame]:
    """Every table's rows, sorted (load times and failure notes left out)."""
    out = {}
    with Store(store, read_only=True) as s:
        for table in ("observation", "problem", "inspection_record", "inspection", "measure",
                      "la", "la_name", "la_code_history", "stat_neighbour", "ltla_utla",
                      "load_file"):
            columns = s.query(f"SELECT * FROM {table} LIMIT 0").columns
            keep = ", ".join(f'"{c}"' for c in columns if c not in FAILURE_COLUMNS)
            out[table] = s.query(f"SELECT {keep} FROM {table} ORDER BY ALL")
    return out


def assert_same(before: dict, after: dict) -> None:
    for table in before:
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)


def run(*args) -> object:
    return CliRunner().invoke(cli, ["data", "load", *map(str, args)])


def rows_of(store: Path, name: str) -> int:
    with Store(store, read_only=True) as s:
        return int(s.query("SELECT count(*) n FROM observation WHERE source_file = ?",
                           [name]).n[0])


# -- a folder holding only some of the files -------------------------------------------------

def test_partial_folder_keeps_every_other_file(small_store, tmp_path):
    store, before = small_store
    partial = tmp_path / "partial"
    (partial / MISSING).parent.mkdir(parents=True)
    shutil.copy(tmp_path / "raw" / MISSING, partial / MISSING)
    result = run("--data-dir", partial, "--store", store)
    assert result.exit_code == 0, result.output
    assert "3 file(s) in the store are not in this folder; their rows were kept" in result.output
    assert "Register of authorities: kept from the earlier load" in result.output
    assert_same(before, snapshot(store))


def test_prune_drops_only_the_absent_files(small_store, tmp_path):
    store, before = small_store
    (tmp_path / "raw" / C1).unlink()
    report = load(tmp_path / "raw", store, prune=True)
    assert report.pruned == [C1] and report.kept == []
    assert rows_of(store, C1) == 0
    after = snapshot(store)
    for table in ("observation", "problem"):
        keep = before[table][before[table].source_file != C1].reset_index(drop=True)
        pd.testing.assert_frame_equal(keep, after[table], obj=table)


# -- a renamed column ------------------------------------------------------------------------

@pytest.mark.parametrize("name, old, new", [
    (MISSING, "CLA_MissDuringYear", "CLA_MissingDuringYear"),  # an SFR CSV
    (C1, "rereferral_percent", "rereferral_pct"),  # an EES CSV: the study's re-referral count
])
def test_renamed_column_fails_the_file_and_keeps_its_rows(small_store, tmp_path, name, old, new):
    store, before = small_store
    path = tmp_path / "raw" / name
    header, rest = path.read_text().split("\n", 1)
    assert old in header.split(",")
    path.write_text(header.replace(old, new, 1) + "\n" + rest)
    result = run("--data-dir", tmp_path / "raw", "--store", store)
    assert result.exit_code == 1
    assert result.output.startswith("1 file(s) FAILED")
    assert f"{name}: row 1: column(s) '{old}' of the published release is missing" in result.output
    assert f"the header has '{new}' instead" in result.output and "Restore" in result.output
    assert_same(before, snapshot(store))
    with Store(store, read_only=True) as s:
        record = s.file_record(name)
    assert old in record["failed_error"]


def test_renamed_required_column_fails_a_first_load(folder, tmp_path):
    path = folder / C1
    path.write_text(path.read_text().replace("time_period", "period", 1))
    report = load(folder, tmp_path / "s.duckdb")
    [failed] = report.failed
    assert failed.file == C1 and "'time_period' missing" in failed.error
    assert rows_of(tmp_path / "s.duckdb", C1) == 0
    assert rows_of(tmp_path / "s.duckdb", MISSING) > 0


# -- a file cut short ------------------------------------------------------------------------

def _cut_in_last_value(text: str) -> str:
    """'...,165\\n' -> '...,16': the last number loses a digit and the line break."""
    body = text.rstrip("\n")
    return body[:-1]


def _cut_after_comma(text: str) -> str:
    body = text.rstrip("\n")
    return body[: body.rfind(",", 0, len(body) - 10)]


def _cut_and_newline(text: str) -> str:
    return _cut_after_comma(text) + "\n"


@pytest.mark.parametrize("cut", [_cut_in_last_value, _cut_after_comma, _cut_and_newline])
def test_cut_short_csv_fails_as_a_whole(small_store, tmp_path, cut):
    store, before = small_store
    path = tmp_path / "raw" / MISSING
    text = path.read_text()
    assert text.endswith("\n")
    path.write_text(cut(text))
    result = run("--data-dir", tmp_path / "raw", "--store", store)
    assert result.exit_code == 1
    assert MISSING in result.output and "cut short" in result.output
    assert "nothing of it was loaded" in result.output
    assert_same(before, snapshot(store))


def test_a_file_that_lost_whole_rows_is_flagged_as_not_the_official_release(small_store, tmp_path):
    store, _ = small_store
    path = tmp_path / "raw" / MISSING
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-20]))  # cut at a line break: structurally complete
    report = load(tmp_path / "raw", store)
    entry = next(f for f in report.files if f.file == MISSING)
    assert entry.error is None
    assert any("differs from the official release" in n for n in entry.notes)


def test_a_failed_file_loads_once_repaired(small_store, tmp_path, raw_dir):
    store, before = small_store
    path = tmp_path / "raw" / MISSING
    path.write_text(_cut_after_comma(path.read_text()))
    assert load(tmp_path / "raw", store).failed
    shutil.copy(raw_dir / MISSING, path)
    report = load(tmp_path / "raw", store)
    assert not report.failed
    after = snapshot(store)
    assert_same({k: v.drop(columns="loader_key", errors="ignore") for k, v in before.items()},
                {k: v.drop(columns="loader_key", errors="ignore") for k, v in after.items()})
    with Store(store, read_only=True) as s:
        assert s.file_record(MISSING)["failed_error"] is None


# -- Ctrl-C ----------------------------------------------------------------------------------

def _interrupt(args: list[str], after: str, env: dict) -> subprocess.CompletedProcess:
    """Run `csc-outcomes data load ARGS -v` and send Ctrl-C (SIGINT to its process group,
    as a terminal does) once a line of its standard error contains ``after``."""
    proc = subprocess.Popen([sys.executable, "-m", "csc_outcomes", "data", "load", "-v", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if after in line:
            os.killpg(proc.pid, signal.SIGINT)
            break
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "".join(lines) + err)


@pytest.fixture
def env():
    return {**os.environ, "COLUMNS": "120"}


def test_ctrl_c_while_writing_rolls_back(small_store, tmp_path, env):
    # the interrupt is held until the end of the transaction, which then rolls back: the
    # size of the load does not matter, so the small folder serves
    store, before = small_store
    done = _interrupt(["--force", "--data-dir", str(tmp_path / "raw"), "--store", str(store)],
                      "writing", env)
    assert done.returncode == 130, done.stderr
    assert "load interrupted before it was committed; the store is as it was before the load" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert_same(before, snapshot(store))


@pytest.fixture
def many(raw_dir, tmp_path):
    """A data folder of the children-in-need and looked-after releases (about 30 files:
    long enough to read that Ctrl-C lands while files are still being read)."""
    data = tmp_path / "many"
    for pattern in ("dfe_cin_ees/*.csv", "dfe_cla_ees/*/*.csv"):
        for path in raw_dir.glob(pattern):
            target = data / path.relative_to(raw_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path.resolve())
    return data


def test_ctrl_c_while_reading_changes_nothing(small_store, many, env):
    store, before = small_store
    done = _interrupt(["--data-dir", str(many), "--store", str(store)], "read ", env)
    assert done.returncode == 130, done.stderr
    assert "load interrupted before it was committed; the store is as it was before the load" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert_same(before, snapshot(store))


def test_interrupted_first_load_leaves_no_store(many, tmp_path, env):
    store = tmp_path / "new.duckdb"
    done = _interrupt(["--data-dir", str(many), "--store", str(store)], "read ", env)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not store.exists() and not Path(f"{store}.wal").exists()
