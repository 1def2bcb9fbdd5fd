"""Reading mkdocs.yml for the commands (issue 20): MkDocs' own YAML loader and option
definitions, without the theme or the other plugins, and the site's Markdown extensions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mkdocs_runbook.engine import collect
from mkdocs_runbook.errors import ConfigError
from mkdocs_runbook.project import load_project
from sites import make_site

pytestmark = pytest.mark.pyversions

CHECK = "```check\nname: {name}\nhttp: GET http://127.0.0.1:1/{name}\n```\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working directory, holding an empty docs folder (MkDocs' default ``docs_dir``)."""
    (tmp_path / "docs").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_theme_and_plugins_that_are_not_installed_are_not_needed(in_tmp: Path) -> None:
    write(in_tmp / "docs" / "ops.md", "# Ops\n\n" + CHECK.format(name="api"))
    write(
        in_tmp / "mkdocs.yml",
        "site_name: t\n"
        "theme: {name: no-such-theme, features: [content.code.copy]}\n"
        "plugins:\n  - search\n  - no-such-plugin: {option: 1}\n  - other-missing-plugin\n"
        "  - runbook: {timeout: 2s, concurrency: 3}\n"
        "markdown_extensions:\n"
        "  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:no_such_package.emoji.twemoji\n"
        "      emoji_generator: !!python/name:no_such_package.emoji.to_svg\n",
    )
    project = load_project(None)
    assert project.settings.timeout == 2.0 and project.settings.concurrency == 3
    assert project.warnings == [], "emoji cannot hide a fence: nothing to warn about"
    assert [item.id for item in collect(project.default_paths(), project.settings)] == ["api"]


