"""The same inputs build the same site, byte for byte: on another day, in another time zone, in another folder.

Two builds of the sample archive, each from `ledger sample` on, run as a person runs them (the
command line in a child process), a few seconds apart, one in UTC and one in Los Angeles; every
file of the two sites must be the same bytes.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import hashlib
import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from ledger.sources import sample
from ledger.sources.sample import SAMPLE_LISTS, workbook_bytes

REPO = Path(__file__).resolve().parents[1]


def build_sample(data: Path, site: Path, tz: str) -> None:
    env = {**os.environ, "TZ": tz, "PYTHONPATH": str(REPO / "build")}
    env.pop("SOURCE_DATE_EPOCH", None)  # the build must need no date from outside
    for command in (["sample"], ["--site-dir", str(site), "build"]):
        result = subprocess.run(
            [sys.executable, "-m", "ledger.cli", "--data-dir", str(data), *command], capture_output=True, text=True, env=env, cwd=REPO
        )
        # 1 is a failed check over a site that was built: the checks' verdict is test_pipeline's
        # and test_site's to judge; here it is enough that the whole site was written.
        assert result.returncode in (0, 1), f"{command} in TZ={tz}: {(result.stderr or result.stdout)[-2000:]}"
    assert (site / "index.html").exists() and (site / "sitemap.xml").exists()


def site_files(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def test_two_builds_of_the_sample_in_different_time_zones_and_folders_are_byte_identical(tmp_path):
    first, second = tmp_path / "utc", tmp_path / "elsewhere" / "los-angeles"
    build_sample(first, first / "site", "UTC")
    time.sleep(1.1)  # a clock that ticks between the builds: any second the build writes shows
    build_sample(second, second / "site", "America/Los_Angeles")
    files_a, files_b = site_files(first / "site"), site_files(second / "site")
    assert files_a == files_b, f"only in the first: {sorted(files_a - files_b)[:20]}; only in the second: {sorted(files_b - files_a)[:20]}"
    differing = [name for name in sorted(files_a) if not filecmp.cmp(first / "site" / name, second / "site" / name, shallow=False)]
    assert differing == [], f"{len(differing)} of {len(files_a)} files differ between the two builds: {differing[:30]}"
    # The sitemap is dated by the data (the latest sample list's day), never by the day it was built.
    sitemap = (first / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert "<lastmod>2026-01-08</lastmod>" in sitemap and dt.date.today().isoformat() not in sitemap
    assert "<loc>https://" in sitemap
    # The raw archive too: the sample's workbooks, and its manifests' times, come from its own data.
    for manifest in ("raw/manifest.csv", "raw/removals/manifest.csv"):
        assert (first / manifest).read_bytes() == (second / manifest).read_bytes(), manifest


class LaterClock(dt.datetime):
    """datetime whose now() is a year and a day later than the real one."""

    @classmethod
    def now(cls, tz=None):
        return super().now(tz) + dt.timedelta(days=366)


def test_a_sample_workbook_is_the_same_bytes_whatever_the_clock_says(monkeypatch):
    _, header, rows = SAMPLE_LISTS[-1]
    before = workbook_bytes(header, rows)
    import openpyxl.writer.excel

    # openpyxl stamps `modified` with datetime.now; zipfile stamps members with time.time.
    monkeypatch.setattr(openpyxl.writer.excel.datetime, "datetime", LaterClock)
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        after = workbook_bytes(header, rows)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert hashlib.sha256(after).hexdigest() == hashlib.sha256(before).hexdigest()
    book = zipfile.ZipFile(io.BytesIO(after))
    assert {info.date_time for info in book.infolist()} == {sample.SAMPLE_LOCAL.timetuple()[:6]}
    core = book.read("docProps/core.xml").decode()
    assert core.count(sample.SAMPLE_LOCAL.strftime("%Y-%m-%dT%H:%M:%SZ")) == 2  # created and modified


def test_mkdocs_is_dated_by_the_build_moment():
    from ledger.site.mkdocs import mkdocs_clock

    moment = dt.datetime(2026, 1, 8, tzinfo=dt.timezone.utc)
    assert mkdocs_clock(moment)["SOURCE_DATE_EPOCH"] == str(int(moment.timestamp())) == "1767830400"
    with pytest.raises(ValueError):
        mkdocs_clock(moment.replace(tzinfo=None))


def test_vega_ids_are_numbered_per_svg_not_per_process():
    from ledger.site.svgs import stable_ids

    def drawn(g: int, c: int) -> str:
        return f'<g clip-path="url(#clip{c})"><path fill="url(#gradient_{g})"/></g><defs><linearGradient id="gradient_{g}"/><clipPath id="clip{c}"/></defs>'

    # The same chart drawn first and fifth in a worker process.
    assert stable_ids(drawn(0, 1)) == stable_ids(drawn(4, 7)) == drawn(0, 0)
