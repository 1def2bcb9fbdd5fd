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
    for stale in COMPILED_DIR.glob("*.py"):
        stale.unlink()
    COMPILED_DIR.mkdir(exist_ok=True)
    for name, text in fresh.items():
        (COMPILED_DIR / name).write_text(text, encoding="utf-8")
    print(f"{len(fresh) - 1} templates compiled into {COMPILED_DIR}")


if __name__ == "__main__":
    main()
