"""Results → files: the JSON report, JUnit XML, SVG and Shields badges, the site's output
files, and reading reports back (``import``). A new output format goes here."""

from __future__ import annotations

from .badges import (
    BADGE_COLOURS,
    BADGE_TEXT_LIMIT,
    LABEL_COLOURS,
    BadgeColours,
    badge_message,
    badge_svg,
    printable,
    shields_endpoint,
)
from .imports import ImportedResults, glob_paths, read_reports
from .report import assertion_lines, html_safe_json, junit_xml, write_report
from .site_files import write_site_outputs

__all__ = [
    "BADGE_COLOURS",
    "BADGE_TEXT_LIMIT",
    "LABEL_COLOURS",
    "BadgeColours",
    "ImportedResults",
    "assertion_lines",
    "badge_message",
    "badge_svg",
    "glob_paths",
    "html_safe_json",
    "junit_xml",
    "printable",
    "read_reports",
    "shields_endpoint",
    "write_report",
    "write_site_outputs",
]
