"""Reports as PDFs: the governors' termly report is the dashboard's page drawn by WeasyPrint.

The report template includes the same tables and charts (inline SVG, which WeasyPrint renders)
as the page, so the paper the governing body reads is the page they can open. It is drawn by
`registers.lib.pdf`, as letters are, which fetches nothing but the site's own static files.
"""

from typing import Any

from django.template.loader import render_to_string

from registers.lib.pdf import pdf_from_html


def report_pdf(*, template: str, context: dict[str, Any]) -> bytes:
    """Render `template` (a standalone HTML page with its own print styles) to PDF bytes."""
    return pdf_from_html(render_to_string(template, context))
