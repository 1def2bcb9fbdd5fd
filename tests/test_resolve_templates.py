"""Templates (``resolve.templates``, ``resolve.bounded_jinja``): a secret can only be printed
as it is, every secret of the run joins the redactor, and no template can run away."""

from __future__ import annotations

import tracemalloc

import pytest

from mkdocs_runbook.errors import ResolveError
from mkdocs_runbook.resolve import MASK, Templates
from mkdocs_runbook.resolve.bounded_jinja import MAX_TEXT
from mkdocs_runbook.settings import RunbookSettings

TOKEN = "s3cr3t-token-value"


def templates(**environ: str) -> Templates:
    settings = RunbookSettings(
        env="e",
        environments={"e": {"api": "http://h", "n": 3, "items": ["a", "b"]}},
        pass_env=["PASSED_*"],
    )
    return Templates(settings, {"TOKEN": TOKEN, **environ})


def render(text: str, mode: str = "run", **environ: str) -> str:
    return templates(**environ).render(text, mode=mode, used={})


@pytest.mark.parametrize(
    "text",
    [
        "{{ secrets.TOKEN }}",
        "{{ secrets['TOKEN'] }}",
        "{{ secrets.TOKEN if n > 2 else 'x' }}",
        "{% set t = secrets.TOKEN %}{{ t }}",
        "{% set t %}{{ secrets.TOKEN }}{% endset %}{{ t }}",
        "{{ secrets.TOKEN | default('x') }}",
        "{% for i in items %}{{ secrets.TOKEN }}{% endfor %}",
    ],
)
def test_a_secret_printed_as_it_is_runs_and_shows_as_its_placeholder(text: str) -> None:
    assert TOKEN in render(text)
    assert TOKEN not in render(text, "source") and "{{ secrets.TOKEN }}" in render(text, "source")
    assert TOKEN not in render(text, "mask") and MASK in render(text, "mask")


@pytest.mark.parametrize(
    "text",
    [
        "{{ secrets.TOKEN | upper }}",
        "{{ secrets.TOKEN | lower }}",
        "{{ secrets.TOKEN | replace('s', 'S') }}",
        "{{ secrets.TOKEN | urlencode }}",
        "{{ secrets.TOKEN | e }}",
        "{{ secrets.TOKEN | string }}",
        "{{ secrets.TOKEN | list }}",
        "{{ secrets.TOKEN | reverse }}",
        "{{ secrets.TOKEN | length }}",
        "{{ secrets.TOKEN | int }}",
        "{{ secrets.TOKEN | truncate(5) }}",
        "{{ secrets.TOKEN[1:] }}",
        "{{ secrets.TOKEN[0] }}",
        "{{ secrets.TOKEN ~ '' }}",
        "{{ secrets.TOKEN + 'x' }}",
        "{{ secrets.TOKEN * 2 }}",
        "{{ '%s' % secrets.TOKEN }}",
        "{{ [secrets.TOKEN] | join }}",
        "{{ secrets.TOKEN.upper() }}",
        "{{ secrets.TOKEN.split('-') }}",
        "{{ secrets.TOKEN == 'x' }}",
        "{% if secrets.TOKEN.startswith('s') %}y{% endif %}",
        "{% for c in secrets.TOKEN %}{{ c }}{% endfor %}",
        "{% filter upper %}{{ secrets.TOKEN }}{% endfilter %}",
        "{% macro m() %}{{ secrets.TOKEN }}{% endmacro %}{{ m()[2:] }}",
        "{% set t %}{{ secrets.TOKEN }}{% endset %}{{ t | reverse }}",
        "{% set t %}{{ secrets.TOKEN }}{% endset %}{{ t[:-1] }}",
        "{{ secrets.TOKEN | tojson }}",
    ],
)
def test_a_secret_through_a_filter_slice_or_operator_is_an_error(text: str) -> None:
    with pytest.raises(ResolveError) as caught:
        render(text)
    assert TOKEN not in str(caught.value)


