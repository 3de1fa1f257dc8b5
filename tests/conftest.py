"""Shared test helpers: tiny workbooks in ICE's layouts, written by the tests themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.sources.sample import workbook_bytes

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
ICE_SHEETS = SHARED_DATA / "ice-sheets"


def shared_path(name: str) -> Path:
    """A file in ../shared/data, or skip the test with a message saying what is missing."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"real data not found: {path} (the shared archive sits beside the repository)")
    return path


@pytest.fixture
def write_list(tmp_path):
    """write_list(name, header, rows) -> path of a workbook in ICE's layout."""

    def write(name: str, header: list[str], rows: list[list], folder: Path | None = None) -> Path:
        target = (folder or tmp_path / "lists") / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(workbook_bytes(header, rows))
        return target

    return write
