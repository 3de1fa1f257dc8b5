"""The raw store of removal files, <data-dir>/raw/removals/: ICE's statistics by agency (CSV) and FOIA releases, checked and content-addressed.

`ledger import-removals` adds files here; the removals stage reads them. Each file is checked for
what its name claims before it is taken, so a saved HTML error page never reaches the stage.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from python_calamine import CalamineWorkbook

from ..common.errors import LedgerError
from ..common.excel import HEADER_SEARCH_ROWS
from .store import ContentStore, append_row, import_time
from .workbook import check_zip

AGENCY_KIND = "agency_stats"
FOIA_KIND = "foia"
KIND_BY_SUFFIX = {".csv": AGENCY_KIND, ".xlsx": FOIA_KIND, ".parquet": FOIA_KIND}
MANIFEST_FIELDS = ["name", "source_kind", "sha256", "size", "source", "imported_at"]
# Manifests written before `kind` was renamed `source_kind` keep working: old header -> new.
RENAMED_FIELDS = {"kind": "source_kind", "list_kind": "source_kind"}
CHUNK_BYTES = 1 << 20  # releases run to gigabytes: hashed and copied a MiB at a time
SNIFF_BYTES = 65536  # enough of a file's start to tell CSV from HTML, zip or binary


class RemovalsStore(ContentStore):
    """<data-dir>/raw/removals/: files content-addressed by sha256 under files/, one manifest row per sighting."""

    def __init__(self, data_dir: Path):
        super().__init__(Path(data_dir) / "raw" / "removals", MANIFEST_FIELDS)

    # ContentStore maps the ICE lists' old `kind` to `list_kind`; here `kind` meant the source kind.
    def manifest(self) -> list[dict]:
        return [{RENAMED_FIELDS.get(k, k): v for k, v in row.items()} for row in super().manifest()]

    def append(self, row: dict) -> None:
        header = self._header()
        as_written = {RENAMED_FIELDS.get(name, name): name for name in header}
        append_row(self.manifest_path, header, {as_written.get(k, k): v for k, v in row.items()})

    def path_of(self, row: dict) -> Path:
        return self.files / f"{row['sha256']}{Path(row['name']).suffix.lower()}"

    def add(self, path: Path, source: str, imported_at: dt.datetime | None = None) -> tuple[dict | None, str]:
        """Check, copy and record one file. Returns (manifest row or None, 'imported' | 'already present').

        `imported_at` (default: now) lets the sample record a time from its own data, not the clock."""
        path = Path(path)
        source_kind = validate_removals_file(path)
        self.files.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.files, suffix=".part")
        digest, size = hashlib.sha256(), 0
        try:
            # Hash while copying rather than reading the file whole.
            with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
                for chunk in iter(lambda: src.read(CHUNK_BYTES), b""):
                    digest.update(chunk)
                    dst.write(chunk)
                    size += len(chunk)
            sha = digest.hexdigest()
            if any(r["sha256"] == sha and r["name"] == path.name for r in self.manifest()):
                return None, "already present"
            # imported_at is a fact about the import, kept in the raw manifest only: no build output copies it.
            row = {"name": path.name, "source_kind": source_kind, "sha256": sha, "size": str(size), "source": source,
                   "imported_at": import_time(imported_at)}  # fmt: skip
            target = self.path_of(row)
            if not target.exists():
                os.replace(tmp, target)
            self.append(row)
            return row, "imported"
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)


def validate_removals_file(path: Path) -> str:
    """The source kind of a file offered for import, or LedgerError saying why it is not what its name claims."""
    # Imported here, not at the top: the removals package imports this module for its store.
    from ..removals.agency_stats import agency_stats_layout
    from ..removals.foia import MAX_RELEASE_BYTES, find_header, foia_layout
    from ..removals.vocabulary import exception_text

    source_kind = KIND_BY_SUFFIX.get(path.suffix.lower())
    if source_kind is None:
        raise LedgerError(
            path, "not a removals file: expected .csv (ICE's 287(g) statistics by agency), .xlsx or .parquet (FOIA records)"
        )
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise LedgerError(path, f"cannot read file ({exc.strerror})") from None
    if path.suffix.lower() == ".csv":
        if head.startswith(b"PK\x03\x04"):
            raise LedgerError(path, "not a CSV file (a zip or Excel workbook)")
        if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
            raise LedgerError(path, "not a CSV file (an HTML page)")
        if b"\x00" in head:
            raise LedgerError(path, "not a CSV file (binary content)")
        try:
            first_line = head.split(b"\n", 1)[0].decode("utf-8-sig")
        except UnicodeDecodeError:
            raise LedgerError(path, "not a CSV file (not UTF-8 text)") from None
        header = next(csv.reader(io.StringIO(first_line)), [])
        agency_stats_layout(path, header)
    elif path.suffix.lower() == ".xlsx":
        check_zip(path, limit=MAX_RELEASE_BYTES)
        try:
            workbook = CalamineWorkbook.from_path(str(path))
            found = False
            for name in workbook.sheet_names:
                rows = workbook.get_sheet_by_name(name).iter_rows()
                head_rows = [row for _, row in zip(range(HEADER_SEARCH_ROWS), rows)]
                if find_header(head_rows):
                    found = True
                    break
        except Exception as exc:
            raise LedgerError(path, f"unreadable workbook ({exception_text(exc)})") from None
        if not found:
            raise LedgerError(
                path, "not a FOIA enforcement release: no sheet has Apprehension Method and a departure date in its header"
            )
    else:
        if not head.startswith(b"PAR1"):
            raise LedgerError(path, "not a Parquet file (no PAR1 magic)")
        try:
            names = pq.read_schema(path).names
        except (pa.ArrowException, OSError) as exc:
            raise LedgerError(path, f"not a Parquet file ({exception_text(exc)})") from None
        foia_layout(path, names)
    return source_kind


def removals_files(paths: list[Path]) -> list[Path]:
    """Every file under the given files and folders, recursively, in a stable order."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in KIND_BY_SUFFIX))
        else:
            found.append(path)
    return found


def import_removals(
    data_dir: Path, paths: list[Path], source_label: str | None = None, imported_at: dt.datetime | None = None
) -> tuple[int, int, list[LedgerError]]:
    """Add ICE's statistics by agency (CSV) and FOIA releases to <data-dir>/raw/removals/. Returns (imported, skipped, errors)."""
    store = RemovalsStore(data_dir)
    imported = skipped = 0
    errors: list[LedgerError] = []
    for path in removals_files(paths):
        try:
            source = f"{source_label}:{path.name}" if source_label else str(path.resolve())
            _, status = store.add(path, source, imported_at)
        except LedgerError as exc:
            errors.append(exc)
            continue
        except OSError as exc:
            errors.append(LedgerError(path, f"cannot store file ({exc.strerror})"))
            continue
        imported += status == "imported"
        skipped += status != "imported"
    return imported, skipped, errors


def release_url(source: str, name: str) -> str:
    """The address a release was imported from, when the manifest's source is one ('URL' or 'URL:name')."""
    url = source[: -len(name) - 1] if source.endswith(f":{name}") else source
    return url if re.fullmatch(r"https?://\S+", url) else ""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()

