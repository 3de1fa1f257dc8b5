"""Loads data/manual/agency_aliases.csv, the hand-curated alias table, as a FixTable keyed on state and name key."""

from __future__ import annotations

from pathlib import Path


from ..common.errors import LedgerError
from ..common.fixes import FIX_COLUMNS, FixTable, read_manual
from .names import name_key

# A fix table with the state in front: one spelling can be two agencies in two states.
ALIAS_COLUMNS = ["state", *FIX_COLUMNS]


def load_aliases(path: Path) -> FixTable:
    """The alias table as a FixTable keyed on 'STATE|WRONG NAME KEY', so unused rows are reported like other fixes."""
    table = FixTable("agency_aliases", {})
    if not path.exists():
        return table
    frame = read_manual(path, ALIAS_COLUMNS, "alias table")
    for line, row in enumerate(frame.to_dict("records"), start=2):
        state, wrong, right = row["state"].strip().upper(), row["wrong"].strip(), row["right"].strip()
        if not state or not wrong or not right:
            raise LedgerError(path, f"line {line}: an alias needs state, wrong and right")
        if not row["reason"].strip():
            raise LedgerError(path, f"line {line}: an alias needs a reason")
        key = f"{state}|{name_key(wrong)}"
        if key in table.mapping:
            raise LedgerError(path, f"line {line}: {wrong!r} ({state}) is listed twice")
        if name_key(wrong) == name_key(right):
            raise LedgerError(path, f"line {line}: {wrong!r} and {right!r} are already the same name")
        table.mapping[key] = right
    return table
