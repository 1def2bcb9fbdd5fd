"""The benchmark's sites: the same runbook pages written three ways.

- ``runbook``: check blocks, with the ``runbook`` plugin;
- ``plain``: the very same pages without the plugin, so the check blocks are ordinary code;
- ``markdown-exec``: each check as a ``python exec="on"`` block that makes the request with
  httpx and prints the outcome, with the ``markdown-exec`` plugin.

Every check gets its own URL (``?page=P&check=C``), because identical resolved checks run only
once per build. A site of several hosts spreads its checks over the target's ports in turn
(``{{ api0 }}``, ``{{ api1 }}``, …). All three variants use the built-in ``mkdocs`` theme and
``pymdownx.superfences``, so the only difference between them is what the check blocks do.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

PROSE = (
    "When the pager goes off, start here. This step confirms that the service answers before "
    "you touch anything else, so that a broken dependency is not mistaken for a bad deploy. "
    "Read the badge next to the block: it says when the check last ran and what it measured."
)


class Variant(str, Enum):
    RUNBOOK = "runbook"
    PLAIN = "plain"
    MARKDOWN_EXEC = "markdown-exec"


@dataclass(frozen=True)
class SiteShape:
    pages: int
    checks_per_page: int
    hosts: int = 1

    @property
    def checks(self) -> int:
        return self.pages * self.checks_per_page


@dataclass(frozen=True)
class BenchSite:
    """One generated site: ``root/mkdocs.yml`` and ``root/docs/``."""

    root: Path
    variant: Variant
    shape: SiteShape
    runbook_options: dict[str, Any] = field(default_factory=dict)

    @property
    def config_file(self) -> Path:
        return self.root / "mkdocs.yml"

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".cache" / "runbook"

    def page_path(self, number: int) -> Path:
        return self.root / "docs" / f"page-{number:03d}.md"


def check_path(page: int, check: int) -> str:
    return f"/readyz?page={page}&check={check}"


def _host(shape: SiteShape, page: int, check: int) -> int:
    return (page * shape.checks_per_page + check) % shape.hosts


def _check_block(
    variant: Variant, shape: SiteShape, target_urls: list[str], page: int, check: int
) -> str:
    name = f"API ready p{page} c{check}"
    host = _host(shape, page, check)
    if variant is Variant.MARKDOWN_EXEC:
        url = target_urls[host] + check_path(page, check)
        return (
            '```python exec="on"\n'
            "import httpx\n\n"
            f'response = httpx.get("{url}", timeout=5)\n'
            'outcome = "pass" if response.status_code == 200 else "fail"\n'
            f'print(f"{name}: **{{outcome}}** · {{response.status_code}}")\n'
            "```\n"
        )
    # The plain variant keeps this text verbatim; only the plugin makes it a check.
    return (
        "```check\n"
        f"name: {name}\n"
        f"http: GET {{{{ api{host} }}}}{check_path(page, check)}\n"
        "expect: [status == 200]\n"
        "```\n"
    )


def _page_text(variant: Variant, shape: SiteShape, target_urls: list[str], page: int) -> str:
    parts = [f"# Runbook {page}\n\n{PROSE}\n"]
    for check in range(shape.checks_per_page):
        parts.append(f"## Step {check + 1}\n\n{PROSE}\n\n")
        parts.append(_check_block(variant, shape, target_urls, page, check))
    return "\n".join(parts)


def _config(
    variant: Variant, target_urls: list[str], runbook_options: dict[str, Any]
) -> dict[str, Any]:
    plugins: list[Any] = ["search"]
    if variant is Variant.RUNBOOK:
        hosts = {f"api{number}": url for number, url in enumerate(target_urls)}
        options = {"environments": {"local": hosts}, **runbook_options}
        plugins.append({"runbook": options})
    elif variant is Variant.MARKDOWN_EXEC:
        plugins.append("markdown-exec")  # it registers its own SuperFences fences
    return {
        "site_name": f"Benchmark ({variant.value})",
        "theme": {"name": "mkdocs"},
        "markdown_extensions": ["pymdownx.superfences"],
        "plugins": plugins,
    }


def write_site(
    root: Path,
    variant: Variant,
    shape: SiteShape,
    target_urls: list[str],
    *,
    runbook_options: dict[str, Any] | None = None,
) -> BenchSite:
    """Write a fresh site under ``root`` (emptied first); its checks use the first
    ``shape.hosts`` of ``target_urls``."""
    if len(target_urls) < shape.hosts:
        raise ValueError(f"{shape.hosts} hosts wanted, the target has {len(target_urls)} ports")
    target_urls = target_urls[: shape.hosts]
    if root.exists():
        shutil.rmtree(root)
    docs = root / "docs"
    docs.mkdir(parents=True)
    options = dict(runbook_options or {})
    config = _config(variant, target_urls, options)
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    index = ["# Benchmark\n"] + [f"- [Runbook {p}](page-{p:03d}.md)" for p in range(shape.pages)]
    (docs / "index.md").write_text("\n".join(index) + "\n", encoding="utf-8")
    site = BenchSite(root, variant, shape, options)
    for page in range(shape.pages):
        text = _page_text(variant, shape, target_urls, page)
        site.page_path(page).write_text(text, encoding="utf-8")
    return site
