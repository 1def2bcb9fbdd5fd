"""Finding check blocks: what a MkDocs site with Material's extensions would run."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mkdocs_runbook.errors import ConfigError
from mkdocs_runbook.find import (
    FenceInfo,
    custom_fences,
    find_blocks,
    find_in_paths,
    highlight,
    is_marked,
    page_name,
    parse_fence_info,
)
from mkdocs_runbook.model import CheckBlock, PageProblem


def doc(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def found(text: str, **kwargs: Any) -> list[tuple[int, str, str]]:
    return [(b.line, b.lang, b.body) for b in find_blocks(doc(text), "page.md", **kwargs)]


# -- info strings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ("check", FenceInfo("check", True, {})),
        (" check", FenceInfo("check", True, {})),
        ('check id="api"', FenceInfo("check", True, {"id": "api"})),
        ('bash check name="API liveness"', FenceInfo("bash", True, {"name": "API liveness"})),
        (
            'bash check name="API liveness" id="x" tags="a,b"',
            FenceInfo("bash", True, {"name": "API liveness", "id": "x", "tags": "a,b"}),
        ),
        # Between quoted values SuperFences reads `id=x` as two bare words (the parser then
        # reports it); at the end of the line it makes the whole line unreadable.
        (
            'bash check name="API liveness" id=x tags="a,b"',
            FenceInfo("bash", True, {"name": "API liveness", "id": "id", "x": "x", "tags": "a,b"}),
        ),
        ('sh check name="n" id=x', None),
        ('{.bash .check name="x"}', FenceInfo("bash", True, {"name": "x"})),
        ("{.console .check #smoke}", FenceInfo("console", True, {"id": "smoke"})),
        ('shell {.check timeout="2s"}', FenceInfo("shell", True, {"timeout": "2s"})),
        ("{ .check }", FenceInfo("check", True, {})),
        ("bash", FenceInfo("bash", False, {})),
        ('bash title="deploy.sh"', FenceInfo("bash", False, {"title": "deploy.sh"})),
        ("{.sh .copy}", FenceInfo("sh", False, {})),
        ("python", None),
        ("", None),
        ("yaml check", None),
        # Not fences at all for SuperFences: an unquoted value alone, or an option the
        # highlighter does not know on an unmarked block.
        ("bash title=deploy.sh", None),
        ("bash foo", None),
        ("Check", None),
    ],
)
def test_parse_fence_info_reads_info_strings_as_superfences_does(
    info: str, expected: FenceInfo | None
) -> None:
    assert parse_fence_info(info) == expected


# -- where blocks are found -----------------------------------------------------------------


def test_top_level_check_and_marked_shell_blocks_with_lines_and_options() -> None:
    blocks = find_blocks(
        doc(
            """
            # Deploy

            ```check
            http: GET {{ api }}/readyz
            ```

            ```bash check name="API liveness" tags="api"
            curl -sf http://localhost:8080/healthz
            # expect: status == 200
            ```
            """
        ),
        "docs/deploy.md",
    )
    assert blocks == [
        CheckBlock("docs/deploy.md", 3, "check", "http: GET {{ api }}/readyz"),
        CheckBlock(
            "docs/deploy.md",
            7,
            "bash",
            "curl -sf http://localhost:8080/healthz\n# expect: status == 200",
            {"name": "API liveness", "tags": "api"},
        ),
    ]


def test_unmarked_shell_blocks_and_other_languages_are_not_found() -> None:
    assert (
        found(
            """
            ```bash
            curl -sf http://localhost:8080/healthz
            ```

            ```console
            $ echo hi
            ```

            ```yaml
            http: GET x
            ```

            ```sh title="x.sh"
            ls
            ```
            """
        )
        == []
    )


def test_blocks_in_lists_blockquotes_admonitions_details_and_tabs() -> None:
    text = """
        1. Check the API:

            ```check
            http: GET {{ api }}/a
            ```

            - nested item

                ```sh check
                ls /b
                ```

        > Quoted:
        >
        > ```check
        > tcp: c:1
        > ```

        !!! note "Before you start"

            ```check
            http: GET d
            ```


            Two blank lines do not end an admonition.

            ```check
            http: GET e
            ```

        ??? tip

            ```{.bash .check}
            echo f
            ```

        ???+ warning "Open"
            ```check
            http: GET g
            ```

        === "Linux"

            ```console check
            $ echo h
            h
            ```

        === "macOS"

            !!! example

                ```check
                http: GET i
                ```

        !!! danger

            === "Inner tab"

                > ```check
                > http: GET j
                > ```
        """
    assert found(text) == [
        (3, "check", "http: GET {{ api }}/a"),
        (9, "sh", "ls /b"),
        (15, "check", "tcp: c:1"),
        (21, "check", "http: GET d"),
        (28, "check", "http: GET e"),
        (34, "bash", "echo f"),
        (39, "check", "http: GET g"),
        (45, "console", "$ echo h\nh"),
        (54, "check", "http: GET i"),
        (62, "check", "http: GET j"),
    ]


def test_blocks_inside_other_fences_and_indented_code_are_not_found() -> None:
    text = """
        ````markdown
        ```check
        http: GET example-in-docs
        ```
        ````

        ~~~text
        ```bash check
        echo no
        ```
        ~~~

        Indented code shows the fence as text:

            ```check
            http: GET shown-as-code
            ```

        ```check
        http: GET real
        ```
        """
    assert found(text) == [(19, "check", "http: GET real")]


def test_fences_are_opened_and_closed_by_superfences_rules() -> None:
    # A longer closing fence does not close a fence for SuperFences: unclosed, not a block.
    assert found("```check\nhttp: GET x\n````\n") == []
    # An option the highlighter does not know makes a line no fence at all, so the lines
    # under it are read as usual.
    assert found("```python foo\n```check\nhttp: GET inner\n```\n") == [
        (2, "check", "http: GET inner")
    ]
    # A body line indented less than the opening fence abandons the block.
    assert found("- a\n\n    ```check\n  http: GET x\n    ```\n") == []


def test_body_is_dedented_like_superfences_and_tabs_are_expanded() -> None:
    text = "- item\n\n    ```check\n    name: x\n    expect:\n    \t- status == 200\n    ```\n"
    assert found(text) == [(3, "check", "name: x\nexpect:\n    - status == 200")]


def test_front_matter_is_skipped_and_lines_stay_those_of_the_file() -> None:
    text = """
        ---
        title: Ops
        example: |
          ```check
          http: GET not-markdown
          ```
        ---

        ```check
        http: GET x
        ```
        """
    assert found(text) == [(9, "check", "http: GET x")]


def test_markdown_placeholder_markers_are_dropped_as_python_markdown_does() -> None:
    """STX and ETX (Python-Markdown's placeholder markers) never reach SuperFences: a fence
    they split is still a fence, and a body loses them."""
    text = "```che\x02ck\nhttp: GET \x03x\x02\n```\n\n\x03```check\nhttp: GET y\n```\n"
    blocks = find_blocks(text, "markers.md")
    assert [(b.lang, b.body) for b in blocks] == site_build_blocks(text)
    assert [(b.line, b.body) for b in blocks] == [(1, "http: GET x"), (5, "http: GET y")]


def test_windows_line_endings() -> None:
    text = "Intro\r\n\r\n```check\r\nhttp: GET x\r\nexpect: [status == 200]\r\n```\r\n"
    assert [(b.line, b.body) for b in find_blocks(text, "p.md")] == [
        (3, "http: GET x\nexpect: [status == 200]")
    ]


# -- snippets -------------------------------------------------------------------------------


@pytest.fixture
def snippets(tmp_path: Path) -> Path:
    base = tmp_path / "snippets"
    (base / "includes").mkdir(parents=True)
    (base / "includes" / "db.md").write_text(
        "Database:\n\n```check\ntcp: db:5432\n```\n", encoding="utf-8"
    )
    (base / "includes" / "nested.md").write_text(
        'Outer text\n\n--8<-- "includes/db.md"\n\n```sh check\nls\n```\n', encoding="utf-8"
    )
    (base / "includes" / "sections.md").write_text(
        "# --8<-- [start:api]\n```check\nhttp: GET api\n```\n# --8<-- [end:api]\n"
        "```check\nhttp: GET other\n```\n",
        encoding="utf-8",
    )
    return base


def test_snippet_blocks_belong_to_the_including_page(snippets: Path) -> None:
    text = """
        # Runbook

        --8<-- "includes/db.md"

        ```check
        http: GET after
        ```
        """
    blocks = find_blocks(doc(text), "ops.md", snippet_dirs=[snippets])
    assert [(b.page, b.line, b.body, b.origin) for b in blocks] == [
        ("ops.md", 3, "tcp: db:5432", "includes/db.md:3"),
        ("ops.md", 5, "http: GET after", ""),
    ]


def test_snippet_block_form_nesting_indentation_and_sections(snippets: Path) -> None:
    text = """
        !!! note

            --8<-- "includes/sections.md:api"

        --8<--
        includes/nested.md
        includes/missing.md
        --8<--
        """
    blocks = find_blocks(doc(text), "ops.md", snippet_dirs=[snippets])
    assert [(b.line, b.lang, b.body, b.origin) for b in blocks] == [
        (3, "check", "http: GET api", "includes/sections.md:2"),
        # In the block form, the line of the file's own name between the markers.
        (6, "check", "tcp: db:5432", "includes/db.md:3"),
        (6, "sh", "ls", "includes/nested.md:5"),
    ]


def test_missing_snippets_and_no_snippet_dirs(snippets: Path) -> None:
    text = '--8<-- "includes/missing.md"\n\n--8<-- "includes/db.md"\n'
    assert find_blocks(text, "p.md", snippet_dirs=[snippets])[0].line == 3
    # Without snippets configured, the directive is plain text.
    assert find_blocks(text, "p.md") == []


def test_snippet_blocks_equal_what_the_site_build_formats(snippets: Path) -> None:
    text = doc(
        """
        --8<-- "includes/nested.md"

        === "Tab"

            --8<-- "includes/sections.md:api"

        ;--8<-- "includes/db.md"

        ```check
        http: GET own
        ```
        """
    )
    blocks = find_blocks(text, "ops.md", snippet_dirs=[snippets])
    assert [(b.lang, b.body) for b in blocks] == site_build_blocks(text, [snippets])
    assert [b.body for b in blocks] == ["tcp: db:5432", "ls", "http: GET api", "http: GET own"]


def test_a_snippet_that_includes_itself_stops(snippets: Path) -> None:
    (snippets / "loop.md").write_text('--8<-- "loop.md"\n```check\ntcp: a:1\n```\n', "utf-8")
    blocks = find_blocks('--8<-- "loop.md"\n', "p.md", snippet_dirs=[snippets])
    assert [(b.body, b.origin) for b in blocks] == [("tcp: a:1", "loop.md:2")]


# -- files and folders ----------------------------------------------------------------------


def test_find_in_paths_walks_folders_sorted_and_names_pages_relative_to_the_folder(
    tmp_path: Path,
) -> None:
    docs = tmp_path / "docs"
    (docs / "ops").mkdir(parents=True)
    (docs / "ops" / "deploy.md").write_text("```check\ntcp: a:1\n```\n", encoding="utf-8")
    (docs / "index.md").write_text("\ufeff```check\ntcp: b:1\n```\n", encoding="utf-8")
    (docs / "notes.txt").write_text("```check\ntcp: c:1\n```\n", encoding="utf-8")
    single = tmp_path / "single.md"
    single.write_text("x\n\n```check\ntcp: d:1\n```\n", encoding="utf-8")

    blocks = find_in_paths([docs, single])

    assert [(b.page, b.line) for b in blocks] == [
        ("index.md", 1),
        ("ops/deploy.md", 1),
        ("single.md", 3),
    ]


def test_pages_are_named_relative_to_the_site_docs_dir_whatever_path_names_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One identity per check: the build calls it ``ops/deploy.md``, so must the CLI and pytest,
    whether they were given the docs folder, a subfolder or the file itself."""
    docs = tmp_path / "docs"
    (docs / "ops").mkdir(parents=True)
    (docs / "ops" / "deploy.md").write_text("```check\ntcp: a:1\n```\n", "utf-8")
    outside = tmp_path / "README.md"
    outside.write_text("```check\ntcp: b:1\n```\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    for named in (Path("docs"), Path("docs/ops"), Path("docs/ops/deploy.md"), docs / "ops"):
        assert [b.page for b in find_in_paths([named], roots=[docs])] == ["ops/deploy.md"]
    assert [b.page for b in find_in_paths([outside], roots=[docs])] == ["README.md"]
    assert page_name(Path("docs/./ops/../ops/deploy.md"), [docs]) == "ops/deploy.md"


def test_a_page_that_is_not_utf8_is_a_problem_at_its_line_in_place_of_its_blocks(
    tmp_path: Path,
) -> None:
    page = tmp_path / "latin1.md"
    page.write_bytes("# Ops\n\ncaf\u00e9\n```check\ntcp: a:1\n```\n".encode("latin-1"))
    fine = tmp_path / "fine.md"
    fine.write_text("```check\ntcp: b:1\n```\n", encoding="utf-8")
    [problem, block] = find_in_paths([page, fine])
    assert isinstance(problem, PageProblem)
    assert (problem.page, problem.line) == ("latin1.md", 3)  # named as the site names it
    assert "not valid UTF-8" in problem.message
    assert isinstance(block, CheckBlock) and block.body == "tcp: b:1"


def test_a_missing_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file or folder"):
        find_in_paths([tmp_path / "nope"])


# -- equality with the site build -----------------------------------------------------------


def site_build_blocks(text: str, snippet_dirs: list[Path] | None = None) -> list[tuple[str, str]]:
    """The marked blocks a Markdown build with the plugin's SuperFences wiring shows, in order:
    recorded by the fence formatter, kept only when the formatted block reaches the HTML."""
    seen: list[tuple[str, str]] = []

    def formatter(
        src: str, language: str, class_name: str, options: dict[str, Any], md: Any, **kw: Any
    ) -> str:
        if not is_marked(language, options, kw.get("classes") or []):
            return str(highlight(src, language, options, md, **kw))
        seen.append((language, src))
        return f'<div class="recorded-{len(seen) - 1}"></div>'

    extensions = ["admonition", "pymdownx.details", "pymdownx.superfences", "pymdownx.tabbed"]
    configs: dict[str, dict[str, Any]] = {
        "pymdownx.superfences": {"custom_fences": custom_fences(formatter)},
        "pymdownx.tabbed": {"alternate_style": True},
    }
    if snippet_dirs:
        extensions.append("pymdownx.snippets")
        configs["pymdownx.snippets"] = {"base_path": [str(d) for d in snippet_dirs]}
    md = markdown.Markdown(extensions=extensions, extension_configs=configs)
    html = md.convert(text)
    return [block for i, block in enumerate(seen) if f'"recorded-{i}"' in html]


TRICKY = """
# Every place a check can hide

```check
http: GET top
```
Text right after a fence is part of the same paragraph for Python-Markdown,
```bash check
echo so-this-fence-is-still-found
```
- so this is not a list

    ```check
    http: GET indented-code-after-a-fence-paragraph
    ```

1. Step

    ```sh check name="in list"
    ls
    ```

    ??? note "Details in a list"

        === "Tab A"

            ```check
            http: GET deep
            ```

        === "Tab B"
            > ```check
            > http: GET quoted-in-tab
            > ```

!!! warning ""

    ```check
    http: GET admonition-without-title
    ```


    ```check
    http: GET after-two-blank-lines
    ```

!!! "No type, so not an admonition"

    ```check
    http: GET code-block
    ```

> Quote
> ```check
> http: GET quote
> ```

    ```check
    http: GET top-level-indented
    ```

````markdown
```check
http: GET example
```
````

```bash
echo unmarked
```

```{.bash .check}
echo attr-form
```

```check
http: GET unclosed
````
"""


def test_found_blocks_equal_what_the_site_build_formats() -> None:
    blocks = find_blocks(TRICKY, "tricky.md")
    assert [(b.lang, b.body) for b in blocks] == site_build_blocks(TRICKY)
    assert [(b.line, b.body.split()[-1]) for b in blocks] == [
        (4, "top"),
        (8, "so-this-fence-is-still-found"),
        (19, "ls"),
        (27, "deep"),
        (32, "quoted-in-tab"),
        (38, "admonition-without-title"),
        (43, "after-two-blank-lines"),
        (54, "quote"),
        (72, "attr-form"),
    ]


_FENCES = st.sampled_from(
    [
        "```check",
        "```bash check",
        '```sh check name="x"',
        "```{.bash .check}",
        "```bash",
        "```python",
        "````markdown",
        "~~~check",
        '```check title="t"',
        "```bash foo",
    ]
)
_BODIES = st.sampled_from(["http: GET x", "ls", "a\n\nb", "```check\nhttp: inner\n```", ""])
_INDENTS = st.sampled_from(["", "", " ", "  ", "    ", "      ", "        "])
_CONTAINERS = st.sampled_from(
    ["!!! note", '??? tip "T"', "???+ warning", '=== "Tab"', '!!! "x"', "- item", "1. step"]
)


@st.composite
def markdown_pages(draw: st.DrawFn, depth: int = 0) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 5))):
        indent = draw(_INDENTS)
        choice = draw(st.integers(0, 5 if depth < 2 else 3))
        if choice <= 1:
            opening = draw(_FENCES)
            marker = opening[: len(opening) - len(opening.lstrip("`~"))]
            closing = draw(st.sampled_from([marker, marker, marker + "`", ""]))
            body = [indent + line if line else "" for line in draw(_BODIES).split("\n")]
            lines += [indent + opening, *body, indent + closing]
        elif choice == 2:
            lines.append(indent + draw(st.sampled_from(["Text", "- item", "> quote", ""])))
        elif choice == 3:
            lines.append("")
        elif choice == 4:
            inner = draw(markdown_pages(depth + 1))
            lines += [indent + "> " + line for line in inner]
        else:
            lines.append(indent + draw(_CONTAINERS))
            lines += draw(st.sampled_from([[""], []]))
            pad = indent + draw(st.sampled_from(["    ", "    ", "  ", "        "]))
            lines += [pad + line if line else "" for line in draw(markdown_pages(depth + 1))]
    return lines


@settings(max_examples=200, deadline=None)
@given(markdown_pages())
def test_generated_pages_find_what_the_site_build_formats(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    blocks = find_blocks(text, "generated.md")
    assert [(b.lang, b.body) for b in blocks] == site_build_blocks(text)
    raw = text.split("\n")
    for block in blocks:
        assert raw[block.line - 1].lstrip(" >").startswith(("```", "~~~"))
