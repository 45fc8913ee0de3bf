"""Letters and reports are drawn to PDF fetching nothing but the site's own static files.

Issue #21 finding 16: "WeasyPrint draws letters with its default URL fetcher, able to fetch any
URL a template names." What to build: "a WeasyPrint URL fetcher that serves only the site's own
static files".
"""

import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import override_settings
from pypdf import PdfReader

from registers.lib.pdf import BASE_URL, static_file_for
from reports.pdf import report_pdf


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/static/css/site.css",
        "https://attendance.example.org/static/css/site.css",
        "file:///etc/passwd",
        f"{BASE_URL}static/../attendance_site/settings.py",
        f"{BASE_URL}static/%2e%2e/attendance_site/settings.py",
        f"{BASE_URL}media/leave-1.pdf",
        f"{BASE_URL}static/no-such-file.css",
    ],
)
def test_only_the_sites_own_static_files_are_found(url):
    assert static_file_for(url) is None


def test_a_static_file_is_found_where_the_static_files_are():
    found = static_file_for(f"{BASE_URL}static/css/site.css")
    assert found is not None and found.name == "site.css" and found.is_file()


class _Counting(BaseHTTPRequestHandler):
    asked: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        type(self).asked.append(self.path)
        body = b"@page { size: A3 }" if self.path.endswith(".css") else b"GIF89a"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def outside_server():
    """A web server on 127.0.0.1 that records every request it receives."""
    _Counting.asked = []
    server = HTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _Counting.asked
    server.shutdown()
    server.server_close()


@pytest.fixture
def probe_template(tmp_path, outside_server):
    """A template naming a stylesheet and an image on the outside server, a file on this
    server's disk, and a stylesheet of the site's own static files (in a folder of its own)."""
    base, _asked = outside_server
    templates, static = tmp_path / "templates", tmp_path / "static"
    templates.mkdir()
    (static / "css").mkdir(parents=True)
    (static / "css" / "probe-a6.css").write_text("@page { size: A6 }")
    (templates / "probe.html").write_text(
        "<html><head>"
        f'<link rel="stylesheet" href="{base}/outside.css">'
        '<link rel="stylesheet" href="/static/css/probe-a6.css">'
        "</head><body><p>A letter</p>"
        f'<img src="{base}/tracker.gif"><img src="file:///etc/passwd">'
        "</body></html>"
    )
    engine = {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [templates],
    }
    with override_settings(TEMPLATES=[engine], STATICFILES_DIRS=[static]):
        yield "probe.html"


@pytest.mark.pdf
def test_a_pdf_fetches_no_outside_url_and_uses_the_sites_own_stylesheet(
    outside_server, probe_template
):
    _base, asked = outside_server

    pdf = report_pdf(template=probe_template, context={})

    assert asked == []  # nothing was fetched from outside
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    width_mm = float(page.mediabox.width) * 25.4 / 72
    assert round(width_mm) == 105  # A6, from the site's own stylesheet; not A3 (297 mm)
    assert "A letter" in page.extract_text()
