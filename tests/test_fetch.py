"""data fetch against a local HTTP server serving the real releases (no internet is used:
the manifest's own addresses are never contacted in tests)."""

import functools
import hashlib
import http.server
import threading

import pytest

from csc_outcomes.data.fetch import fetch, manifest
from csc_outcomes.errors import DataError


@pytest.fixture
def server(raw_dir):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(raw_dir))
    handler.log_message = lambda *a, **k: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_manifest_matches_the_data_folder(raw_dir):
    entries = manifest()
    assert len(entries) == 105
    for e in entries:
        assert e["url"].startswith("https://")
        data = (raw_dir / e["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == e["sha256"], e["path"]
        assert len(data) == e["size"]


def test_fetch_from_a_mirror_verifies_and_caches(server, tmp_path):
    only = ["context/imd19.csv", "dfe_cin_ees/b1_children_in_need_2013_to_2025.csv"]
    first = fetch(tmp_path, base_url=server, only=only)
    assert [r.status for r in first] == ["downloaded", "downloaded"]
    assert (tmp_path / "context/imd19.csv").is_file()
    again = fetch(tmp_path, base_url=server, only=only)
    assert [r.status for r in again] == ["cached", "cached"]


def test_a_corrupt_download_is_not_saved(server, tmp_path, raw_dir):
    served = tmp_path / "served"
    (served / "context").mkdir(parents=True)
    (served / "context/imd19.csv").write_text("tampered")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a, **k: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        results = fetch(tmp_path / "cache", base_url=f"http://127.0.0.1:{httpd.server_address[1]}",
                        only=["context/imd19.csv", "context/outturn_1213.csv"])
    finally:
        httpd.shutdown()
    assert "sha256" in results[0].detail and results[0].status == "failed"
    assert results[1].status == "failed" and results[1].network  # 404 from this server
    assert not (tmp_path / "cache/context/imd19.csv").exists()


def test_offline_explains_how_to_use_a_local_copy(tmp_path):
    # port 9 on localhost refuses connections: the same failure as having no network
    with pytest.raises(DataError, match="CSC_OUTCOMES_DATA"):
        fetch(tmp_path, base_url="http://127.0.0.1:9", only=["context/imd19.csv"], timeout=2)


def test_fetch_from_a_mirror_encodes_spaces_and_brackets(server, tmp_path):
    # the real name has a space and brackets: fetching it used to crash
    name = "dfe_cla_la_tables/2015/SFR34_2015_Local_Authority_Tables (3).xlsx"
    [result] = fetch(tmp_path, base_url=server, only=[name])
    assert result.status == "downloaded", result.detail
    assert result.url.endswith("SFR34_2015_Local_Authority_Tables%20%283%29.xlsx")
    assert (tmp_path / name).is_file()


def test_manifest_records_each_published_header(raw_dir):
    """The manifest's published headers (used to catch renamed columns) match the files."""
    import csv

    for e in manifest():
        if "columns" in e and e["path"].endswith(".csv"):
            encoding = "cp1252" if "SFR0" in e["path"] or "outturn" in e["path"] else "utf-8-sig"
            with (raw_dir / e["path"]).open(encoding=encoding, newline="") as fh:
                assert next(csv.reader(fh)) == e["columns"], e["path"]
    assert sum("columns" in e for e in manifest()) == 84
    assert sum("sheets" in e for e in manifest()) == 9
