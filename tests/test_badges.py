"""Badge files (SVG and Shields endpoint JSON) and the status colours they share with the CSS."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from mkdocs_runbook.record import (
    BADGE_COLOURS,
    BADGE_TEXT_LIMIT,
    LABEL_COLOURS,
    BadgeColours,
    badge_message,
    badge_svg,
    shields_endpoint,
)
from mkdocs_runbook.render import stylesheet
from mkdocs_runbook.results import Status

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "a & b ' \" {{ 7*7 }}"]


def parse_svg(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    """The visible text elements (each also has an aria-hidden shadow copy)."""
    return [t.text or "" for t in root.iter(f"{SVG}text") if t.get("aria-hidden") != "true"]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_svg_reads_label_status_and_value() -> None:
    root = parse_svg(badge_svg("API ready", Status.PASS, "42 ms"))
    assert root.findtext(f"{SVG}title") == "API ready | pass · 42 ms"
    assert root.get("aria-label") == "API ready | pass · 42 ms"
    assert texts(root) == ["API ready", "pass · 42 ms"]


def test_svg_without_value_shows_the_status_alone() -> None:
    assert texts(parse_svg(badge_svg("Nightly", Status.SKIP, ""))) == ["Nightly", "skip"]


@pytest.mark.parametrize("status", list(Status))
def test_svg_parts_are_coloured_and_add_up(status: Status) -> None:
    root = parse_svg(badge_svg("API ready", status, "503"))
    _clip, label, message, gloss = root.iter(f"{SVG}rect")
    assert label.get("fill") == LABEL_COLOURS.background
    assert message.get("fill") == BADGE_COLOURS[status].background
    assert float(message.get("x", "")) == float(label.get("width", ""))
    total = float(label.get("width", "")) + float(message.get("width", ""))
    assert float(root.get("width", "")) == pytest.approx(total, abs=0.1)
    assert float(gloss.get("width", "")) == pytest.approx(total, abs=0.1)
    fills = [t.get("fill") for t in root.iter(f"{SVG}text") if t.get("aria-hidden") != "true"]
    assert fills == [LABEL_COLOURS.text, BADGE_COLOURS[status].text]


def test_svg_width_follows_the_text() -> None:
    def width(label: str) -> float:
        return float(parse_svg(badge_svg(label, Status.PASS, "")).get("width", ""))

    assert width("API ready and healthy") > width("API ready") > width("API")
    assert width("WWWW") > width("iiii")
    assert width("健康检查") > width("abcd")  # wide characters take wide boxes


@pytest.mark.parametrize("payload", HOSTILE)
def test_svg_escapes_hostile_text(payload: str) -> None:
    svg = badge_svg(payload, Status.FAIL, payload)
    root = parse_svg(svg)
    if "<" in payload:
        assert payload not in svg
    assert texts(root) == [payload, f"fail · {payload}"]
    assert root.findtext(f"{SVG}title") == f"{payload} | fail · {payload}"
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert tags <= {"svg", "title", "linearGradient", "stop", "clipPath", "rect", "g", "text"}
    assert not [a for e in root.iter() for a in e.attrib if a.startswith("on")]


def test_svg_survives_control_characters_and_terminal_colours() -> None:
    root = parse_svg(badge_svg("tab\there", Status.FAIL, "\x1b[31mred\x1b[0m\x00"))
    assert texts(root) == ["tab here", "fail · red\ufffd"]


def test_long_text_is_shortened() -> None:
    root = parse_svg(badge_svg("x" * 500, Status.PASS, "42 ms"))
    label = texts(root)[0]
    assert len(label) == BADGE_TEXT_LIMIT
    assert label.endswith("…")


def test_badge_message() -> None:
    assert badge_message(Status.FAIL, "timed out after 5s") == "fail · timed out after 5s"
    assert badge_message(Status.ERROR, "") == "error"


@pytest.mark.parametrize("status", list(Status))
def test_shields_endpoint(status: Status) -> None:
    endpoint = shields_endpoint("API ready", status, "503")
    assert json.loads(json.dumps(endpoint)) == {
        "schemaVersion": 1,
        "label": "API ready",
        "message": f"{status.value} · 503",
        "color": BADGE_COLOURS[status].background.removeprefix("#"),
        "labelColor": LABEL_COLOURS.background.removeprefix("#"),
    }
    assert re.fullmatch(r"[0-9a-f]{6}", str(endpoint["color"]))


def test_shields_endpoint_keeps_text_on_one_line() -> None:
    endpoint = shields_endpoint("API\nready", Status.FAIL, "line one\nline two")
    assert endpoint["label"] == "API ready"
    assert endpoint["message"] == "fail · line one line two"


# --- colours: readable in light and dark, the same in the SVG and the page -------------------


def css_palette(selector: str) -> dict[str, str]:
    """The ``--runbook-*`` colours set by the first rule whose selector list starts with
    ``selector``."""
    css = stylesheet()
    match = re.search(re.escape(selector) + r"[^{]*\{([^}]*)\}", css)
    assert match, f"no rule for {selector}"
    return dict(re.findall(r"--runbook-([a-z-]+):\s*(#[0-9a-f]{6})", match.group(1)))


def palette_pairs(palette: dict[str, str]) -> dict[str, BadgeColours]:
    names = [status.value for status in Status] + ["label"]
    return {name: BadgeColours(palette[f"{name}-bg"], palette[f"{name}-fg"]) for name in names}


@pytest.mark.parametrize(
    "pairs",
    [
        {**{s.value: c for s, c in BADGE_COLOURS.items()}, "label": LABEL_COLOURS},
        palette_pairs(css_palette(":root")),
        palette_pairs(css_palette('[data-md-color-scheme="slate"]')),
    ],
    ids=["svg", "css light", "css dark"],
)
def test_status_colours_have_enough_contrast(pairs: dict[str, BadgeColours]) -> None:
    for name, colours in pairs.items():
        assert contrast_ratio(colours.background, colours.text) >= 4.5, name


def test_css_light_palette_matches_the_svg_badges() -> None:
    light = palette_pairs(css_palette(":root"))
    assert light == {**{s.value: c for s, c in BADGE_COLOURS.items()}, "label": LABEL_COLOURS}


def test_dark_palette_applies_to_material_slate_and_bootstrap_dark() -> None:
    css = stylesheet()
    assert re.search(r'\[data-md-color-scheme="slate"\],\s*\[data-bs-theme="dark"\]\s*\{', css)
