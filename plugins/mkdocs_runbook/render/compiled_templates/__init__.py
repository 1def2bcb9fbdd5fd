"""Jinja 3.1.6's compiled code of the templates in ../templates (the modules
``tmpl_<sha1 of the name>.py``, as ``jinja2.ModuleLoader`` finds them). Generated: do not edit,
run ``python -m mkdocs_runbook.render.compile_templates``."""

JINJA_VERSION = "3.1.6"
TEMPLATES_DIGEST = "acaf5f79424c01f9746e83d8b2c097d2d5b91ddd7fc0a08da2871af2afead2a9"
