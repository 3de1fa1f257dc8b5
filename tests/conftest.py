"""Shared test helpers: tiny workbooks in ICE's layouts, written by the tests themselves."""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from ledger import cli
from ledger import site as render
from ledger.sources.sample import workbook_bytes

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
ICE_SHEETS = SHARED_DATA / "ice-sheets"
SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def shared_path(name: str) -> Path:
    """A file in ../shared/data, or skip the test with a message saying what is missing."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"real data not found: {path} (the shared archive sits beside the repository)")
    return path


@pytest.fixture
def write_list(tmp_path):
    """write_list(name, header, rows) -> path of a workbook in ICE's layout."""

    def write(name: str, header: list[str], rows: list[list], folder: Path | None = None) -> Path:
        target = (folder or tmp_path / "lists") / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(workbook_bytes(header, rows))
        return target

    return write


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(site: Path):
    """A built site over HTTP on 127.0.0.1 (a page opened from file:// cannot fetch its charts)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """(data dir, build dir holding the MkDocs source tree, site dir) of the sample archive, built through every stage."""
    root = tmp_path_factory.mktemp("site")
    data, site = root / "data", root / "site"
    for command in (["sample"], ["ingest"], ["history"], ["removals"], ["downloads"]):
        assert cli.main(["--data-dir", str(data), *command]) == 0, command
    render.run(data, site_dir=site)
    return data, data / "build", site


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, driven by Playwright (never a browser download)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (make test installs it with apt)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def real_build(tmp_path_factory):
    """(data dir, site dir) of the shared archive imported and built through every stage, once per test run."""
    from ledger import cli

    shared_path("ice-sheets/MANIFEST.csv")
    root = tmp_path_factory.mktemp("real-site")
    data, site = root / "data", root / "site"
    assert cli.main(["--data-dir", str(data), "import", str(ICE_SHEETS)]) == 0
    assert cli.main(["--data-dir", str(data), "--site-dir", str(site), "build"]) == 0
    return data, site
