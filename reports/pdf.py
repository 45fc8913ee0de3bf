"""Reports as PDFs: the governors' termly report is the dashboard's page drawn by WeasyPrint.

The report template includes the same tables and charts (inline SVG, which WeasyPrint renders)
as the page, so the paper the governing body reads is the page they can open. WeasyPrint is
imported when a report is drawn, as for letters (`absences/letters.py`): it needs the Pango
libraries, which a server or laptop that never prints may lack.
"""

from typing import Any

from django.template.loader import render_to_string


def report_pdf(*, template: str, context: dict[str, Any]) -> bytes:
    """Render `template` (a standalone HTML page with its own print styles) to PDF bytes."""
    import weasyprint

    html = render_to_string(template, context)
    return weasyprint.HTML(string=html).write_pdf()
