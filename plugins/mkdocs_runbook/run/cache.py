"""Results kept between builds: in memory for ``mkdocs serve`` rebuilds, on disk under
``.cache/runbook/`` for the next process (SPEC 4, 5).

A result is reused only for the same check: the same resolved definition (target, parameters,
assertions, timeout, retries), the same env and the same secret values. The key on disk is an
HMAC-SHA256 of those, under a random key of this cache (``results.key``, beside the results,
readable by its owner only). A plain hash of a definition that holds a secret would let anyone
holding the results file test guesses of the secret offline, since the rest of the definition
is in the published docs; with the HMAC, the results file alone tells nothing about any value.

Only redacted outcomes are stored: the file is as safe to read as the published report. A
file that cannot be read, or an entry with a wrong field, is ignored with one warning naming
the file; everything readable in it is still used.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from ..model import ResolvedCheck
from ..results import RunOutcome, Status
from ..text import html_safe_json

log = logging.getLogger("mkdocs.plugins.runbook")

#: Bumped when the file's layout or its keys change; a file of another version is not used.
CACHE_VERSION = 2
#: A results file larger than this is not read: far beyond what any site's results take.
MAX_FILE_BYTES = 64 * 1024 * 1024
_KEY_BYTES = 32


class ResultCache:
    """Outcomes by cache key, in memory, backed by one JSON file in ``directory``.

    The file is read once, on first use, and written once per run (``flush``), not per
    check: a thousand small writes cost a build more than the checks' own CPU work.
    """

    FILE_NAME = "results.json"
    KEY_FILE_NAME = "results.key"

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._memory: dict[str, RunOutcome] = {}
        self._loaded = directory is None
        self._dirty = False
        self._read_only = False
        # Without a folder nothing is kept past this process, so the key need not be either.
        self._secret = secrets.token_bytes(_KEY_BYTES) if directory is None else None

    @classmethod
    def read_only(cls, directory: Path) -> ResultCache | None:
        """The cache of ``directory`` as another process of the same build reads it: it never
        makes, replaces or writes anything there. ``None`` while the folder has no key (a
        first build): that process then takes nothing from the cache."""
        try:
            key = (directory / cls.KEY_FILE_NAME).read_bytes()
        except OSError:
            return None
        if len(key) != _KEY_BYTES:
            return None
        cache = cls(directory)
        cache._secret = key
        cache._read_only = True
        return cache

    def key_for(self, resolved: ResolvedCheck, env: str, allowed_hosts: Sequence[str] = ()) -> str:
        """The key of ``resolved``'s result in ``env``: changes with the definition, the env,
        the value of any secret the check uses and ``allowed_hosts`` (the check worker vets an
        http target against it, so a result measured under other bounds is not reused)."""
        secret_fingerprints = sorted({self._mac(value) for value in resolved.secrets})
        payload = json.dumps(
            {
                "check": resolved.definition,
                "env": env,
                "secrets": secret_fingerprints,
                "allowed_hosts": sorted(allowed_hosts),
            },
            sort_keys=True,
        )
        return self._mac(payload)

    def get(self, key: str) -> RunOutcome | None:
        self._load()
        return self._memory.get(key)

    def put(self, key: str, outcome: RunOutcome) -> None:
        # Errors and skips say nothing about the target; caching them would hide a fix.
        if outcome.status in (Status.ERROR, Status.SKIP):
            return
        self._load()
        self._memory[key] = outcome
        self._dirty = True

    def flush(self) -> None:
        if self.directory is None or not self._dirty or self._read_only:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / self.FILE_NAME
            temporary = path.with_suffix(".tmp")
            data = {
                "version": CACHE_VERSION,
                "key_id": self._key_id(),
                "results": {key: outcome.to_dict() for key, outcome in self._memory.items()},
            }
            temporary.write_text(html_safe_json(data), encoding="utf-8")
            temporary.replace(path)
            self._dirty = False
        except OSError as exc:
            log.warning("cannot write the result cache in %s: %s", self.directory, exc)

    # -- the file ----------------------------------------------------------------------------

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        assert self.directory is not None
        path = self.directory / self.FILE_NAME
        try:
            loaded = self._read(path)
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("ignoring the result cache %s: %s", path, exc)
            return
        # What this process ran already wins over what an earlier one left on disk.
        self._memory = {**loaded, **self._memory}

    def _read(self, path: Path) -> dict[str, RunOutcome]:
        with path.open("rb") as file:
            if os.fstat(file.fileno()).st_size > MAX_FILE_BYTES:
                raise ValueError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
            raw = file.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ValueError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 (byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if data.get("version") != CACHE_VERSION or data.get("key_id") != self._key_id():
            # Written by another version or under another key: none of its keys can match.
            return {}
        entries = data.get("results")
        if not isinstance(entries, dict):
            raise ValueError("'results' is not a JSON object")
        loaded: dict[str, RunOutcome] = {}
        problems: list[str] = []
        for key, entry in entries.items():
            try:
                loaded[key] = RunOutcome.from_dict(entry)
            except ValueError as exc:
                problems.append(f"{key[:12]}…: {exc}")
        if problems:
            log.warning(
                "ignoring %d malformed result(s) in the result cache %s (%s)",
                len(problems),
                path,
                "; ".join(problems[:3]) + ("; …" if len(problems) > 3 else ""),
            )
        return loaded

    # -- the key -----------------------------------------------------------------------------

    def _mac(self, text: str) -> str:
        # ``hmac.digest``: the same MAC as ``hmac.new(...).hexdigest()``, computed in one call.
        return hmac.digest(self._secret_key(), text.encode("utf-8"), "sha256").hex()

    def _key_id(self) -> str:
        """Names the key a file was written under, without revealing it."""
        return self._mac("runbook result cache key")[:16]

    def _secret_key(self) -> bytes:
        if self._secret is None:
            assert self.directory is not None
            self._secret = _load_or_create_key(self.directory / self.KEY_FILE_NAME)
        return self._secret


def _load_or_create_key(path: Path) -> bytes:
    """This cache's random key: read from ``path``, or made there (owner-only) on first use.

    When the folder cannot be written, the key lives in memory for this process: results
    are still reused within the process, and nothing on disk matches them.
    """
    for _ in range(2):
        try:
            key = path.read_bytes()
        except FileNotFoundError:
            key = b""
        except OSError as exc:
            log.warning("cannot read the result cache key %s: %s", path, exc)
            return secrets.token_bytes(_KEY_BYTES)
        if len(key) == _KEY_BYTES:
            return key
        if key:
            log.warning("replacing the damaged result cache key %s", path)
            path.unlink(missing_ok=True)
        try:
            return _create_key(path)
        except FileExistsError:
            continue  # another process made it first: read theirs
        except OSError as exc:
            log.warning("cannot write the result cache key %s: %s", path, exc)
            return secrets.token_bytes(_KEY_BYTES)
    return secrets.token_bytes(_KEY_BYTES)


def _create_key(path: Path) -> bytes:
    key = secrets.token_bytes(_KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, key)
    finally:
        os.close(descriptor)
    try:
        # A hard link appears whole or not at all, and fails if another process won the race.
        os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return key
