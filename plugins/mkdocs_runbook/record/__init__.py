"""Results → files: the JSON report, JUnit XML, SVG and Shields badges, the site's output
files. A new output format goes here.

Exports load at first use (``lazy``): the badge writing process imports ``badges`` alone to
make badge files, not the site's writers, the report and what they import (45 more modules,
6 MB of its memory).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import exports

if TYPE_CHECKING:
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

__getattr__ = exports(
    __name__,
    {
        "badges": (
            "BADGE_COLOURS",
            "BADGE_TEXT_LIMIT",
            "LABEL_COLOURS",
            "BadgeColours",
            "badge_message",
            "badge_svg",
            "cached_age",
            "shields_endpoint",
        ),
        "report": ("assertion_lines", "html_safe_json", "junit_xml", "report_json", "write_report"),
        "site_files": ("BadgeWriter", "write_site_outputs"),
    },
)
