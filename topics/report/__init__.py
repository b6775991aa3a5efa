"""The summary report of a run: HTML, Markdown, figures and CSV/Parquet exports.

``render_report(run_dir)`` reads a run directory (``docs/architecture.md``) and refits
nothing.
"""

from topics.report.data import RunDirectoryError
from topics.report.figures import theme_colors
from topics.report.render import render_report

__all__ = ["RunDirectoryError", "render_report", "theme_colors"]
