"""Tests of the nl-sql service: the skill contract and /invoke input handling."""

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
    assert response.json() == {"status": "ok", "skill": "nl-sql", "version": MANIFEST["version"]}


def test_metadata_matches_manifest(client):
    response = client.get("/metadata")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == MANIFEST["name"] == "nl-sql"
    assert body["version"] == MANIFEST["version"]
    assert body["description"] == MANIFEST["description"]
    assert body["invoke_path"] == MANIFEST["invokePath"]
    assert body["health_path"] == MANIFEST["healthPath"]
    assert body["docs_path"] == MANIFEST["docsPath"]
    assert body["inputs"]["type"] == "object"
    assert set(["question", "table_schema", "dialect"]) <= set(body["inputs"]["properties"])


def test_docs(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert client.get("/openapi.json").json()["info"]["title"] == "nl-sql"


def test_unknown_path_is_404(client):
    assert client.get("/does-not-exist").status_code == 404


def test_wrong_method_is_405(client):
    assert client.get("/invoke").status_code == 405
    assert client.post("/health").status_code == 405


@pytest.mark.parametrize("body", [{}, [], "text", {"question": "How many?", "table_schema": "CREATE TABLE t (id int)", "dialect": "oracle"}])
def test_invoke_rejects_invalid_body(client, body):
    assert client.post("/invoke", json=body).status_code == 422


def test_invoke_rejects_non_json_body(client):
    response = client.post("/invoke", content=b"not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


QUESTION = {
    "question": "How many orders were placed in 2024?",
    "table_schema": "CREATE TABLE orders (id integer PRIMARY KEY, placed_at timestamp NOT NULL);",
}


def test_invoke_rejects_blank_fields(client):
    for blank in ({"question": "  "}, {"table_schema": "\n"}):
        response = client.post("/invoke", json={**QUESTION, **blank})
        assert response.status_code == 422
        assert "must not be blank" in response.json()["detail"]


@pytest.mark.parametrize("dialect", [None, "postgresql", "mysql", "sqlite"])
def test_valid_invoke_is_not_implemented_yet(client, dialect):
    body = dict(QUESTION) if dialect is None else {**QUESTION, "dialect": dialect}
    response = client.post("/invoke", json=body)
    assert response.status_code == 501
    assert response.json() == {"detail": "nl-sql: invoke is not implemented yet"}
