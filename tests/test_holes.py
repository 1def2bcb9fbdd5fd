"""Holes in kept markup (render/holes.py): each is filled with its own text, escaped; the token
is per process and nothing else in the markup is touched."""

from __future__ import annotations

from mkdocs_runbook.render.holes import Holes


def test_each_hole_gets_its_own_text_escaped_and_the_rest_stays() -> None:
    holes = Holes()
    markup = f'<span title="{holes.hole("age")}">{holes.hole("last_passed_ago")} · age-</span>'
    filled = holes.fill(markup, {"age": '3 s <b>"ago"</b>', "last_passed_ago": "2 min & more"})
    assert filled == (
        '<span title="3 s &lt;b&gt;&#34;ago&#34;&lt;/b&gt;">2 min &amp; more · age-</span>'
    )
    assert not holes.found_in(filled)


def test_each_holes_object_has_its_own_token() -> None:
    first, second = Holes(), Holes()
    assert first.token != second.token
    assert first.found_in(f"answer: {first.hole('p0')}")
    assert not first.found_in(f"answer: {second.hole('p0')}")
    # A hole of another Holes is left as it is by this one.
    assert first.fill(second.hole("p0"), {"p0": "x"}) == second.hole("p0")
