"""Bad input: each case gets a clear message naming file, row, column and the fix, and a
file that fails leaves the store exactly as it was.

The broken files are synthetic: each test copies a real release into a temporary data
folder and breaks it in one way the real data do not (except the '#VALUE!' cell, which
the real 2013 file has; see test_readers_sfr_ees.py).
"""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from csc_outcomes.cli import cli
from csc_outcomes.data.load import load
from csc_outcomes.data.store import Store
from csc_outcomes.errors import DataError

B1 = "dfe_cin_ees/b1_children_in_need_2013_to_2025.csv"
MISSING = "dfe_cla_underlying/2015/SFR34_Missing2015.csv"
C1 = "dfe_cin_ees/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"


@pytest.fixture
def folder(tmp_path, raw_dir):
    """A data folder holding the register's source and two real files, ready to break."""
    data = tmp_path / "raw"
    for name in (B1, MISSING, C1):
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(raw_dir / name, data / name)
    return data


def _report(folder, tmp_path, name):
    report = load(folder, tmp_path / "s.duckdb")
    return next(f for f in report.files if f.file == name), report


def _rewrite(path: Path, edit):
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(edit(lines)))


def test_missing_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist.*--data-dir"):
        load(tmp_path / "nowhere", tmp_path / "s.duckdb")


def test_missing_register_source(folder, tmp_path):
    (folder / B1).unlink()
    with pytest.raises(DataError, match=r"b1_children_in_need.*missing.*data fetch"):
        load(folder, tmp_path / "s.duckdb")


def test_missing_folder_via_cli(tmp_path):
    result = CliRunner().invoke(cli, ["data", "load", "--data-dir", str(tmp_path / "nope"),
                                      "--store", str(tmp_path / "s.duckdb")])
    assert result.exit_code != 0
    assert "does not exist" in result.output


def test_renamed_column_fails_cleanly(folder, tmp_path):
    _rewrite(folder / C1, lambda ls: [ls[0].replace("time_period", "period", 1)] + ls[1:])
    entry, report = _report(folder, tmp_path, C1)
    assert "time_period" in entry.error and "row 1" in entry.error
    assert "restore the published header" in entry.error
    assert [f.file for f in report.failed] == [C1]
    with Store(tmp_path / "s.duckdb", read_only=True) as s:
        assert s.query("SELECT count(*) n FROM observation WHERE source_file = ?", [C1]).n[0] == 0


def test_bad_value_is_reported_with_row_and_column(folder, tmp_path):
    # Darlington's CLA_MissDuringYear (line 108) becomes "n/a"
    _rewrite(folder / MISSING, lambda ls: ls[:107] + [ls[107].replace(",10,", ",n/a,", 1)] + ls[108:])
    _report(folder, tmp_path, MISSING)
    with Store(tmp_path / "s.duckdb", read_only=True) as s:
        probs = s.problems(MISSING)
        assert probs[["row", "column", "code", "value"]].values.tolist() == [
            [108, "CLA_MissDuringYear", "bad-value", "n/a"]]
        stored = s.query("SELECT count(*) n FROM observation WHERE source_file = ? AND "
                         "la_code = 'E06000005' AND measure = 'cla-sfr:Missing:CLA_MissDuringYear'",
                         [MISSING])
        assert stored.n[0] == 0


def test_unknown_la_code_is_reported_not_dropped(folder, tmp_path):
    _rewrite(folder / MISSING, lambda ls: ls + ["E06009999,LA,999x,Atlantis,1,2,3,4,5,6,7,8\n"])
    entry, _ = _report(folder, tmp_path, MISSING)
    with Store(tmp_path / "s.duckdb", read_only=True) as s:
        probs = s.problems(MISSING)
    [row] = probs.to_dict(orient="records")
    assert row["code"] == "unknown-la" and row["cells"] == 8 and "Atlantis" in row["message"]
    assert row["row"] == 165
    assert entry.cells_read == entry.values_stored + entry.special_stored + entry.problems


def test_unexpected_encoding(folder, tmp_path):
    path = folder / MISSING
    path.write_bytes(path.read_bytes().replace(b"Darlington", "Darlingtön".encode("cp1252")))
    entry, _ = _report(folder, tmp_path, MISSING)
    assert "row 108" in entry.error and "not valid utf-8" in entry.error.lower()


def test_empty_file(folder, tmp_path):
    (folder / MISSING).write_text("")
    entry, _ = _report(folder, tmp_path, MISSING)
    assert "empty" in entry.error


