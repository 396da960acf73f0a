"""Tests of the pr-review service: the skill contract and /invoke input handling."""

import json
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

SKILL_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SKILL_DIR))

import main  # noqa: E402

MANIFEST = json.loads((SKILL_DIR / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture()
def client():
    with TestClient(main.app) as test_client:
        yield test_client


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "skill": "pr-review", "version": MANIFEST["version"]}


def test_metadata_matches_manifest(client):
    response = client.get("/metadata")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == MANIFEST["name"] == "pr-review"
    assert body["version"] == MANIFEST["version"]
    assert body["description"] == MANIFEST["description"]
    assert body["invoke_path"] == MANIFEST["invokePath"]
    assert body["health_path"] == MANIFEST["healthPath"]
    assert body["docs_path"] == MANIFEST["docsPath"]
    assert body["inputs"]["type"] == "object"
    assert set(["diff", "repository", "pull_request", "max_findings"]) <= set(body["inputs"]["properties"])


def test_docs(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert client.get("/openapi.json").json()["info"]["title"] == "pr-review"


def test_unknown_path_is_404(client):
    assert client.get("/does-not-exist").status_code == 404


def test_wrong_method_is_405(client):
    assert client.get("/invoke").status_code == 405
    assert client.post("/health").status_code == 405


@pytest.mark.parametrize("body", [{}, [], "text", {"diff": "x", "max_findings": 0}])
def test_invoke_rejects_invalid_body(client, body):
    assert client.post("/invoke", json=body).status_code == 422


def test_invoke_rejects_non_json_body(client):
    response = client.post("/invoke", content=b"not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


DIFF = """diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -1,2 +1,2 @@
-print("hello")
+print("hello, world")
"""


def test_invoke_needs_a_diff_or_a_pull_request(client):
    for body in ({"max_findings": 5}, {"diff": "   "}, {"repository": "odoobo/odoobo-skills"}):
        response = client.post("/invoke", json=body)
        assert response.status_code == 422, body
        assert "diff" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [{"diff": DIFF}, {"repository": "odoobo/odoobo-skills", "pull_request": 7, "max_findings": 10}],
)
def test_valid_invoke_is_not_implemented_yet(client, body):
    response = client.post("/invoke", json=body)
    assert response.status_code == 501
    assert response.json() == {"detail": "pr-review: invoke is not implemented yet"}
