"""Where the HTML templates' code comes from: the package's precompiled templates when they
are current, the template files otherwise.

Compiling the templates (Jinja's lexer, parser and code generator, all Python) cost every
build process about 50 ms before its first check was rendered. The package ships them
compiled by ``python -m mkdocs_runbook.render.compile_templates`` into
``compiled_templates/``: Python modules that Python itself caches as bytecode, part of the
package like any other module (nothing is read from a project's ``.cache``). They are used
only when they are what this Jinja would compile from these templates: the same Jinja
version (its generated code calls its runtime) and the same template sources, checked by
digest, so an edited template or another Jinja is never served stale code.
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from importlib.resources import files
from pathlib import Path

import jinja2
from jinja2 import BaseLoader, ModuleLoader, PackageLoader

from . import compiled_templates

TEMPLATES_PACKAGE = ("mkdocs_runbook.render", "templates")
COMPILED_DIR = Path(__file__).with_name("compiled_templates")


def templates_digest() -> str:
    """SHA-256 over every template's name and bytes, in name order."""
    digest = hashlib.sha256()
    folder = files(TEMPLATES_PACKAGE[0]).joinpath(TEMPLATES_PACKAGE[1])
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".html"):
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes() + b"\0")
    return digest.hexdigest()


def jinja_version() -> str:
    # Jinja 3.1 sets __version__; should a later one drop it, ask the installed metadata.
    return getattr(jinja2, "__version__", "") or metadata.version("jinja2")


def compiled_templates_are_current() -> bool:
    return (
        jinja_version() == compiled_templates.JINJA_VERSION
        and templates_digest() == compiled_templates.TEMPLATES_DIGEST
    )


def template_loader() -> BaseLoader:
    if compiled_templates_are_current():
        return ModuleLoader(COMPILED_DIR)
    return PackageLoader(*TEMPLATES_PACKAGE)
