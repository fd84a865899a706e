"""The self-contained offline HTML report (``report --html``, ``replay --report html``, the dashboard).

``ReportInput`` gathers what a report shows (from a journal: ``from_journal``;
from a replay: ``from_replay``), ``build_report`` computes the figures
(``engine.performance``, ``engine.signals.stats``) and ``render_html`` writes
one HTML file with inline CSS and inline SVG charts (matplotlib), no script
and no external resource: it opens offline, in any browser.
"""

from engine.htmlreport.data import Report, ReportInput, build_report, from_journal, from_replay
from engine.htmlreport.render import render_html, write_report

__all__ = ["Report", "ReportInput", "build_report", "from_journal", "from_replay", "render_html", "write_report"]
