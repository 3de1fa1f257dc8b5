"""`ledger fetch` trusts ICE's host only, caps every answer and ends every download by a deadline.

Real HTTP servers on the loopback (127.0.0.1 stands for ICE's host, 127.0.0.2 for another host)
send crafted answers: redirects, oversized and compressed bodies, trickles and silence.
"""

from __future__ import annotations

import gzip
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ledger import cli
from ledger.common.errors import LedgerError
from ledger.sources import http
from ledger.sources.fetch import fetch_current, list_links
from ledger.sources.store import Store

from .test_fetch import participating, pending

P_NAME = "participatingAgencies01072026am.xlsx"
N_NAME = "pendingAgencies01082026am.xlsx"
DEADLINE_1S = "no complete answer within 1 s, the deadline of one download with its retries"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Server:
    """A loopback HTTP server whose routes are functions of the request handler, set per test."""

    def __init__(self, host: str):
        self.routes: dict = {}
        self.hits: list[str] = []
        self.stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the stdlib's name)
                server.hits.append(self.path)
                server.routes.get(self.path, answer(b"not found", "text/plain", status=404))(self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def page(self, *hrefs: str):
        links = "".join(f'<a href="{href}">list</a>' for href in hrefs)
        self.routes["/287g"] = answer(f"<html><body><h1>287(g)</h1>{links}</body></html>".encode(), "text/html")

    def lists(self, p_body: bytes | None = None, n_body: bytes | None = None):
        """The page linking both lists by path, and the lists themselves (good ones unless given)."""
        self.page(f"/doclib/{P_NAME}", f"/doclib/{N_NAME}")
        self.routes[f"/doclib/{P_NAME}"] = answer(participating(10) if p_body is None else p_body)
        self.routes[f"/doclib/{N_NAME}"] = answer(pending(3) if n_body is None else n_body)

    def close(self):
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def answer(body: bytes, ctype: str = XLSX, status: int = 200, length: bool = True, headers: dict | None = None):
    def route(handler):
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        if length:  # without it the body ends when the connection closes (HTTP/1.0)
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return route


def redirect(location: str, status: int = 302):
    return answer(b"", "text/plain", status=status, headers={"Location": location})


def trickle(server: Server, headers_too: bool = False):
    """Sends a byte every 50 ms until the test ends: of the body, or (headers_too) of the headers."""

    def route(handler):
        handler.wfile.write(b"HTTP/1.0 200 OK\r\n" if headers_too else b"HTTP/1.0 200 OK\r\nContent-Length: 100000\r\n\r\n")
        if headers_too:
            handler.wfile.write(b"X-Slow: ")
        try:
            while not server.stop.wait(0.05):
                handler.wfile.write(b"a")
                handler.wfile.flush()
        except OSError:
            pass  # the client gave up

    return route


def silent(server: Server):
    """Accepts the request and never answers."""
    return lambda handler: server.stop.wait(30)


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr("ledger.sources.http.RETRY_BACKOFF", 0.01)


@pytest.fixture
def ice():
    server = Server("127.0.0.1")
    yield server
    server.close()


@pytest.fixture
def other():
    server = Server("127.0.0.2")  # all of 127.0.0.0/8 is the loopback on Linux: another host, still local
    yield server
    server.close()


def run(data, server, **limits):
    """fetch_current against the server's page: (status, log lines, warning lines)."""
    logged, warned = [], []
    status = fetch_current(data, f"{server.url}/287g", log=logged.append, warn=warned.append, **limits)
    return status, logged, warned


def sources(data) -> dict[str, tuple[str, str]]:
    return {r["list_kind"]: (r["original_name"], r["source"]) for r in Store(data).manifest()}


def test_a_redirect_to_another_host_is_refused_and_never_followed(ice, other, tmp_path, capsys):
    ice.lists()
    other.routes["/evil.xlsx"] = answer(participating(10))
    ice.routes[f"/doclib/{P_NAME}"] = redirect(f"{other.url}/evil.xlsx")
    status = cli.main(["--data-dir", str(tmp_path), "fetch", "--page-url", f"{ice.url}/287g"])
    err = capsys.readouterr().err
    assert status == 1
    assert f"refused {ice.url}/doclib/{P_NAME}: redirected to {other.url}/evil.xlsx, refused: host 127.0.0.2 is not among the allowed hosts (127.0.0.1)\n" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert other.hits == []
    assert set(sources(tmp_path)) == {"pending"}  # the good list beside it is stored


def test_a_page_redirected_to_another_host_is_one_error_line(ice, other, tmp_path, capsys):
    ice.routes["/287g"] = redirect(f"{other.url}/287g", status=301)
    assert cli.main(["--data-dir", str(tmp_path), "fetch", "--page-url", f"{ice.url}/287g"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {ice.url}/287g: redirected to {other.url}/287g") and err.count("\n") == 1
    assert other.hits == []


def test_a_redirect_within_the_host_is_followed_and_the_final_address_recorded(ice, tmp_path):
    ice.lists()
    ice.routes[f"/doclib/{P_NAME}"] = redirect("/moved/once", status=301)  # relative, as servers often send
    ice.routes["/moved/once"] = redirect(f"{ice.url}/files/abc123.xlsx", status=307)
    ice.routes["/files/abc123.xlsx"] = answer(participating(10))
    status, logged, warned = run(tmp_path, ice)
    assert (status, warned) == (0, [])
    assert sources(tmp_path) == {
        "participating": (P_NAME, f"{ice.url}/files/abc123.xlsx"),  # ICE's dated name, the bytes' address
        "pending": (N_NAME, f"{ice.url}/doclib/{N_NAME}"),
    }


def test_a_redirect_loop_is_refused(ice, tmp_path):
    ice.lists()
    ice.routes[f"/doclib/{P_NAME}"] = redirect(f"/doclib/{P_NAME}")
    status, _, warned = run(tmp_path, ice)
    assert status == 1 and warned == [f"refused {ice.url}/doclib/{P_NAME}: more than {http.MAX_REDIRECTS} redirects"]
    assert ice.hits.count(f"/doclib/{P_NAME}") == http.MAX_REDIRECTS + 1


def test_a_list_link_to_another_host_is_ignored_with_a_warning(ice, other, tmp_path):
    other.routes[f"/{P_NAME}"] = answer(participating(99))
    ice.page(f"{other.url}/{P_NAME}", f"/doclib/{P_NAME}", f"/doclib/{N_NAME}")  # the foreign link comes first
    ice.routes[f"/doclib/{P_NAME}"] = answer(participating(10))
    ice.routes[f"/doclib/{N_NAME}"] = answer(pending(3))
    status, logged, warned = run(tmp_path, ice)
    assert status == 0
    assert warned == [f"ignored {other.url}/{P_NAME}: a participating list link on {ice.url}/287g, but host 127.0.0.2 is not among the allowed hosts (127.0.0.1)"]
    assert other.hits == []
    assert sources(tmp_path)["participating"] == (P_NAME, f"{ice.url}/doclib/{P_NAME}")
    assert f"fetch: participating: {P_NAME}: 10 rows, imported" in logged


def test_an_allowed_host_option_lets_its_links_through(ice, other, tmp_path):
    other.routes[f"/{P_NAME}"] = answer(participating(10))
    ice.page(f"{other.url}/{P_NAME}", f"/doclib/{N_NAME}")
    ice.routes[f"/doclib/{N_NAME}"] = answer(pending(3))
    status = cli.main(["--data-dir", str(tmp_path), "fetch", "--page-url", f"{ice.url}/287g", "--allowed-host", "127.0.0.2"])
    assert status == 0 and other.hits == [f"/{P_NAME}"]
    assert sources(tmp_path)["participating"] == (P_NAME, f"{other.url}/{P_NAME}")


def test_on_ice_s_page_only_https_links_to_ice_s_hosts_count():
    page = "https://www.ice.gov/identify-and-arrest/287g"
    html = (
        '<a href="http://www.ice.gov/doclib/participatingAgencies01092026am.xlsx">plain http</a>'
        '<a href="https://www.ice.gov.evil.example/participatingAgencies01092026am.xlsx">look-alike</a>'
        '<a href="https://www.ice.gov@evil.example/pendingAgencies01092026am.xlsx">user-info trick</a>'
        '<a href="/doclib/participatingAgencies01072026am.xlsx">p</a>'
        '<a href="https://ice.gov/doclib/pendingAgencies01082026am.xlsx">n</a>'
        '<a href="https://twitter.com/ICEgov">not a list: no warning</a>'
    )
    warned: list[str] = []
    assert list_links(html, page, warn=warned.append) == {
        "participating": "https://www.ice.gov/doclib/participatingAgencies01072026am.xlsx",
        "pending": "https://ice.gov/doclib/pendingAgencies01082026am.xlsx",
    }
    assert [line.split(": a ")[0] for line in warned] == [
        "ignored http://www.ice.gov/doclib/participatingAgencies01092026am.xlsx",
        "ignored https://www.ice.gov.evil.example/participatingAgencies01092026am.xlsx",
        "ignored https://www.ice.gov@evil.example/pendingAgencies01092026am.xlsx",
    ]
    assert "http is refused: https only" in warned[0] and "host evil.example is not among" in warned[2]


def test_a_page_address_that_is_not_https_is_refused_before_any_request(tmp_path, capsys):
    assert cli.main(["--data-dir", str(tmp_path), "fetch", "--page-url", "http://www.ice.gov/identify-and-arrest/287g"]) == 2
    err = capsys.readouterr().err
    assert err == "error: http://www.ice.gov/identify-and-arrest/287g: http is refused: https only (http only to a loopback test server)\n"


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "no-length"])
def test_a_workbook_over_the_cap_is_refused_and_the_last_good_list_kept(ice, tmp_path, length):
    ice.lists()
    assert run(tmp_path, ice)[0] == 0
    big = participating(10)
    ice.page(f"/doclib/{P_NAME.replace('0107', '0109')}", f"/doclib/{N_NAME}")
    ice.routes[f"/doclib/{P_NAME.replace('0107', '0109')}"] = answer(big + b"\0" * 200_000, length=length)
    status, _, warned = run(tmp_path, ice, workbook_max_bytes=len(big) + 100_000)
    assert status == 1 and len(warned) == 1
    cap = f"{len(big) + 100_000:,}-byte cap"
    expected = f"answer of {len(big) + 200_000:,} bytes (Content-Length) is over the {cap}" if length else f"answer passed the {cap}"
    assert warned[0].startswith(f"refused {ice.url}/doclib/participatingAgencies01092026am.xlsx: {expected}")
    assert sources(tmp_path)["participating"] == (P_NAME, f"{ice.url}/doclib/{P_NAME}")


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compressed_answer_that_inflates_past_the_cap_is_refused(ice, tmp_path, encoding):
    bomb = (gzip.compress if encoding == "gzip" else zlib.compress)(b"\0" * 50_000_000)  # 50 MB from about 50 KB
    ice.lists()
    ice.routes[f"/doclib/{P_NAME}"] = answer(bomb, headers={"Content-Encoding": encoding})
    status, _, warned = run(tmp_path, ice, workbook_max_bytes=1_000_000)
    assert status == 1
    assert warned == [f"refused {ice.url}/doclib/{P_NAME}: answer passed the 1,000,000-byte cap for this download once decompressed ({encoding})"]


def test_a_compressed_workbook_under_the_cap_is_stored_decompressed(ice, tmp_path):
    body = participating(10)
    ice.lists()
    ice.routes[f"/doclib/{P_NAME}"] = answer(gzip.compress(body), headers={"Content-Encoding": "gzip"})
    assert run(tmp_path, ice)[0] == 0
    row = next(r for r in Store(tmp_path).manifest() if r["list_kind"] == "participating")
    assert Store(tmp_path).path_of(row["sha256"]).read_bytes() == body


def test_a_page_over_its_cap_is_one_error(ice, tmp_path):
    ice.routes["/287g"] = answer(b"<html>" + b" " * 10_000 + b"</html>", "text/html")
    with pytest.raises(LedgerError, match=r"287g: answer of 10,013 bytes \(Content-Length\) is over the 5,000-byte cap"):
        run(tmp_path, ice, page_max_bytes=5_000)


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_a_trickling_server_is_refused_by_the_deadline(ice, tmp_path, headers_too):
    ice.lists()
    ice.routes[f"/doclib/{P_NAME}"] = trickle(ice, headers_too)
    status, _, warned = run(tmp_path, ice, deadline=1.0)
    assert status == 1
    assert len(warned) == 1 and warned[0].startswith(f"refused {ice.url}/doclib/{P_NAME}: {DEADLINE_1S}")
    assert set(sources(tmp_path)) == {"pending"}


def test_a_server_that_never_answers_is_refused_by_the_deadline(ice, tmp_path):
    ice.lists()
    ice.routes[f"/doclib/{N_NAME}"] = silent(ice)
    status, _, warned = run(tmp_path, ice, deadline=1.0)
    assert status == 1
    # Ended by the deadline itself, or by the last read's timeout, which the deadline cuts short.
    assert len(warned) == 1 and warned[0].startswith(f"refused {ice.url}/doclib/{N_NAME}: {DEADLINE_1S}")
    assert set(sources(tmp_path)) == {"participating"}


def test_busy_answers_are_retried_then_refused(ice, tmp_path):
    ice.lists()
    ice.routes[f"/doclib/{P_NAME}"] = answer(b"busy", "text/plain", status=503)
    status, _, warned = run(tmp_path, ice)
    assert status == 1
    assert warned == [f"refused {ice.url}/doclib/{P_NAME}: download failed (HTTP 503 from {ice.url}/doclib/{P_NAME})"]
    assert ice.hits.count(f"/doclib/{P_NAME}") == http.RETRIES + 1


def test_no_retry_waits_past_the_deadline(ice, tmp_path, monkeypatch):
    monkeypatch.setattr("ledger.sources.http.RETRY_BACKOFF", 30.0)  # the first wait alone would pass the deadline
    ice.lists()
    ice.routes[f"/doclib/{P_NAME}"] = answer(b"busy", "text/plain", status=503)
    status, _, warned = run(tmp_path, ice, deadline=2.0)
    assert status == 1
    assert warned == [
        f"refused {ice.url}/doclib/{P_NAME}: no complete answer within 2 s, the deadline of one download with its retries (last try: HTTP 503 from {ice.url}/doclib/{P_NAME})"
    ]
    assert ice.hits.count(f"/doclib/{P_NAME}") == 1


def test_a_good_page_and_good_lists_are_still_stored(ice, tmp_path):
    ice.lists()
    status, logged, warned = run(tmp_path, ice, deadline=5.0, page_max_bytes=10_000, workbook_max_bytes=100_000)
    assert (status, warned) == (0, [])
    assert logged == [f"fetch: participating: {P_NAME}: 10 rows, imported", f"fetch: pending: {N_NAME}: 3 rows, imported"]
    assert sources(tmp_path) == {"participating": (P_NAME, f"{ice.url}/doclib/{P_NAME}"), "pending": (N_NAME, f"{ice.url}/doclib/{N_NAME}")}
