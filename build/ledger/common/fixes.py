"""Loads the hand-curated fix tables in data/manual/ and records which of their rows were used.

Each table is keyed on the wrong value ICE printed (`wrong`) and gives the `right` one, with
`reason`, `source` and `reviewed`. A row that matched nothing in a build is reported, so a fix
that no longer applies does not linger unseen.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LedgerError

FIX_COLUMNS = ["wrong", "right", "reason", "source", "reviewed"]
TABLES = ["state_names", "agency_states", "support_types", "agency_types", "county_names", "signed_dates", "publication_dates"]
from .paths import PROJECT_MANUAL_DIR


@dataclass
class FixTable:
    name: str
    mapping: dict[str, str]
    used: set[str] = field(default_factory=set)

    def apply(self, key: str) -> str | None:
        """The right value for a wrong one, or None when the table has no row for it."""
        if key in self.mapping:
            self.used.add(key)
            return self.mapping[key]
        return None

    def unused(self) -> list[str]:
        return sorted(set(self.mapping) - self.used)


def manual_dir(data_dir: Path) -> Path:
    """<data-dir>/manual when it exists, else the project's own data/manual."""
    local = Path(data_dir) / "manual"
    return local if local.is_dir() else PROJECT_MANUAL_DIR


def read_manual(path: Path, columns: list[str], what: str):
    """A hand table as text columns (pandas), refused in one line when unreadable or short of a column."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise LedgerError(path, f"cannot be read as CSV ({type(exc).__name__})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LedgerError(path, f"{what} lacks column(s) {', '.join(missing)}")
    return frame


def load_table(path: Path, name: str) -> FixTable:
    if not path.exists():
        return FixTable(name, {})
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in FIX_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise LedgerError(path, f"fix table lacks column(s) {', '.join(missing)}")
        mapping: dict[str, str] = {}
        for line, row in enumerate(reader, start=2):
            wrong = (row["wrong"] or "").strip()
            if not wrong:
                raise LedgerError(path, f"line {line}: empty 'wrong' value")
            if not (row["reason"] or "").strip():
                raise LedgerError(path, f"line {line}: a fix needs a reason")
            if wrong in mapping:
                raise LedgerError(path, f"line {line}: {wrong!r} is listed twice")
            mapping[wrong] = (row["right"] or "").strip()
    return FixTable(name, mapping)


def load_fixes(directory: Path) -> dict[str, FixTable]:
    return {name: load_table(Path(directory) / f"{name}.csv", name) for name in TABLES}
