"""HTML to PDF for letters and reports (WeasyPrint), fetching nothing but the site's own files.

WeasyPrint's own URL fetcher opens any URL a page names: http(s), file:// on the server, ftp.
A template, or a value a template prints (a school's name, a parent's note), that names
`<img src="http://10.0.0.1/...">` or `file:///etc/passwd` would have the server fetch it. The
fetcher here serves only the site's static files (under STATIC_URL, found as `collectstatic`
and the development server find them) and inline `data:` URLs, and refuses everything else;
WeasyPrint then leaves the resource out and draws the rest.

WeasyPrint is imported when a PDF is drawn, not when Django starts: it needs the Pango
libraries, which a server that never prints (or a laptop running other tests) may not have.
"""

import mimetypes
import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

# Relative URLs in a template resolve against this made-up origin (.invalid never resolves),
# so that "/static/css/site.css" reaches the fetcher as a URL it can recognise as ours.
BASE_URL = "https://attendance.invalid/"


def static_file_for(url: str) -> Path | None:
    """The file of the site's static files a URL names, or None for any other URL."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL:
        return None
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if not parts.path.startswith(prefix):
        return None
    name = posixpath.normpath(unquote(parts.path[len(prefix) :]))
    if name.startswith(("/", "..")) or "\\" in name or "\0" in name:
        return None
    found = finders.find(name)
    if found:
        return Path(found)
    if staticfiles_storage.exists(name):
        return Path(staticfiles_storage.path(name))
    return None


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = static_file_for(url)
            if path is None:
                raise ValueError("Only the site's own static files may be used in a PDF.")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, body=path.read_bytes(), headers={"Content-Type": content_type}
            )

    return StaticFilesOnly(allowed_protocols=["https", "data"], allow_redirects=False)


def pdf_from_html(html: str) -> bytes:
    """The page drawn as a PDF; relative URLs resolve to the site's static files."""
    import weasyprint

    return weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).write_pdf()
