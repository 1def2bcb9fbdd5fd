"""Whatever an author writes, finding and parsing end in checks or broken checks, never a crash."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mkdocs_runbook.errors import CheckDefinitionError
from mkdocs_runbook.find import find_blocks, parse_fence_info
from mkdocs_runbook.model import SHELL_LANGUAGES, BrokenCheck, CheckBlock, CheckSpec
from mkdocs_runbook.parse import ALLOWED_KEYS, curl_to_http, is_single_curl, parse_blocks

LANGS = st.sampled_from(["check", *sorted(SHELL_LANGUAGES)])
OPTIONS = st.dictionaries(
    st.sampled_from(["name", "id", "tags", "timeout", "retries", "skip", "title", "x", "check"]),
    st.text(max_size=12),
    max_size=4,
)

# YAML-shaped text reaches the validation code far more often than arbitrary text does.
SCALARS = st.one_of(
    st.text(max_size=20),
    st.integers(),
    st.booleans(),
    st.none(),
    st.sampled_from(["status == 200", "GET {{ api }}/x", "5s", "db:5432", "$.a: b", "[a, b]"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
MAPPINGS = st.dictionaries(
    st.one_of(st.sampled_from(ALLOWED_KEYS), st.text(max_size=8)), VALUES, max_size=6
)


def assert_parsed(block: CheckBlock) -> None:
    [item] = parse_blocks([block])
    assert isinstance(item, CheckSpec | BrokenCheck)
    assert item.line == block.line and item.page == block.page and item.id
    if isinstance(item, BrokenCheck):
        assert item.error.file and item.error.line >= 1
        assert str(item.error).startswith(f"{item.error.file}:{item.error.line}: ")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lang=LANGS, body=st.text(max_size=300), options=OPTIONS)
def test_any_text_as_a_body_gives_a_check_or_a_broken_check(
    lang: str, body: str, options: dict[str, str]
) -> None:
    assert_parsed(CheckBlock("docs/p.md", 7, lang, body, options))


@settings(max_examples=200, deadline=None)
@given(data=MAPPINGS)
def test_any_yaml_mapping_as_a_check_body(data: dict[Any, Any]) -> None:
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    assert_parsed(CheckBlock("docs/p.md", 3, "check", body))


@settings(max_examples=200, deadline=None)
@given(info=st.text(max_size=60), body=st.text(max_size=120))
def test_any_info_string(info: str, body: str) -> None:
    fence = parse_fence_info(info.replace("\n", " "))
    if fence is not None and fence.marked:
        assert_parsed(CheckBlock("docs/p.md", 1, fence.lang, body, fence.options))


MARKDOWN_PIECES = st.sampled_from(
    ["```check", "```bash check", "````", "```", "~~~", "!!! note", "??? x", '=== "T"', "> ",
     "- ", "1. ", "    ", "\t", "--8<-- \"a.md\"", "--8<--", "---", "http: GET x", "\n", "\r\n",
     "{.bash .check}", "<!--", "-->", "<div>"]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(MARKDOWN_PIECES, st.text(max_size=15)), max_size=40))
def test_any_markdown_through_find_blocks_never_raises(pieces: list[str]) -> None:
    text = "".join(pieces)
    lines = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    for block in find_blocks(text, "p.md"):
        assert 1 <= block.line <= lines
        assert_parsed(block)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_markdown_text_never_raises(text: str) -> None:
    for block in find_blocks(text, "p.md"):
        assert block.line >= 1


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["-X", "-H", "-d", "--json", "-u", "-m", "-o", "-sSf", "-k", "--",
                             "http://h/x", "{{ api }}", "'a b'", '"c|d"', "|", "\\\n", "$x"]),
            st.text(max_size=8),
        ),
        max_size=8,
    )
)  # fmt: skip
def test_curl_conversion_only_raises_definition_errors(words: list[str]) -> None:
    command = "curl " + " ".join(words)
    if not is_single_curl(command):
        return
    try:
        request = curl_to_http(command, page="p.md", line=2)
    except CheckDefinitionError as error:
        assert (error.file, error.line) == ("p.md", 2)
    else:
        assert request.method and request.url