def test_header_only_file(folder, tmp_path):
    _rewrite(folder / MISSING, lambda ls: ls[:1])
    entry, _ = _report(folder, tmp_path, MISSING)
    assert "no rows" in entry.error


def test_duplicate_rows(folder, tmp_path):
    def edit(ls):
        darlington = ls[107]
        changed = darlington.replace(",10,33,", ",11,33,", 1)
        return ls + [darlington, changed]
    _rewrite(folder / MISSING, edit)
    entry, _ = _report(folder, tmp_path, MISSING)
    with Store(tmp_path / "s.duckdb", read_only=True) as s:
        probs = s.problems(MISSING)
        conflict = probs[probs.code == "conflicting-duplicate"]
        # CLA_MissDuringYear: 10 (twice) vs 11: nothing stored for it
        assert set(conflict["column"]) == {"cla-sfr:Missing:CLA_MissDuringYear"}
        assert set(conflict["row"]) == {108, 165, 166}
        assert s.query("SELECT count(*) n FROM observation WHERE la_code='E06000005' "
                       "AND measure='cla-sfr:Missing:CLA_MissDuringYear'").n[0] == 0
        # the other 7 measures agree: stored once, the two copies reported
        dup = probs[probs.code == "duplicate-row"]
        assert len(dup) == 14
        assert s.query("SELECT count(*) n FROM observation WHERE la_code='E06000005' "
                       "AND measure='cla-sfr:Missing:CLA_MissIncs'").n[0] == 1
    assert entry.cells_read == entry.values_stored + entry.special_stored + entry.problems


def test_failed_reload_leaves_the_store_as_it_was(folder, tmp_path):
    store = tmp_path / "s.duckdb"
    load(folder, store)
    with Store(store, read_only=True) as s:
        before = s.query("SELECT * FROM observation ORDER BY ALL")
        before_files = s.file_records()
    (folder / C1).write_bytes(b"\xff\xfe garbage")
    report = load(folder, store)
    assert [f.file for f in report.failed] == [C1]
    with Store(store, read_only=True) as s:
        after = s.query("SELECT * FROM observation ORDER BY ALL")
        assert before.equals(after)
        files = s.file_records()
    noted = ["failed_at", "failed_sha256", "failed_error"]
    assert before_files.drop(columns=noted).equals(files.drop(columns=noted))
    failed = files.set_index("source_file").loc[C1]
    assert "not valid utf-8" in failed.failed_error.lower() and failed.failed_sha256


def test_reload_is_idempotent_and_skips_unchanged_files(folder, tmp_path):
    store = tmp_path / "s.duckdb"
    first = load(folder, store)
    with Store(store, read_only=True) as s:
        snapshot = s.query("SELECT * FROM observation ORDER BY ALL")
    second = load(folder, store)
    assert all("unchanged" in (f.skipped_reason or "") for f in second.files)
    assert [f.cells_read for f in first.files] == [f.cells_read for f in second.files]
    with Store(store, read_only=True) as s:
        assert snapshot.equals(s.query("SELECT * FROM observation ORDER BY ALL"))
    forced = load(folder, store, force=True)
    assert not any(f.skipped_reason for f in forced.files)
    with Store(store, read_only=True) as s:
        assert snapshot.equals(s.query("SELECT * FROM observation ORDER BY ALL"))


def test_unknown_file_is_listed_not_ignored(folder, tmp_path):
    (folder / "notes.xyz").write_text("hello")
    entry, _ = _report(folder, tmp_path, "notes.xyz")
    assert "not in the catalogue" in entry.skipped_reason


def test_a_store_another_process_holds_open_is_named_with_what_to_do(store_path, raw_dir,
                                                                    tmp_path):
    """A `serve` reading the store holds it open read-only for a few seconds; a load then
    says which process holds it and to try again (one line, exit 1), and changes nothing."""
    import subprocess
    import sys

    copy = tmp_path / "csc.duckdb"
    shutil.copy(store_path, copy)
    before = copy.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time\n"
         f"con = duckdb.connect({str(copy)!r}, read_only=True)\n"
         "print('open', flush=True)\nsys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        result = CliRunner().invoke(cli, ["data", "load", "--data-dir", str(raw_dir),
                                          "--store", str(copy)])
        with pytest.raises(DataError) as caught:
            Store(copy)
    finally:
        holder.communicate("\n", timeout=60)
    message = str(caught.value)
    assert f"PID {holder.pid}" in message and "has it open" in message
    assert "Try again when it has finished" in message and "However" not in message
    assert copy.read_bytes() == before
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"PID {holder.pid}" in result.output and "Try again" in result.output
