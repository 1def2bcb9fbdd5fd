"""Jinja 3.1.6's compiled code of the templates in ../templates (the modules
``tmpl_<sha1 of the name>.py``, as ``jinja2.ModuleLoader`` finds them). Generated: do not edit,
run ``python -m mkdocs_runbook.render.compile_templates``."""

JINJA_VERSION = "3.1.6"
TEMPLATES_DIGEST = "d663745f693fdd6ed450a5b3020523f789a95fd581e7eda2b25902e716c743ac"
