"""Where the project's own files live: the one place that knows the checkout's layout."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # build/ledger
REPO = PACKAGE.parents[1]
PROJECT_MANUAL_DIR = REPO / "data" / "manual"  # hand-curated fixes
PROJECT_PUBLISHED_DIR = REPO / "data" / "published"  # cited figures
SITE_SRC = REPO / "site_src"  # hand-written pages and templates
NODE_MODULES = REPO / "node_modules"
MKDOCS_CONFIG = REPO / "mkdocs.yml"
DEFAULT_SITE = REPO / "site"
