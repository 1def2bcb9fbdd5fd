"""Results → files: the JSON report, JUnit XML, SVG and Shields badges, the site's output
files. A new output format goes here."""

from __future__ import annotations

from .badges import (
    BADGE_COLOURS,
    BADGE_TEXT_LIMIT,
    LABEL_COLOURS,
    BadgeColours,
    badge_message,
    badge_svg,
    cached_age,
    shields_endpoint,
)
from .report import assertion_lines, html_safe_json, junit_xml, report_json, write_report
from .site_files import BadgeWriter, write_site_outputs

__all__ = [
    "BADGE_COLOURS",
    "BADGE_TEXT_LIMIT",
    "LABEL_COLOURS",
    "BadgeColours",
    "BadgeWriter",
    "assertion_lines",
    "badge_message",
    "badge_svg",
    "cached_age",
    "html_safe_json",
    "junit_xml",
    "report_json",
    "shields_endpoint",
    "write_report",
    "write_site_outputs",
]
