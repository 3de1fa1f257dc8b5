"""Makes the MkDocs source tree of one build: <data-dir>/build/site_src (the hand-written site_src plus the generated pages) and <data-dir>/build/mkdocs.yml.

No stage writes into the checkout: two builds from one checkout, with different data
directories, each get their own tree, and site_src/ holds only what people write.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..common.addresses import SITE_URL_RE, site_url
from ..common.paths import MKDOCS_CONFIG, SITE_SRC  # noqa: F401 (SITE_SRC is re-exported)

# The folders of the tree the render stage generates; everything else is copied from site_src/.
GENERATED_DIRS = ["generated", "states", "agencies", "national", "data", "changes", "ended", "api", "assets/vendor", "feeds", "overrides/generated"]
# Generated folders where a page no longer in the data is removed (the others are rewritten whole).
PAGE_DIRS = ["states", "agencies", "changes"]
# Folders whose every file is either written by this build or linked from the downloads tree:
# anything else in them is an earlier build's and is removed.
OWNED_DIRS = ["data"]


def is_generated(relative: Path) -> bool:
    text = relative.as_posix()
    return any(text == d or text.startswith(d + "/") for d in GENERATED_DIRS)


def prepare_source(build: Path) -> tuple[Path, Path]:
    """Copy site_src's hand-written files and mkdocs.yml under `build`; returns (source tree, config).

    Files are copied only when changed and generated folders are kept, so an unchanged page keeps
    its file (MkDocs and the browser cache see stable files) and the chart runtime is bundled once.
    """
    source = Path(build) / "site_src"
    wanted = {p.relative_to(SITE_SRC) for p in SITE_SRC.rglob("*") if p.is_file() and not is_generated(p.relative_to(SITE_SRC))}
    for relative in sorted(wanted):
        target = source / relative
        if not target.exists() or target.read_bytes() != (SITE_SRC / relative).read_bytes():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(SITE_SRC / relative, target)
    for path in sorted(source.rglob("*")):  # hand-written files deleted from site_src since the last build
        relative = path.relative_to(source)
        if path.is_file() and not is_generated(relative) and relative not in wanted:
            path.unlink()
    # The project's mkdocs.yml names docs_dir and the snippets' base path as site_src, relative to
    # the folder MkDocs runs in: beside this tree, it builds this tree.
    config = Path(build) / "mkdocs.yml"
    # site_url as the build uses it: mkdocs.yml's, or LEDGER_SITE_URL's for a fork's one build.
    text = SITE_URL_RE.sub(f"site_url: {site_url()}", MKDOCS_CONFIG.read_text(encoding="utf-8"), count=1)
    if not config.exists() or config.read_text(encoding="utf-8") != text:
        config.write_text(text, encoding="utf-8")
    return source, config


def remove_stale(source: Path, written: set[Path]) -> None:
    """Remove generated pages of states or agencies no longer in the data, and files of data/ no longer published, so the site never shows stale ones."""
    for name in PAGE_DIRS:
        folder = source / name
        for path in folder.rglob("*.md") if folder.exists() else []:
            if path not in written:
                path.unlink()
    for name in OWNED_DIRS:
        folder = source / name
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            if path.is_file() and path not in written:
                path.unlink()


def link_downloads(tree: Path, source: Path) -> set[Path]:
    """Put every file of the downloads stage's tree at the same place in the source tree (a hard link where the file system allows: no copy of a quarter of a gigabyte). Returns the paths."""
    placed = set()
    for path in sorted(tree.rglob("*")):
        if not path.is_file():
            continue
        target = source / path.relative_to(tree)
        placed.add(target)
        if target.exists() and os.path.samefile(path, target):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        try:
            os.link(path, target)
        except OSError:  # another file system, or one without hard links
            shutil.copyfile(path, target)
    return placed
