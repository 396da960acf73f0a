"""Tests of the odoo-rpc service: the skill contract and /invoke input handling."""

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
    assert response.json() == {"status": "ok", "skill": "odoo-rpc", "version": MANIFEST["version"]}


def test_metadata_matches_manifest(client):
    response = client.get("/metadata")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == MANIFEST["name"] == "odoo-rpc"
    assert body["version"] == MANIFEST["version"]
    assert body["description"] == MANIFEST["description"]
    assert body["invoke_path"] == MANIFEST["invokePath"]
    assert body["health_path"] == MANIFEST["healthPath"]
    assert body["docs_path"] == MANIFEST["docsPath"]
    assert body["inputs"]["type"] == "object"
    assert set(["model", "method", "args", "kwargs"]) <= set(body["inputs"]["properties"])


def test_docs(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert client.get("/openapi.json").json()["info"]["title"] == "odoo-rpc"


def test_unknown_path_is_404(client):
    assert client.get("/does-not-exist").status_code == 404


def test_wrong_method_is_405(client):
    assert client.get("/invoke").status_code == 405
    assert client.post("/health").status_code == 405


@pytest.mark.parametrize("body", [{}, [], "text", {"model": "res.partner"}])
def test_invoke_rejects_invalid_body(client, body):
    assert client.post("/invoke", json=body).status_code == 422


def test_invoke_rejects_non_json_body(client):
    response = client.post("/invoke", content=b"not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


CALL = {"model": "res.partner", "method": "search_read", "args": [[["is_company", "=", True]]], "kwargs": {"limit": 5}}


def test_invoke_refuses_models_outside_the_allow_list(client, monkeypatch):
    monkeypatch.setenv("ODOO_ALLOWED_MODELS", "product.product, sale.order")
    response = client.post("/invoke", json=CALL)
    assert response.status_code == 403
    assert "res.partner" in response.json()["detail"]


def test_invoke_allows_nothing_without_an_allow_list(client, monkeypatch):
    monkeypatch.delenv("ODOO_ALLOWED_MODELS", raising=False)
    assert client.post("/invoke", json=CALL).status_code == 403
    monkeypatch.setenv("ODOO_ALLOWED_MODELS", " , ")
    assert client.post("/invoke", json=CALL).status_code == 403


def test_allowed_invoke_is_not_implemented_yet(client, monkeypatch):
    monkeypatch.setenv("ODOO_ALLOWED_MODELS", "product.product, res.partner")
    response = client.post("/invoke", json=CALL)
    assert response.status_code == 501
    assert response.json() == {"detail": "odoo-rpc: invoke is not implemented yet"}
    # args and kwargs are optional
    response = client.post("/invoke", json={"model": "res.partner", "method": "fields_get"})
    assert response.status_code == 501


def test_invoke_validates_types(client):
    assert client.post("/invoke", json={"model": "", "method": "read"}).status_code == 422
    assert client.post("/invoke", json={"model": "res.partner", "method": "read", "args": {}}).status_code == 422
    assert client.post("/invoke", json={"model": "res.partner", "method": "read", "kwargs": "limit=5"}).status_code == 422
