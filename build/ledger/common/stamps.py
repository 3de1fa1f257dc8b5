"""Makes the up-to-date stamps in <data-dir>/build/cache/<stage>.stamp that let a rebuild skip unchanged stages.

A stamp is the sha256 of everything a stage reads (its input tables, hand-curated files,
templates and its own code). Content, not modification times, decides: a file rewritten with
the same bytes does not force work, and any changed byte does.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .. import __version__


def signature(paths: list[Path]) -> str:
    digest = hashlib.sha256(__version__.encode())
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file).encode())
            digest.update(file.read_bytes() if file.exists() else b"<missing>")
    return digest.hexdigest()


def is_fresh(stamp: Path, sig: str, outputs: list[Path]) -> bool:
    return stamp.exists() and stamp.read_text() == sig and all(p.exists() for p in outputs)


def mark(stamp: Path, sig: str) -> None:
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(sig)
