"""The raw archive, <data-dir>/raw/: every list ICE published, content-addressed, never overwritten.

Every workbook taken into it is first read in a reader child process (read_apart), as ingest
reads it again later: the spreadsheet reader is native code, and its crash costs one file.

`<data-dir>/raw/files/<sha256>.xlsx` holds the bytes; `<data-dir>/raw/manifest.csv` holds one row
per sighting of a file: its original name, list_kind, publication date and how that date was known,
sha256, size, where it came from and when it was imported. `imported_at` is a fact about the
import, kept in the raw manifest only: no build output copies it (the build must not depend on the
clock).

`ContentStore` is the shared base of every content-addressed raw store (this one and the removals
store): a root folder, its files/ and its manifest.csv.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..common.errors import LedgerError
from .readers import read_apart
from .workbook import read_sheet

MANIFEST_FIELDS = [
    "sha256",
    "original_name",
    "list_kind",
    "published_at",
    "date_source",
    "size",
    "source",
    "imported_at",
]

# ICE's own names: participatingAgencies12302025am.xlsx, pendingAgencies07012025pm_b.xlsx.
ICE_NAME_RE = re.compile(r"(?P<mm>\d{2})(?P<dd>\d{2})(?P<yyyy>20\d{2})(?P<slot>am|mid|pm)?(?P<suffix>[_-]?[a-z0-9]{0,2})?\.xlsx$", re.I)
# Archive captures: ParticipatingEntities-20210113002027.xlsx (the list was live at that moment).
CAPTURE_RE = re.compile(r"-(?P<stamp>20\d{12})\.xlsx$", re.I)
# Manifests written before the rename of `kind` to `list_kind` keep working: old header -> new.
RENAMED_FIELDS = {"kind": "list_kind"}
# Reading a list takes a few tens of MiB; four reader children use two cores and more without
# crowding the memory of a small machine.
MAX_READERS = 4
# ICE's slots within a day. The clock times are notional: they only order lists of the same day.
SLOT_TIMES = {"am": (9, 0), "mid": (12, 0), "pm": (17, 0), "": (12, 0)}


@dataclass(frozen=True)
class Dating:
    published_at: dt.datetime
    date_source: str  # ice_file_name | archive_capture | import_option | fetched_at


def kind_from_name(name: str) -> str | None:
    lower = name.lower()
    if lower.startswith("pending"):
        return "pending"
    if lower.startswith("participat"):
        return "participating"
    return None


def date_from_name(name: str) -> Dating | None:
    """The publication moment a file name states, or None when it states none."""
    capture = CAPTURE_RE.search(name)
    if capture:
        try:
            return Dating(dt.datetime.strptime(capture["stamp"], "%Y%m%d%H%M%S"), "archive_capture")
        except ValueError:
            return None
    ice = ICE_NAME_RE.search(name)
    if ice:
        slot = (ice["slot"] or "").lower()
        # A suffix (_b, B, _2, 2) marks a re-issue in the same slot: order it after the first.
        revision = 1 if ice["suffix"] else 0
        hour, minute = SLOT_TIMES[slot]
        try:
            day = dt.datetime(int(ice["yyyy"]), int(ice["mm"]), int(ice["dd"]), hour, minute + revision)
        except ValueError:
            return None
        return Dating(day, "ice_file_name")
    return None


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ContentStore:
    """A content-addressed raw store: <root>/files holds the bytes, <root>/manifest.csv one row per sighting."""

    # Old manifest column name -> current one; a subclass sets its own.
    renamed: dict[str, str] = RENAMED_FIELDS

    def __init__(self, root: Path, fields: list[str]):
        self.root = Path(root)
        self.files = self.root / "files"
        self.manifest_path = self.root / "manifest.csv"
        self.fields = list(fields)

    def manifest(self) -> list[dict]:
        """The manifest's rows ([] when there is none yet), old column names mapped to the current ones."""
        if not self.manifest_path.exists():
            return []
        with self.manifest_path.open(newline="", encoding="utf-8") as fh:
            return [{self.renamed.get(k, k): v for k, v in row.items()} for row in csv.DictReader(fh)]

    def append(self, row: dict) -> None:
        """Add one row to the manifest, writing its header first when the manifest is new."""
        header = self._header()
        # A manifest written before a column was renamed keeps its old header, so the row is
        # written under the old names and lines up with the rows above it.
        as_written = {self.renamed.get(name, name): name for name in header}
        append_row(self.manifest_path, header, {as_written.get(k, k): v for k, v in row.items()})

    def _header(self) -> list[str]:
        if self.manifest_path.exists():
            with self.manifest_path.open(newline="", encoding="utf-8") as fh:
                header = next(csv.reader(fh), None)
            if header:
                return header
        return self.fields


