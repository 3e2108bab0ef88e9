"""The OpenAPI document is valid, names every route, and the app keeps to it: schemathesis
sends generated requests (a bounded, derandomized number) and checks every answer."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api import create_app
from tests.api.conftest import BASE

ROUTES = {
    "/api/v1/health",
    "/api/v1/algorithms",
    "/api/v1/filters",
    "/api/v1/algorithms/{slug}",
    "/api/v1/algorithms/{slug}/versions",
    "/api/v1/algorithms/{slug}/versions/{version}",
    "/api/v1/algorithms/{slug}/versions/{version}/explanation",
    "/api/v1/algorithms/{slug}/versions/{version}/fairness",
    "/api/v1/algorithms/{slug}/reviews",
    "/api/v1/algorithms/{slug}/versions/{version}/exports",
    "/api/v1/algorithms/{slug}/versions/{version}/exports/{name}",
    "/api/v1/exports",
    "/api/v1/exports/{name}",
    "/api/v1/audit/head",
    "/api/v1/audit/entries",
}


def test_the_openapi_document_is_valid_and_names_every_route(client):
    document = client.get(f"{BASE}/openapi.json").json()
    validate(document)
    assert set(document["paths"]) == ROUTES
    assert all(set(methods) == {"get"} for methods in document["paths"].values())
    docs = client.get(f"{BASE}/docs")
    assert docs.status_code == 200 and f"{BASE}/openapi.json" in docs.text


@pytest.fixture(scope="module")
def api_schema(api_register, tmp_path_factory):  # type: ignore[no-untyped-def]
    app = create_app(api_register, exports_dir=tmp_path_factory.mktemp("st-exports"))
    return schemathesis.openapi.from_asgi(f"{BASE}/openapi.json", app)


def test_generated_requests_find_no_failure(api_schema):  # type: ignore[no-untyped-def]
    """Every operation, a bounded and derandomized number of generated requests: no server
    error, no answer that breaks the document, no wrong content type (every check
    schemathesis runs by default)."""
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == len(ROUTES)
    for operation in operations:

        @settings(
            max_examples=15,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):  # type: ignore[no-untyped-def]
            # A page token is valid only when this server gave it for this search; no
            # schema can say so, so a generated one is (rightly) refused with 422.
            token = "page_token" in (case.query or {})
            case.call_and_validate(excluded_checks=[positive_data_acceptance] if token else [])

        try:
            check()
        except Exception as error:  # every operation is run, then all failures are shown
            failures.append(f"{operation.method.upper()} {operation.path}:\n{error}")
    assert not failures, "\n\n".join(failures)
