"""Tests of the visual-diff service: the skill contract and /invoke input handling."""

import base64
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
    assert response.json() == {"status": "ok", "skill": "visual-diff", "version": MANIFEST["version"]}


def test_metadata_matches_manifest(client):
    response = client.get("/metadata")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == MANIFEST["name"] == "visual-diff"
    assert body["version"] == MANIFEST["version"]
    assert body["description"] == MANIFEST["description"]
    assert body["invoke_path"] == MANIFEST["invokePath"]
    assert body["health_path"] == MANIFEST["healthPath"]
    assert body["docs_path"] == MANIFEST["docsPath"]
    assert body["inputs"]["type"] == "object"
    assert set(["baseline", "candidate", "threshold", "heatmap"]) <= set(body["inputs"]["properties"])


def test_docs(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert client.get("/openapi.json").json()["info"]["title"] == "visual-diff"


def test_unknown_path_is_404(client):
    assert client.get("/does-not-exist").status_code == 404


def test_wrong_method_is_405(client):
    assert client.get("/invoke").status_code == 405
    assert client.post("/health").status_code == 405


@pytest.mark.parametrize("body", [{}, [], "text", {"baseline": "iVBORw0KGgo=", "candidate": "iVBORw0KGgo=", "threshold": 2}])
def test_invoke_rejects_invalid_body(client, body):
    assert client.post("/invoke", json=body).status_code == 422


def test_invoke_rejects_non_json_body(client):
    response = client.post("/invoke", content=b"not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()
JPEG = base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * 16).decode()


def test_invoke_rejects_data_that_is_not_base64(client):
    response = client.post("/invoke", json={"baseline": "not base64!", "candidate": PNG})
    assert response.status_code == 422
    assert response.json()["detail"] == "visual-diff: 'baseline' is not valid base64"


def test_invoke_rejects_data_that_is_not_an_image(client):
    gif = base64.b64encode(b"GIF89a" + b"\x00" * 16).decode()
    response = client.post("/invoke", json={"baseline": PNG, "candidate": gif})
    assert response.status_code == 422
    assert response.json()["detail"] == "visual-diff: 'candidate' is not a PNG or JPEG image"


@pytest.mark.parametrize("extra", [{}, {"threshold": 0.05, "heatmap": False}, {"threshold": 0}, {"threshold": 1}])
def test_valid_invoke_is_not_implemented_yet(client, extra):
    response = client.post("/invoke", json={"baseline": PNG, "candidate": JPEG, **extra})
    assert response.status_code == 501
    assert response.json() == {"detail": "visual-diff: invoke is not implemented yet"}
