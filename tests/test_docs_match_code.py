"""The user guide documents every command-line flag and configuration option the code has,
and nothing the code does not have (issue 19): the tables in the guide are compared with
argparse and with ``RunbookConfig``, so the two cannot drift apart."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from mkdocs_runbook.cli import build_parser
from mkdocs_runbook.config import RunbookConfig

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guide"
#: argparse adds these to every parser; cli.md mentions them once, for `runbook` itself.
AUTOMATIC = {"-h", "--help"}


def _table_after(text: str, heading: str) -> list[list[str]]:
    """The rows (cells) of the first table after ``heading`` whose header's first cell is
    ``option``."""
    start = text.index(heading)
    rows: list[list[str]] = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if not rows and cells[0] != "option":
                continue
            rows.append(cells)
        elif rows:
            break
    assert rows, f"no option table under {heading!r}"
    return [row for row in rows[1:] if not set(row[0]) <= {"-", " "}]


def _documented_flags(text: str, heading: str) -> set[str]:
    flags: set[str] = set()
    for row in _table_after(text, heading):
        flags.update(re.findall(r"`(--?[a-z][a-z0-9-]*)", row[0]))
    return flags - AUTOMATIC


def _parser_flags(parser: argparse.ArgumentParser) -> set[str]:
    return {
        flag
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction)
        for flag in action.option_strings
    } - AUTOMATIC


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(commands.choices)


def _command_section(name: str) -> tuple[str, str]:
    """The guide page and heading that document ``runbook NAME``."""
    heading = f"## `runbook {name}`"
    for page in sorted(GUIDE.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        if heading in text:
            return text, heading
    raise AssertionError(f"no guide page has a section {heading!r}")


def test_every_command_is_documented_with_exactly_its_flags() -> None:
    for name, parser in _commands().items():
        text, heading = _command_section(name)
        documented = _documented_flags(text, heading)
        actual = _parser_flags(parser)
        assert documented - actual == set(), f"runbook {name}: documented, not in the code"
        assert actual - documented == set(), f"runbook {name}: in the code, not documented"


def test_the_global_flags_are_documented() -> None:
    text = (GUIDE / "cli.md").read_text(encoding="utf-8")
    assert _documented_flags(text, "# Command line") == _parser_flags(build_parser())


def _config_options() -> set[str]:
    config = RunbookConfig()
    return {name for name, _ in config._schema}


def _configuration_page() -> str:
    return (GUIDE / "configuration.md").read_text(encoding="utf-8")


def test_every_config_option_is_documented_and_nothing_else() -> None:
    documented = {
        re.sub(r"`", "", row[0]) for row in _table_after(_configuration_page(), "## Options")
    }
    assert documented == _config_options()


class _KeepEnvTags(yaml.SafeLoader):
    """Reads ``!ENV [NAME, default]`` as the list, to compare what is written."""


_KeepEnvTags.add_constructor(
    "!ENV", lambda loader, node: ["!ENV", *loader.construct_sequence(node, deep=True)]
)
_KeepEnvTags.add_multi_constructor(
    "tag:yaml.org,2002:python/name:", lambda loader, suffix, node: suffix
)


def _yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.S)


def test_the_full_example_names_only_real_options() -> None:
    example: Any = yaml.load(_yaml_blocks(_configuration_page())[0], Loader=_KeepEnvTags)
    options = next(p["runbook"] for p in example["plugins"] if isinstance(p, dict))
    assert set(options) == _config_options(), "the example shows every option, no other"


def test_this_sites_configuration_is_the_one_in_mkdocs_yml() -> None:
    page = _configuration_page()
    section = page[page.index("## This site's configuration") :]
    shown: Any = yaml.load(_yaml_blocks(section)[0], Loader=_KeepEnvTags)
    site: Any = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_KeepEnvTags)
    actual = next(p["runbook"] for p in site["plugins"] if isinstance(p, dict) and "runbook" in p)
    assert shown[0]["runbook"] == actual


@pytest.mark.parametrize("page", ["README.md", "docs/getting-started.md", "docs/guide/ci.md"])
def test_no_page_tells_users_to_install_from_an_index_that_lacks_the_package(page: str) -> None:
    commands = "".join(re.findall(r"```[a-z]*\n(.*?)```", (ROOT / page).read_text(), flags=re.S))
    assert "pip install mkdocs-runbook" not in commands, page
