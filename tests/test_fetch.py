"""`ledger fetch` against a local HTTP server on 127.0.0.1 serving fixtures: never the network."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ledger import cli
from ledger.sources.fetch import USER_AGENT, list_links
from ledger.sources.sample import workbook_bytes
from ledger.sources.store import Store

P_HEADER = ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA"]
N_HEADER = ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE"]


def participating(n: int) -> bytes:
    rows = [["TEXAS", f"Agency {i}", "County", "Smith County", "Task Force Model", "2025-07-07", ("link", None)] for i in range(n)]
    return workbook_bytes(P_HEADER, rows)


def pending(n: int) -> bytes:
    return workbook_bytes(N_HEADER, [["TEXAS", f"Pending {i}", "County", "Smith County", "Task Force Model"] for i in range(n)])


class Site:
    """A stand-in for ICE's 287(g) page: routes are set per test."""

    def __init__(self):
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[tuple[str, str]] = []
        self.failures_left: dict[str, int] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the stdlib's name)
                site.requests.append((self.path, self.headers.get("User-Agent", "")))
                if site.failures_left.get(self.path, 0) > 0:
                    site.failures_left[self.path] -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                status, ctype, body = site.routes.get(self.path, (404, "text/plain", b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page(self, participating_name: str, pending_name: str):
        html = f"""<html><body><h1>287(g)</h1>
        <a href="/doclib/about/offices/ero/287g/{participating_name}">Participating agencies</a>
        <a href="{self.url}/doclib/about/offices/ero/287g/{pending_name}">Pending agencies</a>
        <a href="/other.pdf">x</a></body></html>"""
        self.routes["/287g"] = (200, "text/html", html.encode())

    def file(self, name: str, body: bytes, ctype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
        self.routes[f"/doclib/about/offices/ero/287g/{name}"] = (200, ctype, body)

    def publish(self, participating_name: str, body: bytes, ctype: str | None = None, pending_body: bytes | None = None):
        """Put a participating list (and, if given, the pending list of 01/08/2026) on the page."""
        pending_name = "pendingAgencies01082026am.xlsx"
        self.page(participating_name, pending_name)
        self.file(participating_name, body, *([ctype] if ctype else []))
        if pending_body is not None:
            self.file(pending_name, pending_body)


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr("ledger.sources.http.RETRY_BACKOFF", 0.01)


@pytest.fixture
def site():
    s = Site()
    yield s
    s.server.shutdown()


def fetch(data, site, *extra):
    return cli.main(["--data-dir", str(data), "fetch", "--page-url", f"{site.url}/287g", *extra])


def test_list_links_finds_both_kinds():
    html = '<a href="/x/participatingAgencies01072026am.xlsx">a</a><a href="pendingAgencies01082026am.xlsx">b</a>'
    assert list_links(html, "https://www.ice.gov/identify-and-arrest/287g") == {
        "participating": "https://www.ice.gov/x/participatingAgencies01072026am.xlsx",
        "pending": "https://www.ice.gov/identify-and-arrest/pendingAgencies01082026am.xlsx",
    }


def test_fetch_stores_both_lists_with_provenance(site, tmp_path):
    site.publish("participatingAgencies01072026am.xlsx", participating(10), pending_body=pending(3))
    site.failures_left["/287g"] = 1  # a transient error is retried
    assert fetch(tmp_path / "data", site) == 0
    manifest = Store(tmp_path / "data").manifest()
    assert sorted(r["list_kind"] for r in manifest) == ["participating", "pending"]
    assert all(r["source"].startswith(site.url) and r["date_source"] == "ice_file_name" for r in manifest)
    assert all(agent == USER_AGENT for _, agent in site.requests)
    assert fetch(tmp_path / "data", site) == 0  # the same lists again: nothing new stored
    assert len(Store(tmp_path / "data").manifest()) == 2


def test_an_html_answer_is_refused_and_the_last_good_list_stays(site, tmp_path, capsys):
    site.publish("participatingAgencies01072026am.xlsx", participating(10), pending_body=pending(3))
    assert fetch(tmp_path / "data", site) == 0
    site.publish("participatingAgencies01092026am.xlsx", b"<!DOCTYPE html><html>Access Denied</html>", "text/html")
    assert fetch(tmp_path / "data", site) == 1
    err = capsys.readouterr().err
    assert "participatingAgencies01092026am.xlsx: not an Excel workbook (an HTML page)" in err
    assert "Traceback" not in err
    names = [r["original_name"] for r in Store(tmp_path / "data").manifest()]
    assert names == ["participatingAgencies01072026am.xlsx", "pendingAgencies01082026am.xlsx"]


def test_a_drop_over_20_percent_needs_accept_drop(site, tmp_path, capsys):
    site.publish("participatingAgencies01072026am.xlsx", participating(10), pending_body=pending(3))
    assert fetch(tmp_path / "data", site) == 0
    site.publish("participatingAgencies01092026am.xlsx", participating(7))  # 30% fewer rows
    assert fetch(tmp_path / "data", site) == 1
    assert "7 rows against 10" in capsys.readouterr().err
    assert len(Store(tmp_path / "data").manifest()) == 2
    assert fetch(tmp_path / "data", site, "--accept-drop") == 0
    assert len(Store(tmp_path / "data").manifest()) == 3
    site.publish("participatingAgencies01102026am.xlsx", participating(6))  # 14% fewer: fine
    assert fetch(tmp_path / "data", site) == 0


def test_a_page_without_list_links_is_an_error(site, tmp_path, capsys):
    site.routes["/287g"] = (200, "text/html", b"<html>maintenance</html>")
    assert fetch(tmp_path / "data", site) == 1
    assert "no link to a participating list" in capsys.readouterr().err


def test_an_unreachable_page_is_one_line(tmp_path, capsys):
    status = cli.main(["--data-dir", str(tmp_path), "fetch", "--page-url", "http://127.0.0.1:9/287g"])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "download failed" in err
