from __future__ import annotations

from collections.abc import Iterator

import pytest

from servers import RouteServer


@pytest.fixture
def http_server() -> Iterator[RouteServer]:
    """A live HTTP server on 127.0.0.1 whose routes the test sets with ``http_server.route``."""
    server = RouteServer().start()
    try:
        yield server
    finally:
        server.stop()
