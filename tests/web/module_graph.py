"""The ES modules a page loads, followed through their relative imports."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from flask.testing import FlaskClient


def module_graph(client: FlaskClient, entry: str) -> set[str]:
    """Every ES module reachable from ``entry`` through relative imports."""
    seen: set[str] = set()
    todo = [entry]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        with client.get(url) as response:
            assert response.status_code == 200, url
            source = response.get_data(as_text=True)
        todo += [urljoin(url, m) for m in re.findall(r"""from\s+['"](\.[^'"]+)['"]""", source)]
    return seen
