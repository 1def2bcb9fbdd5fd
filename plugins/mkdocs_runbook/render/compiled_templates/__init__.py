"""Jinja 3.1.6's compiled code of the templates in ../templates (the modules
``tmpl_<sha1 of the name>.py``, as ``jinja2.ModuleLoader`` finds them). Generated: do not edit,
run ``python -m mkdocs_runbook.render.compile_templates``."""

JINJA_VERSION = "3.1.6"
TEMPLATES_DIGEST = "b4ad421f86e0fa05c1488eb97bda448c3206b201de3ef2b5f2fa7d7b5ac0d283"