def test_inherit_env_tags_and_paths_relative_to_the_config_file(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("I20_RUNBOOK_ENV", "staging")
    monkeypatch.delenv("I20_UNSET", raising=False)
    write(
        in_tmp / "shared" / "base.yml",
        "site_url: https://runbooks.example.com/ops\n"
        "plugins:\n  - runbook:\n"
        "      env: !ENV [I20_RUNBOOK_ENV, local]\n"
        "      timeout: !ENV [I20_UNSET, 7s]\n"
        "      catalog: catalog\n"
        "      environments: {local: {api: a}, staging: {api: b}}\n",
    )
    site = in_tmp / "site"
    write(site / "pages" / "ops.md", "# Ops\n")
    write(
        site / "mkdocs.yml",
        "INHERIT: ../shared/base.yml\nsite_name: child\ndocs_dir: pages\n"
        "use_directory_urls: false\n",
    )
    project = load_project(str(site / "mkdocs.yml"))
    assert project.settings.env == "staging"
    assert project.settings.variables == {"api": "b"}
    assert project.settings.timeout == 7.0
    assert project.settings.catalog == site.resolve() / "catalog"
    assert project.docs_dir == site.resolve() / "pages"
    assert project.default_paths() == [Path("site/pages")]
    assert project.site_url == "https://runbooks.example.com/ops/"
    assert project.use_directory_urls is False
    assert project.config_file == site.resolve() / "mkdocs.yml"


def test_relative_tag_in_snippets_base_path(in_tmp: Path) -> None:
    write(in_tmp / "parts" / "health.md", CHECK.format(name="included"))
    write(in_tmp / "docs" / "ops.md", '# Ops\n\n--8<-- "health.md"\n')
    write(
        in_tmp / "mkdocs.yml",
        "site_name: t\nmarkdown_extensions:\n  - pymdownx.snippets:\n"
        "      base_path: [!relative $config_dir/parts]\n",
    )
    project = load_project(None)
    assert project.settings.snippet_paths == [in_tmp.resolve() / "parts"]
    write(
        in_tmp / "mkdocs.yml",
        "site_name: t\nmarkdown_extensions:\n  - pymdownx.snippets:\n      base_path: !relative\n",
    )
    with pytest.raises(
        ConfigError, match=r"^mkdocs\.yml: pymdownx\.snippets base_path: a bare '!relative'"
    ):
        load_project(None)
    items = collect(project.default_paths(), project.settings)
    assert [(item.id, item.page, item.line) for item in items] == [("included", "ops.md", 3)]


def test_bad_runbook_option_is_an_error_naming_file_and_line(in_tmp: Path) -> None:
    write(
        in_tmp / "base.yml",
        "site_name: t\ntheme: material\nplugins:\n  - search\n  - runbook:\n"
        "      env: local\n      timeout: soon\n",
    )
    write(in_tmp / "mkdocs.yml", "INHERIT: base.yml\n")
    with pytest.raises(ConfigError) as raised:
        load_project(None)
    assert str(raised.value) == (
        "base.yml:7: plugin 'runbook' option 'timeout': "
        "expected a duration like 5s or 500ms, got 'soon'"
    )


def test_the_same_options_are_refused_as_in_a_build(in_tmp: Path) -> None:
    """One definition of the options: what `mkdocs build` refuses, the commands refuse."""
    site = make_site(in_tmp, runbook={"fail_on": ["fial"], "concurrency": "many"})
    site.page("index.md", "# Home\n")
    built = site.build()
    assert built.returncode != 0
    with pytest.raises(ConfigError) as raised:
        load_project(None)
    message = str(raised.value)
    assert message.startswith("mkdocs.yml:"), message
    for line in message.splitlines():
        detail = line.split(" option ", 1)[1]  # 'concurrency': Expected type: …
        assert f"Plugin 'runbook' option {detail}" in built.stderr, (line, built.stderr)


def test_unknown_option_is_a_warning_with_its_line(in_tmp: Path) -> None:
    write(in_tmp / "mkdocs.yml", "site_name: t\nplugins:\n  - runbook:\n      timout: 2s\n")
    project = load_project(None)
    assert project.warnings == [
        "mkdocs.yml:4: plugin 'runbook' option 'timout': Unrecognised configuration name: timout"
    ]


def test_site_settings_are_validated_as_mkdocs_validates_them(in_tmp: Path) -> None:
    write(in_tmp / "mkdocs.yml", "site_name: t\ntheme: material\ndocs_dir: nowhere\n")
    with pytest.raises(ConfigError, match=r"^mkdocs\.yml:3: 'docs_dir': The path .*nowhere"):
        load_project(None)
    write(in_tmp / "mkdocs.yml", "site_name: t\nmarkdown_extensions: admonition\n")
    with pytest.raises(ConfigError, match=r"mkdocs\.yml: markdown_extensions: expected a list"):
        load_project(None)
    write(in_tmp / "mkdocs.yml", "site_name: [unclosed\n")
    with pytest.raises(ConfigError, match=r"mkdocs\.yml: .*error parsing the configuration file"):
        load_project(None)


def test_a_value_read_from_the_environment_is_masked_in_messages(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("I20_TOKEN", "s3cr3t-<b>token</b>")
    write(
        in_tmp / "mkdocs.yml",
        "site_name: t\nplugins:\n  - runbook:\n      timeout: !ENV I20_TOKEN\n",
    )
    with pytest.raises(ConfigError) as raised:
        load_project(None)
    assert "s3cr3t" not in str(raised.value) and "<b>" not in str(raised.value)
    assert "got '••••'" in str(raised.value)


def test_a_missing_markdown_extension_is_named_in_a_warning(in_tmp: Path) -> None:
    write(in_tmp / "docs" / "ops.md", "# Ops\n\n" + CHECK.format(name="api"))
    write(
        in_tmp / "mkdocs.yml",
        "site_name: t\nmarkdown_extensions:\n  - admonition\n  - no_such_lists_extension\n"
        "  - pymdownx.tabbed:\n      slugify: !!python/name:no_such_package.slugs.slugify\n"
        "  - toc:\n      slugify: !!python/name:no_such_package.slugs.slugify\n",
    )
    project = load_project(None)
    assert project.warnings == [
        "mkdocs.yml: Markdown extension 'no_such_lists_extension' is not installed: blocks are "
        "found as if it were off, so checks inside the Markdown it handles may differ from the "
        "site build's",
        "mkdocs.yml: Markdown extension 'pymdownx.tabbed' uses 'no_such_package.slugs.slugify', "
        "which is not installed: blocks are found as if it were off, so checks inside the "
        "Markdown it handles may differ from the site build's",
    ]
    assert project.settings.markdown is not None
    assert "admonition" in project.settings.markdown.extensions
    assert "pymdownx.tabbed" not in project.settings.markdown.extensions
    assert [item.id for item in collect(project.default_paths(), project.settings)] == ["api"]


@pytest.mark.parametrize("extensions", [[], ["admonition"]], ids=["plain", "admonition"])
def test_the_site_extensions_decide_what_is_found_as_in_the_build(
    in_tmp: Path, extensions: list[object]
) -> None:
    """Without ``admonition`` the build shows an indented fence under ``!!! note`` as code
    text and runs nothing; with it the check runs. The commands find the same."""
    site = make_site(in_tmp, extensions=extensions, runbook={"fail_on": []})
    site.page(
        "index.md",
        "# Home\n\n" + CHECK.format(name="top") + "\n!!! note\n\n"
        "    " + CHECK.format(name="inside").replace("\n", "\n    ") + "\n",
    )
    built = site.build()
    assert built.returncode == 0, built.stderr
    report = json.loads((site.out / "runbook-checks.json").read_text(encoding="utf-8"))
    project = load_project(None)
    found = [item.id for item in collect(project.default_paths(), project.settings)]
    assert found == [check["id"] for check in report["checks"]]
    assert found == (["top", "inside"] if extensions else ["top"])


def test_mkdocs_yml_is_found_walking_up_from_the_first_path_then_the_working_directory(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(in_tmp / "a" / "mkdocs.yaml", "site_name: a\nplugins: [{runbook: {timeout: 1s}}]\n")
    page = write(in_tmp / "a" / "docs" / "deep" / "ops.md", "# Ops\n")
    write(in_tmp / "b" / "mkdocs.yml", "site_name: b\nplugins: [{runbook: {timeout: 2s}}]\n")
    (in_tmp / "b" / "docs" / "sub").mkdir(parents=True)
    (in_tmp / "elsewhere").mkdir()
    monkeypatch.chdir(in_tmp / "b" / "docs" / "sub")
    from_page = load_project(None, paths=[page])
    assert from_page.config_file == (in_tmp / "a" / "mkdocs.yaml").resolve()
    assert from_page.settings.timeout == 1.0
    from_cwd = load_project(None, paths=[in_tmp / "elsewhere"])
    assert from_cwd.config_file == (in_tmp / "b" / "mkdocs.yml").resolve()
    assert load_project(None).settings.timeout == 2.0
    named = load_project(str(in_tmp / "a" / "mkdocs.yaml"), paths=[in_tmp / "elsewhere"])
    assert named.settings.timeout == 1.0
