"""Builds the site with `mkdocs build --strict` from one build's source tree (see source.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from ..common.errors import LedgerError

ERROR_LINES = 5  # the last lines of MkDocs' output an error quotes


def run_mkdocs(config: Path, site_dir: Path) -> float:
    """Build the site into site_dir; returns the seconds it took. MkDocs runs beside the config, whose paths are relative."""
    started = time.perf_counter()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--config-file", str(Path(config).resolve()), "--site-dir", str(Path(site_dir).resolve())],
        capture_output=True, text=True, env=env, cwd=config.parent,
    )  # fmt: skip
    if result.returncode != 0:
        lines = [line for line in (result.stderr + result.stdout).splitlines() if line.strip() and "MkDocs 2" not in line]
        raise LedgerError(config, "mkdocs build --strict failed: " + " | ".join(lines[-ERROR_LINES:]))
    return time.perf_counter() - started