def test_a_secret_shorter_than_four_characters_is_an_error() -> None:
    for short in ("a", "ab", "abc"):
        with pytest.raises(ResolveError, match="shorter than 4 characters"):
            render("{{ secrets.SHORT }}", SHORT=short)
    assert render("{{ secrets.SHORT }}", SHORT="abcd") == "abcd"


def test_every_secret_a_template_reads_or_a_check_names_joins_the_redactor() -> None:
    run = templates(OTHER="other-secret-1", NAMED="named-secret-2", UNUSED="unused-secret")
    run.render("x={{ secrets.TOKEN }}", mode="run", used={})
    run.note_references("http: {{ secrets.NAMED }}\n# and secrets['OTHER']")
    masked = run.redactor.text(f"{TOKEN} other-secret-1 named-secret-2 unused-secret")
    assert masked == f"{MASK} {MASK} {MASK} unused-secret"


def test_pass_env_values_are_masked_unless_the_page_shows_them_anyway() -> None:
    run = templates(PASSED_KEY="passed-key-value", PASSED_URL="http://h", OTHER="other")
    assert run.passed == {"PASSED_KEY": "passed-key-value", "PASSED_URL": "http://h"}
    assert run.redactor.text("passed-key-value http://h other") == f"{MASK} http://h other"
    assert run.unmaskable == []
    assert templates(PASSED_SHORT="on").unmaskable == ["PASSED_SHORT"]


@pytest.mark.parametrize(
    "text",
    [
        "{{ 'a' * 1000000000 }}",
        "{{ 'a' * (2 ** 30) }}",
        "{{ range(10**9) | join }}",
        "{{ range(100000) | map('center', 1000000) | list }}",
        "{{ range(100000) | map('center', 1000000) | join }}",
        "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
        "{% set ns = namespace(s='ab') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "{% set ns = namespace(s=['a']) %}{% for i in range(40) %}"
        "{% set ns.s = ns.s + ns.s %}{% endfor %}",
        "{{ '%0999999999d' % 1 }}",
        "{{ '%0999999999d' | format(1) }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{{ '{0:{1}}'.format(1, 999999999) }}",
        "{{ 'x' | center(999999999) }}",
        "{{ 'x'.zfill(999999999) }}",
        "{{ 'ab'.replace('', 'x' * 1000000) }}",
        "{{ ('x' * 1000000) | replace('x', 'yy') }}",
        "{{ ('x\\n' * 500000) | indent(1000) }}",
        "{{ ('x ' * 500000) | wordwrap(1, wrapstring='y' * 100) }}",
        "{{ [1] | batch(999999999, 'x') | list }}",
        "{{ range(100000) | batch(1) | sum(start=[]) }}",
        "{{ 9 ** 999999 }}",
        "{{ (10 ** 1000) * (10 ** 1000) * (10 ** 1000) * (10 ** 1000) * (10 ** 1000) }}",
        "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
        "{% macro m(n) %}{{ m(n + 1) }}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
        "{{ lipsum(100000) }}",
        "{{ 'a\\tb'.expandtabs(999999999) }}",
    ],
)
def test_huge_or_endless_templates_are_errors_within_bounds(text: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(ResolveError):
            render(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, f"{peak / 2**20:.0f} MiB"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ api | upper }}", "HTTP://H"),
        ("{{ items | join(',') }}", "a,b"),
        ("{{ n + 1 }}", "4"),
        ("{% for i in items %}{{ i }};{% endfor %}", "a;b;"),
        ("{{ 'x' * 10 }}", "xxxxxxxxxx"),
        ("{{ range(3) | map('string') | join('-') }}", "0-1-2"),
        ("{{ ','.join(items) }}", "a,b"),
        ("{{ '%s:%d' % ('h', n) }}", "h:3"),
        ("{{ api ~ '/x' }}", "http://h/x"),
    ],
)
def test_ordinary_templates_still_render(text: str, expected: str) -> None:
    assert render(text) == expected


def test_output_larger_than_the_limit_is_an_error() -> None:
    size = MAX_TEXT // 1000 + 1
    with pytest.raises(ResolveError, match="too large"):
        render("{% for i in range(" + str(size) + ") %}" + "x" * 1000 + "{% endfor %}")
