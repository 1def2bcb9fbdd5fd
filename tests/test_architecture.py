"""Structural promises of DESIGN.md: the engine never imports mkdocs; the public API is fixed."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import mkdocs_runbook

PACKAGE_DIR = Path(mkdocs_runbook.__file__).parent

#: The pipeline, bottom to top: a module may import its own layer and the layers below it,
#: never one above. Plain data sits under everything; the front-ends sit on top.
LAYERS: list[tuple[str, ...]] = [
    ("model", "results", "errors", "settings", "units", "text", "readable", "lazy", "pipes"),
    ("find",),
    ("assertions",),
    ("parse",),
    ("resolve",),
    ("run",),
    ("record",),
    ("render",),
    ("engine",),
    ("alerts",),
    (
        "plugin",
        "site_views",
        "build_end",
        "config",
        "page_checks",
        "cli",
        "history_commands",
        "project",
        "site_config",
        "pytest_plugin",
        "markdown",
        "demo",
        "long_lived",
    ),
]
LAYER_OF = {room: level for level, rooms in enumerate(LAYERS) for room in rooms}


def _room(module: str) -> str:
    """``mkdocs_runbook.run.probes.http`` → ``run``: the top-level module or subpackage."""
    return module.split(".")[1]


def _package_modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if len(parts) > 1:
            yield ".".join(parts), path


def _is_module(name: str) -> bool:
    path = PACKAGE_DIR.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports_of(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """Every ``mkdocs_runbook`` module ``module`` imports, with the line, relative ones resolved."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # ``from . import probes`` names a module; ``from . import __version__`` does not.
            names = [
                f"{target}.{alias.name}"
                for alias in node.names
                if not node.module and _is_module(f"{target}.{alias.name}")
            ]
            for name in names or [target]:
                if name.startswith("mkdocs_runbook."):
                    yield name, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("mkdocs_runbook."):
                    yield alias.name, node.lineno


def test_every_module_has_a_layer() -> None:
    rooms = {_room(module) for module, _ in _package_modules()}
    assert rooms <= set(LAYER_OF), f"modules outside the pipeline: {sorted(rooms - set(LAYER_OF))}"


def test_imports_only_point_down_the_pipeline() -> None:
    upward = [
        f"{path.relative_to(PACKAGE_DIR)}:{line} imports {target}"
        for module, path in _package_modules()
        for target, line in _imports_of(module, path)
        if LAYER_OF[_room(target)] > LAYER_OF[_room(module)]
    ]
    assert upward == []


def test_engine_does_not_import_mkdocs() -> None:
    # Every module below the front-ends (what the CLI, pytest and any non-MkDocs renderer
    # load), one by one: a package's exports load at first use, so importing it is not enough.
    front_ends = set(LAYERS[-1])
    engine = [module for module, _ in _package_modules() if _room(module) not in front_ends]
    code = (
        "import importlib, sys\n"
        f"for name in {engine!r}: importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'mkdocs' or m.startswith('mkdocs.'))\n"
        "print(leaked)\n"
        "sys.exit(1 if leaked else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"engine imported mkdocs: {done.stdout} {done.stderr}"


def test_public_api() -> None:
    assert sorted(mkdocs_runbook.__all__) == sorted(
        [
            "__version__",
            "CheckResult",
            "Report",
            "RunbookSettings",
            "Status",
            "collect",
            "run_checks",
            "RunbookError",
            "CheckDefinitionError",
            "ResolveError",
            "ProbeFailure",
            "ConfigError",
        ]
    )
    for name in mkdocs_runbook.__all__:
        assert getattr(mkdocs_runbook, name) is not None


@pytest.mark.parametrize("package", ["parse", "resolve", "run"])
def test_a_package_with_exports_at_first_use_has_each_of_them(package: str) -> None:
    """``parse``, ``resolve`` and ``run`` load their exports on first use (``lazy``), so that a
    check worker importing one of their modules does not load the others: importing the
    package loads none of its modules, and each name of ``__all__`` is the object of the module
    that ``TYPE_CHECKING`` names for it (what mypy sees), no other name is there."""
    declared = _type_checking_imports(PACKAGE_DIR / package / "__init__.py")
    code = (
        "import importlib, json, sys\n"
        f"package = importlib.import_module('mkdocs_runbook.{package}')\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(package.__name__ + '.'))\n"
        "declared = json.loads(sys.argv[1])\n"
        "wrong = sorted(name for name, module in declared.items() if getattr(package, name)"
        " is not getattr(importlib.import_module(f'{package.__name__}.{module}'), name))\n"
        "unknown = hasattr(package, 'no_such_export')\n"
        "print(json.dumps([loaded, sorted(package.__all__), wrong, unknown]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(declared)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    loaded, exported, wrong, unknown = json.loads(done.stdout)
    assert loaded == [], "importing the package loaded its modules"
    assert exported == sorted(declared)
    assert wrong == []
    assert unknown is False


def _type_checking_imports(path: Path) -> dict[str, str]:
    """Name → module (relative, one level) of the imports under ``if TYPE_CHECKING:``."""
    names: dict[str, str] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.level == 1:
                    for alias in statement.names:
                        names[alias.asname or alias.name] = statement.module or ""
    return names
