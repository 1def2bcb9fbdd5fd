"""Compiles the HTML templates (``templates/*.html``) with Jinja, in the environment they
render in, into Python modules in ``compiled_templates/``, which ``template_loader`` then
loads instead of compiling them in every build:

    python -m mkdocs_runbook.render.compile_templates

Run it after editing a template or upgrading Jinja. Until then builds compile the templates
as before (the digest and the Jinja version no longer match), and
tests/test_compiled_templates.py fails, so the shipped modules cannot drift from their
sources.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from jinja2 import PackageLoader

from .html import template_environment
from .template_loader import COMPILED_DIR, TEMPLATES_PACKAGE, jinja_version, templates_digest

_INIT = '''"""Jinja {version}'s compiled code of the templates in ../templates (the modules
``tmpl_<sha1 of the name>.py``, as ``jinja2.ModuleLoader`` finds them). Generated: do not edit,
run ``python -m mkdocs_runbook.render.compile_templates``."""

JINJA_VERSION = "{version}"
TEMPLATES_DIGEST = "{digest}"
'''


def compile_into(target: Path) -> None:
    """Write the compiled templates and their ``__init__.py`` into ``target`` (which must
    hold nothing else)."""
    environment = template_environment(PackageLoader(*TEMPLATES_PACKAGE))
    environment.compile_templates(
        target, zip=None, filter_func=lambda name: name.endswith(".html"), ignore_errors=False
    )
    init = _INIT.format(version=jinja_version(), digest=templates_digest())
    (target / "__init__.py").write_text(init, encoding="utf-8")


def compiled_files(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text("utf-8") for path in sorted(folder.glob("*.py"))}


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        compile_into(Path(scratch))
        fresh = compiled_files(Path(scratch))
    COMPILED_DIR.mkdir(exist_ok=True)
    for stale in set(compiled_files(COMPILED_DIR)) - set(fresh):
        (COMPILED_DIR / stale).unlink()
    for name, text in fresh.items():
        _write_if_changed(COMPILED_DIR / name, text)
    print(f"{len(fresh) - 1} templates compiled into {COMPILED_DIR}")


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists():
        path.write_text(text, encoding="utf-8")
        return
    before = path.stat().st_mtime_ns
    if path.read_text(encoding="utf-8") == text:
        return
    path.write_text(text, encoding="utf-8")
    # Python runs a module's cached bytecode while the source's size and modification time
    # (in whole seconds) are what the cache recorded: a file rewritten within the same second
    # at the same size would go on running its old code. Move the time on by a second at least.
    after = max(path.stat().st_mtime_ns, before + 1_000_000_000)
    os.utime(path, ns=(after, after))


if __name__ == "__main__":
    main()
