"""The shape of a stage's contract: its name, what it reads, the tables it writes and their columns.

Each stage package declares its contract once, in its `contract.py`, as a `Stage`. Everything
else is derived from those declarations (see ledger.pipeline): the CLI's stages and their
order, the up-to-date stamps, `ledger stages`, the README's pipeline table and the data
dictionary. `save_table` refuses a table whose columns differ from its declaration, so a
contract cannot drift from what the stage really writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from .errors import LedgerError

# Column types, named as Frictionless Table Schema names them, so the data dictionary and a
# data package can be generated from the contracts without translation.
TYPES = {"string", "integer", "number", "boolean", "date", "datetime", "array"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: type {self.type!r} is not one of {sorted(TYPES)}")
        if not self.description.strip():
            raise ValueError(f"column {self.name}: a column needs a description")


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str  # a table's file name, e.g. "agreements.parquet"
    reference: str  # the column it refers to there


@dataclass(frozen=True)
class Table:
    """A table a stage writes under <data-dir>/build/, by file name (.parquet or .csv)."""

    file: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def path(self, build: Path) -> Path:
        return Path(build) / self.file


@dataclass(frozen=True)
class Stage:
    """One stage of the pipeline.

    `reads` names the stages whose tables it reads; `inputs` the other files, each as
    `<root>:<relative path>` with root one of raw (<data-dir>/raw), manual (the fix tables),
    published (the cited figures) or project (the checkout: templates, mkdocs.yml).
    `package` is the Python package that holds the stage's code; `run` is `module:function`.
    """

    name: str
    description: str
    package: str
    run: str
    reads: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    writes: tuple[Table, ...] = ()
    products: tuple[str, ...] = ()  # other files it makes (not tables), relative to <data-dir>/build
    help: str = ""
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    def table(self, file: str) -> Table:
        for table in self.writes:
            if table.file == file:
                return table
        raise KeyError(f"stage {self.name} declares no table {file}")


def conform(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with exactly the declared columns, in order; a missing or undeclared column is an error."""
    missing = [c for c in table.names if c not in frame.columns]
    extra = [c for c in frame.columns if c not in table.names]
    if missing or extra:
        parts = ([f"lacks declared column(s) {', '.join(missing)}"] if missing else []) + (
            [f"has undeclared column(s) {', '.join(map(str, extra))}"] if extra else []
        )
        raise LedgerError(table.file, "; ".join(parts) + " (see its stage's contract.py)")
    frame = frame if list(frame.columns) == table.names else frame[table.names]
    if table.primary_key:
        # A key that names two rows would silently join one row to another's data downstream.
        repeated = frame.duplicated(list(table.primary_key), keep=False)
        if repeated.any():
            first = frame.loc[repeated, list(table.primary_key)].iloc[0].tolist()
            raise LedgerError(table.file, f"{int(repeated.sum())} rows share a primary key ({', '.join(table.primary_key)}), e.g. {first}")
    return frame


def save_table(build: Path, table: Table, frame: pd.DataFrame) -> Path:
    """Write one declared table under build/, after checking its columns against the contract."""
    frame = conform(table, frame)
    path = table.path(build)
    path.parent.mkdir(parents=True, exist_ok=True)
    if table.file.endswith(".parquet"):
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def read_table(build: Path, table: Table, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a declared table, naming the file and the reason when it is missing or damaged."""
    path = table.path(build)
    if not path.exists():
        raise LedgerError(path, "not found: run `ledger build` (or the stage that makes it) first")
    wanted = columns or table.names
    try:
        # The header first, so only the wanted columns are read (a stage rarely needs them all).
        present = pq.read_schema(path).names if table.file.endswith(".parquet") else list(pd.read_csv(path, nrows=0).columns)
        missing = [c for c in wanted if c not in present]
        if missing:
            raise LedgerError(path, f"lacks column(s) {', '.join(missing)}: re-run the stage that makes it")
        if table.file.endswith(".parquet"):
            return pd.read_parquet(path, columns=wanted)
        return pd.read_csv(path, dtype=str, keep_default_na=False, usecols=wanted)[wanted]
    except LedgerError:
        raise
    except Exception as exc:  # pyarrow and pandas raise many types for a damaged file
        raise LedgerError(path, f"cannot be read ({type(exc).__name__})") from None


QA_TABLE_COLUMNS = (
    Column("check", "string", "the check's name"),
    Column("scope", "string", "what it was checked on: a file, a list, an agreement, or 'all ...'"),
    Column("value", "string", "what was found"),
    Column("expected", "string", "what the check expects"),
    Column("status", "string", "fail (fails the build), warn, pass or info"),
)


def qa_table(stage: str) -> Table:
    """The quality checks a stage writes to build/qa/<stage>.csv."""
    return Table(f"qa/{stage}.csv", f"the {stage} stage's quality checks", QA_TABLE_COLUMNS)
