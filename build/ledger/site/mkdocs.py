"""Builds the site with `mkdocs build --strict` from one build's source tree (see source.py).

MkDocs reads the clock in one place, mkdocs.utils.get_build_datetime, which honours
SOURCE_DATE_EPOCH: every page's update_date (the sitemap's <lastmod>), the sitemap.xml.gz header's
mtime and the templates' build_date_utc come from it. Material's search plugin writes its index
in page order and reads no clock. So the build's one moment, passed as SOURCE_DATE_EPOCH, makes
MkDocs' output depend on the data alone.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from ..common.errors import LedgerError

ERROR_LINES = 5  # the last lines of MkDocs' output an error quotes


def run_mkdocs(config: Path, site_dir: Path, moment: dt.datetime) -> float:
    """Build the site into site_dir, dated `moment` (ledger.common.addresses.build_moment); returns the seconds it took.

    MkDocs runs beside the config, whose paths are relative."""
    started = time.perf_counter()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true", **mkdocs_clock(moment)}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--config-file", str(Path(config).resolve()), "--site-dir", str(Path(site_dir).resolve())],
        capture_output=True, text=True, env=env, cwd=config.parent,
    )  # fmt: skip
    if result.returncode != 0:
        lines = [line for line in (result.stderr + result.stdout).splitlines() if line.strip() and "MkDocs 2" not in line]
        raise LedgerError(config, "mkdocs build --strict failed: " + " | ".join(lines[-ERROR_LINES:]))
    return time.perf_counter() - started


def mkdocs_clock(moment: dt.datetime) -> dict[str, str]:
    """The environment that pins MkDocs' clock to `moment`: SOURCE_DATE_EPOCH, and UTC for anything local."""
    if moment.tzinfo is None:
        raise ValueError("the build moment must be an aware datetime")
    return {"SOURCE_DATE_EPOCH": str(int(moment.timestamp())), "TZ": "UTC"}
