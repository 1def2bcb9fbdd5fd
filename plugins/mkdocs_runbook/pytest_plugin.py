"""``pytest --runbook PATH...``: every check of the runbooks as a test item (SPEC section 7)."""

from __future__ import annotations
