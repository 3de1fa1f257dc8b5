"""Makes the MkDocs source tree of one build: <data-dir>/build/site_src (the hand-written site_src plus the generated pages) and <data-dir>/build/mkdocs.yml.

No stage writes into the checkout: two builds from one checkout, with different data
directories, each get their own tree, and site_src/ holds only what people write.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..common.paths import MKDOCS_CONFIG, SITE_SRC  # noqa: F401 (SITE_SRC is re-exported)

# The folders of the tree the render stage generates; everything else is copied from site_src/.
GENERATED_DIRS = ["generated", "states", "agencies", "national", "data", "changes", "ended", "api", "assets/vendor"]
# Generated folders where a page no longer in the data is removed (the others are rewritten whole).
PAGE_DIRS = ["states", "agencies", "changes"]


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
    text = MKDOCS_CONFIG.read_text(encoding="utf-8")
    if not config.exists() or config.read_text(encoding="utf-8") != text:
        config.write_text(text, encoding="utf-8")
    return source, config


def remove_stale(source: Path, written: set[Path]) -> None:
    """Remove generated pages of states or agencies no longer in the data, so the site never shows stale ones."""
    for name in PAGE_DIRS:
        folder = source / name
        for path in folder.rglob("*.md") if folder.exists() else []:
            if path not in written:
                path.unlink()
