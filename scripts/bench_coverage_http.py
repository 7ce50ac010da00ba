"""The service page's circles through HTTP, as a ratio against ``/api/cells`` (issue 9).

Part of ``scripts/bench-coverage`` (see ``bench_coverage.py``). Both routes go through the
whole Flask stack (login session, argument parsing, service, JSON) with the WSGI test
client, no network: the page opens with ``GET /api/cells`` and ``GET /api/coverage/circles``
among others, and shows "——" until the slowest has answered.

* **cold**: the first circles request after the circle cache was emptied (the walking graph
  stays cached), as after a restart or a change of the streets;
* **warm**: circles and cells alternate, medians and p95 of ``rounds`` each, and the size of
  each answer;
* **new zoom** and **default**: the first request without zoom (1 m, the finest default)
  while the circles are cached at the page's zoom only (simplified anew, as after zooming
  in), then the same request again (warm).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np
from flask import Flask

# The query of the page (15 minutes at 4 km/h, every kind). It asks for zoom 14 or more
# (a pixel is 7.3 m at 14, 3.7 m at 15) and again at the zoom it fits the subdistrict at;
# 15, the larger answer of the two, is timed.
PAGE_ZOOM = 15


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _clear_circle_cache() -> None:
    try:
        from gridapp.services.coverage import circles as service_circles
    except ImportError:  # code before the circle cache: every request computes the circles
        return
    service_circles.clear_cache()


def measure_http(
    app: Flask, username: str, password: str, sub_id: int, rounds: int = 30, cold_runs: int = 3
) -> dict[str, Any]:
    client = app.test_client()
    login = client.post("/login", data={"username": username, "password": password})
    assert login.status_code == 302, login.get_data(as_text=True)
    cells_url = "/api/cells"
    circles_url = f"/api/coverage/circles?subdistrict_id={sub_id}&minutes=15&speed=4"
    page_url = f"{circles_url}&zoom={PAGE_ZOOM}"

    def get(url: str) -> tuple[float, int]:
        t0 = time.perf_counter()
        response = client.get(url)
        t1 = time.perf_counter()
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return _ms(t1 - t0), len(response.data)

    get(cells_url)  # the walking graph and the session are warm before anything is timed
    cold = []
    for _ in range(cold_runs):
        _clear_circle_cache()
        cold.append(get(page_url)[0])
    for _ in range(3):  # warm-up
        get(page_url)
        get(cells_url)
    circles_ms, cells_ms = [], []
    circles_bytes = cells_bytes = 0
    for _ in range(rounds):
        t, circles_bytes = get(page_url)
        circles_ms.append(t)
        t, cells_bytes = get(cells_url)
        cells_ms.append(t)
    new_zoom_ms, _ = get(circles_url)  # without zoom: the finest default, simplified anew
    full_ms, full_bytes = get(circles_url)
    features = len(client.get(page_url).json["features"])  # type: ignore[index]
    return {
        "n": rounds,
        "circles": statistics.median(circles_ms),
        "circles_p95": float(np.percentile(circles_ms, 95)),
        "cells": statistics.median(cells_ms),
        "cells_p95": float(np.percentile(cells_ms, 95)),
        "circles_kb": circles_bytes / 1024,
        "cells_kb": cells_bytes / 1024,
        "cold_median": statistics.median(cold),
        "cold_runs": len(cold),
        "default_kb": full_bytes / 1024,
        "default_ms": full_ms,
        "new_zoom_ms": new_zoom_ms,
        "features": features,
        "zoom": PAGE_ZOOM,
    }
