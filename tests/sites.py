"""Building real MkDocs sites in ``tmp_path`` for the tests."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import yaml

MKDOCS = [str(Path(sys.executable).parent / "mkdocs")]


@dataclass
class Site:
    root: Path

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    @property
    def out(self) -> Path:
        return self.root / "site"

    def page(self, name: str, text: str) -> Path:
        path = self.docs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def html(self, name: str) -> str:
        return (self.out / name).read_text(encoding="utf-8")

    def hook(self, name: str, code: str) -> None:
        """Add the MkDocs hook module ``name`` (beside mkdocs.yml) holding ``code``."""
        config = self.root / "mkdocs.yml"
        config.write_text(config.read_text() + f"hooks: [{name}]\n", encoding="utf-8")
        (self.root / name).write_text(code, encoding="utf-8")

    def build(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*MKDOCS, "build", *args],
            cwd=self.root,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
        )


def make_site(
    root: Path,
    *,
    theme: str = "mkdocs",
    runbook: dict[str, object] | None = None,
    extensions: list[object] | None = None,
) -> Site:
    root.mkdir(parents=True, exist_ok=True)
    config = {
        "site_name": "Runbooks",
        "theme": {"name": theme},
        "markdown_extensions": extensions
        if extensions is not None
        else ["admonition", "pymdownx.details", {"pymdownx.tabbed": {"alternate_style": True}}],
        "plugins": [{"runbook": runbook or {}}],
    }
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    (root / "docs").mkdir(exist_ok=True)
    return Site(root)


class ElementCollector(HTMLParser):
    """Collects (tag, attrs) of every start tag and the text inside elements with a class."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = ElementCollector()
    collector.feed(html)
    return collector.elements


def with_class(html: str, class_name: str) -> list[dict[str, str | None]]:
    return [
        attrs for _, attrs in elements(html) if class_name in (attrs.get("class") or "").split()
    ]
