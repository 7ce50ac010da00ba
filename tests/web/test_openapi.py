"""The OpenAPI document at /api/openapi.json: valid, complete, and true of the live app.

The schemathesis run drives the real WSGI app (no network) as a logged-in coordinator, so
200, 403 and 404 answers are all reachable, and checks every response with schemathesis's
default checks (status code, content type and response schema conformance, no 5xx, schema-valid
data accepted, schema-invalid data rejected).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode

from gridapp.errors import BadRequest
from gridapp.services.map import BBox
from tests.conftest import login
from tests.world import World

# The document describes the API; it is not an operation of it.
DOCUMENT_PATH = "/api/openapi.json"
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}

MAX_EXAMPLES = 25


def _openapi_path(rule: str) -> str:
    """Werkzeug's "/api/cells/<int(min=1):cell_id>" as OpenAPI's "/api/cells/{cell_id}"."""
    return re.sub(r"<(?:[^:<>]+:)?([^:<>]+)>", r"{\1}", rule)


def _document(app: Flask, username: str = "t_coordinator") -> dict[str, Any]:
    client = login(app.test_client(), username)
    response = client.get(DOCUMENT_PATH)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.json
    assert isinstance(body, dict)
    return body


def _session_cookie(app: Flask, username: str) -> str:
    client = login(app.test_client(), username)
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_openapi_document_is_valid_openapi_3(app: Flask, world: World) -> None:
    document = _document(app)
    assert document["openapi"].startswith("3.")
    schemathesis.openapi.from_dict(document).validate()  # raises on any OpenAPI 3 violation


def test_openapi_document_lists_every_api_route_the_app_registers(app: Flask, world: World) -> None:
    registered = {
        (_openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.rule != DOCUMENT_PATH
        for method in rule.methods or ()
        if method.lower() in HTTP_METHODS
    }
    documented = {
        (path, method)
        for path, item in _document(app)["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert registered, "no /api routes found in app.url_map"
    assert registered == documented


def test_openapi_document_declares_401_for_every_operation(app: Flask, world: World) -> None:
    operations = [
        (path, method, op)
        for path, item in _document(app)["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    ]
    assert operations
    missing = [
        f"{method.upper()} {path}"
        for path, method, op in operations
        if "401" not in op["responses"]
    ]
    assert missing == []


def _bbox_semantically_invalid(case: Case) -> bool:
    """A bbox that matches the documented pattern but is out of range or has min >= max.

    OpenAPI 3.0 cannot express "min < max" or per-axis ranges, so a schema-valid bbox may be
    refused with 400; the app's own parser confirms the refusal is about the bbox.
    """
    text = (case.query or {}).get("bbox")
    if not isinstance(text, str):
        return False
    try:
        BBox.parse(text)
    except BadRequest:
        return True
    return False


def _file_content_refused(case: Case, response: Any) -> bool:
    """An uploaded file that fits the schema (any binary) but is no CSV/XLSX table.

    OpenAPI cannot describe "a CSV or XLSX file with these columns"; the app's own
    message must say it is about the file.
    """
    if not case.operation.path.startswith("/api/imports/"):
        return False
    message = response.json().get("message", "")
    return any(word in message for word in ("文件", "CSV", "XLSX", "缺少列"))


def _domain_refusal(response: Any) -> bool:
    """A 400 the app's own rules gave after the request passed schema validation (e.g. a
    hypothetical station far from every street). Schema validation failures come from
    webargs with status "Bad Request"; domain refusals carry status "bad_request" and a
    Chinese message saying what is wrong."""
    body = response.json()
    return body.get("status") == "bad_request" and bool(body.get("message"))


def _known_ids(world: World) -> dict[str, list[int] | list[str]]:
    """Ids of real rows per path parameter: in the coordinator's scope (A) and outside it (B)."""
    return {
        "community_id": sorted(world.communities.values()),
        "subdistrict_id": sorted(world.subdistricts.values()),
        "cell_id": sorted(world.cells.values()),
        "point_id": sorted(world.service_points.values()),
        "change_id": [1, 2],
        "org_id": [1, 2],
        "assignment_id": [1, 2],
        "kind": ["members", "teams", "assignments"],
        "layer": [
            *("cells", "communities", "buildings", "service_points", "household_counts"),
            *("org_coverage", "service_coverage", "service_gaps"),
        ],
        "member_id": [1, 2],
        "household_id": [1, 2],
        "event_id": [1, 2],
        "photo_id": [1, 2],
        "import_id": [1, 2],
    }


def test_api_conforms_to_its_openapi_document(
    app: Flask, world: World, subtests: pytest.Subtests
) -> None:
    cookie = _session_cookie(app, "t_coordinator")
    schema = schemathesis.openapi.from_dict(_document(app))
    schema.app = app  # every call goes through the WSGI app, never the network
    known_ids = _known_ids(world)
    allow_refused_bbox = [schemathesis.checks.positive_data_acceptance]

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        # Random ids almost never hit a real row; add the world's so 200 and 403 are checked too.
        for parameter in operation.path_parameters:
            ids = known_ids[parameter.name]
            strategies.append(
                st.sampled_from(ids).flatmap(
                    lambda row_id, op=operation, name=parameter.name: op.as_strategy(
                        GenerationMode.POSITIVE, path_parameters={name: row_id}
                    )
                )
            )

        @given(case=st.one_of(strategies))
        @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None)
        def check(case: Case) -> None:
            response = case.call(cookies={"session": cookie})
            excluded = (
                allow_refused_bbox
                if response.status_code == 400
                and (
                    _bbox_semantically_invalid(case)
                    or _file_content_refused(case, response)
                    or _domain_refusal(response)
                )
                else []
            )
            case.validate_response(response, excluded_checks=excluded)

        with subtests.test(msg=operation.label):
            check()
