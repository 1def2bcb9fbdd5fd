"""Exports of a package loaded at first use (PEP 562), so that importing one module of a package
does not load its siblings.

Python runs a package's ``__init__`` before any module in it. A check worker needs
``resolve.redact`` and ``resolve.hosts``, not ``resolve.checks`` (which reads check blocks with
the parser, the finder, Markdown and pymdownx): with eager exports the worker held 25 MB of
modules it never used. A package's ``__init__`` names its exports under ``TYPE_CHECKING`` (for
mypy) and hands the same names, by module, to ``exports``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, names_by_module: Mapping[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``: each name imports its module on first use and is
    then kept in the package like an ordinary import."""
    module_of = {name: module for module, names in names_by_module.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
