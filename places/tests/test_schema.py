"""The OpenAPI 3 schema at /api/schema/ and the browsable docs at /api/docs/."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_schema_is_openapi_3_and_documents_every_endpoint(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.0")
    paths = schema["paths"]
    for kind in ("studygroups", "events", "venues"):
        assert set(paths[f"/api/{kind}/"]) >= {"get", "post"}
        assert set(paths[f"/api/{kind}/{{id}}/"]) >= {"get", "patch", "delete"}
        assert "/ogc/collections/{collection_id}/items" in paths
    listed = {p["name"] for p in paths["/api/studygroups/"]["get"]["parameters"]}
    assert {"near", "radius_km", "bbox", "tile", "limit", "offset", "topic", "q"} <= listed
    # Renderers are chosen by Accept; no operation documents a `format`
    # the views would refuse.
    assert [
        path
        for path, operations in paths.items()
        for operation in operations.values()
        if isinstance(operation, dict)
        and any(p["name"] == "format" for p in operation.get("parameters", []))
    ] == []
    events = {p["name"] for p in paths["/api/events/"]["get"]["parameters"]}
    assert {"start", "end", "status"} <= events
    operation_ids = [
        operation["operationId"]
        for path in paths.values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(operation_ids) == len(set(operation_ids))
    assert "application/geo+json" in paths["/api/studygroups/"]["get"]["responses"]["200"][
        "content"
    ]


def test_docs_page_loads_swagger_ui_from_our_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui" in source for source in sources)
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))], sources
