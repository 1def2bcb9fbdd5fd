"""The package's small text rules (``text``): JSON no page can be opened by, counts as people
write them, whole numbers as users write them."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from mkdocs_runbook.text import counted, html_safe_json, whole_number

MARKUP_HEAVY = st.text(alphabet=st.sampled_from(list("<>&\"'\\/ab\u2028\U0001f600")), max_size=20)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | MARKUP_HEAVY,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(MARKUP_HEAVY, inner, max_size=4),
    max_leaves=20,
)


@given(JSON_VALUES, st.sampled_from([None, 2]))
def test_html_safe_json_is_the_same_data_and_opens_no_markup(data: Any, indent: int | None) -> None:
    written = html_safe_json(data, indent=indent)
    assert not set(written) & set("<>&")
    assert json.loads(written) == data


def test_html_safe_json_escapes_in_keys_and_values() -> None:
    written = html_safe_json({"<b>": "a & </script>"})
    assert written == '{"\\u003cb\\u003e": "a \\u0026 \\u003c/script\\u003e"}'


def test_counts_read_as_people_write_them() -> None:
    assert [counted(n, "check") for n in (0, 1, 2)] == ["0 checks", "1 check", "2 checks"]


def test_whole_numbers_are_ascii_digits_only() -> None:
    assert whole_number("42") == 42
    assert [whole_number(text) for text in ("", "-1", "4.2", "²", "١", " 4")] == [None] * 6
