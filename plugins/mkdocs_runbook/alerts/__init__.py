"""Alert rules and their runbooks (SPEC 13): read Prometheus rules, find the page and anchor
each ``runbook_url`` names, and judge it by the latest results of the checks there.

It sits above the engine and below the front-ends: it reads rule files (``rules``), maps URLs
to pages as MkDocs publishes them (``site``), reads a page's anchors, headings and checks from
its HTML (``outline``; ``converted`` converts a page as the site does, for the command line),
and judges each alert (``assess``). ``command`` is ``runbook alerts``; the MkDocs plugin
builds its site map from MkDocs' own files and its outlines from the pages it converts.
"""

from __future__ import annotations

from .assess import (
    DEFAULT_FAIL_ON,
    AlertVerdict,
    CheckState,
    LatestResults,
    Problem,
    assess,
    parse_problems,
)
from .command import add_arguments, run_alerts
from .in_site import SiteAlerts
from .outline import PageOutline, outline_from_html
from .rules import AlertRule, ReadError, RuleSet, expand_rule_paths, read_rules
from .site import Location, SiteMap, SitePage, page_dest_uri, page_url

__all__ = [
    "DEFAULT_FAIL_ON",
    "AlertRule",
    "AlertVerdict",
    "CheckState",
    "LatestResults",
    "Location",
    "PageOutline",
    "Problem",
    "ReadError",
    "RuleSet",
    "SiteAlerts",
    "SiteMap",
    "SitePage",
    "add_arguments",
    "assess",
    "expand_rule_paths",
    "outline_from_html",
    "page_dest_uri",
    "page_url",
    "parse_problems",
    "read_rules",
    "run_alerts",
]