class Store(ContentStore):
    """The raw archive of ICE's lists under <data-dir>/raw."""

    def __init__(self, data_dir: Path):
        super().__init__(Path(data_dir) / "raw", MANIFEST_FIELDS)
        self._seen: set[tuple[str, str]] | None = None

    def _sightings(self) -> set[tuple[str, str]]:
        # Read once per Store: importing a thousand files must not re-read the manifest each time.
        if self._seen is None:
            self._seen = {(r["sha256"], r["original_name"]) for r in self.manifest()}
        return self._seen

    def path_of(self, sha256: str) -> Path:
        return self.files / f"{sha256}.xlsx"

    def holds_sample(self) -> bool:
        return any(row["source"].startswith("sample:") for row in self.manifest())

    def add(
        self,
        data: bytes,
        original_name: str,
        source: str,
        date: dt.date | None = None,
        list_kind: str | None = None,
        fetched_at: dt.datetime | None = None,
        checked: str | None = None,
        imported_at: dt.datetime | None = None,
    ) -> tuple[dict | None, str]:
        """Store one workbook's bytes and record the sighting. Returns (manifest row or None, status).

        Raises LedgerError when the file cannot be taken: unsafe, unreadable, undated or of unknown kind.
        `checked` is the sha256 of the bytes a reader child already read (import reads many at
        once); otherwise they are read here, in a child too, so an abort in the reader loses nothing.
        `imported_at` (default: now) lets the sample record a time from its own data, not the clock.
        """
        digest = sha256_of(data)
        if checked is None:
            check_workbook(Path(source), data)  # refuses what ingest could not parse
        elif checked != digest:
            raise LedgerError(source, "the file changed while it was being imported")
        list_kind = list_kind or kind_from_name(original_name)
        if list_kind is None:
            raise LedgerError(source, "cannot tell participating from pending by the file name; pass --kind")
        dating = date_from_name(original_name)
        if dating is None and date is not None:
            dating = Dating(dt.datetime.combine(date, dt.time(12, 0)), "import_option")
        if dating is None and fetched_at is not None:
            dating = Dating(fetched_at.replace(microsecond=0), "fetched_at")
        if dating is None:
            raise LedgerError(source, "no publication date in the file name; pass --date YYYY-MM-DD")
        if (digest, original_name) in self._sightings():
            return None, "already present"
        # A list with a header and no rows is kept: ICE did publish empty pending lists, and an
        # empty list is a fact about that day. `fetch` guards live downloads against drops instead.
        self.files.mkdir(parents=True, exist_ok=True)
        target = self.path_of(digest)
        if not target.exists():  # content-addressed: the same bytes are never written twice
            fd, tmp = tempfile.mkstemp(dir=self.files, suffix=".part")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        row = {
            "sha256": digest,
            "original_name": original_name,
            "list_kind": list_kind,
            "published_at": dating.published_at.isoformat(),
            "date_source": dating.date_source,
            "size": str(len(data)),
            "source": source,
            "imported_at": import_time(imported_at),
        }
        self.append(row)
        self._sightings().add((digest, original_name))
        return row, "imported"

def import_time(moment: dt.datetime | None) -> str:
    """The manifest's imported_at: the moment given, else now, in UTC to the second."""
    return (moment or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(microsecond=0).isoformat()


def append_row(path: Path, fields: list[str], row: dict) -> None:
    """Add one row to a manifest CSV, writing its header first when the file is new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    with path.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        if new:
            writer.writeheader()
        writer.writerow(row)


def find_workbooks(paths: list[Path]) -> list[Path]:
    """Every .xlsx under the given files and folders, recursively, in a stable order."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() == ".xlsx" and p.is_file()))
        else:
            found.append(path)
    return found


def read_file(item: tuple[Path, str]) -> str:
    """In a reader child: read one workbook from disk, refuse it as ingest would; its bytes' sha256."""
    path, source = item
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LedgerError(path, f"cannot read file ({exc.strerror})") from None
    read_sheet(Path(source), data)
    return sha256_of(data)


def read_bytes(item: tuple[Path, bytes]) -> int:
    path, data = item
    return read_sheet(path, data).row_count


def check_workbook(path: Path, data: bytes) -> int:
    """Read one workbook's bytes in a reader child: its row count, or its LedgerError raised."""
    (result,) = read_apart(read_bytes, [(path, data)], lambda item: item[0])
    if isinstance(result, LedgerError):
        raise result
    return result


def import_paths(
    store: Store, paths: list[Path], date: dt.date | None = None, list_kind: str | None = None, source_label: str | None = None
) -> tuple[int, int, list[LedgerError]]:
    """Import every workbook under paths. Returns (imported, skipped, errors); errors never stop the rest.

    The files are read in reader children, several at once, and each is recorded in the manifest
    as soon as it is stored, in the order found.
    """
    imported = skipped = 0
    errors: list[LedgerError] = []
    items = [(path, f"{source_label}:{path.name}" if source_label else str(path.resolve())) for path in find_workbooks(paths)]
    readers = min(os.cpu_count() or 1, MAX_READERS)
    for (path, source), digest in zip(items, read_apart(read_file, items, lambda item: item[0], readers)):
        try:
            if isinstance(digest, LedgerError):
                raise digest
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise LedgerError(path, f"cannot read file ({exc.strerror})") from None
            _, status = store.add(data, path.name, source, date=date, list_kind=list_kind, checked=digest)
        except LedgerError as exc:
            errors.append(exc)
            continue
        if status == "imported":
            imported += 1
        else:
            skipped += 1
    return imported, skipped, errors
