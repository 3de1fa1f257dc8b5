"""Reads ingest's tables as the history stage uses them: the declared columns, or a one-line error naming the file.

Ingest's contract (ledger/ingest/contract.py) declares these tables in full. It is not imported
here because importing it runs ledger/ingest/__init__.py, which loads ingest's internals, and
the history stage may depend on ingest's outputs only, never on its code.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..common.errors import LedgerError


def read_ingest(build: Path, file: str, columns: list[str] | None = None) -> pd.DataFrame:
    """One of ingest's Parquet tables under build/ (only `columns` when given)."""
    path = Path(build) / file
    if not path.exists():
        raise LedgerError(path, "not found: run `ledger ingest` (or `ledger build`) first")
    try:
        table = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise LedgerError(path, f"cannot be read as Parquet ({type(exc).__name__})") from None
    missing = [c for c in columns or [] if c not in table.columns]
    if missing:
        raise LedgerError(path, f"lacks column(s) {', '.join(missing)}: re-run `ledger ingest`")
    return table[columns] if columns else table
