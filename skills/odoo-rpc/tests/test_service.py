"""Tests of the odoo-rpc service: the skill contract, /invoke input handling, and calls to a fake Odoo."""

import json
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

SKILL_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SKILL_DIR))

import main  # noqa: E402
import odoo  # noqa: E402
from fake_odoo import API_KEY, DB, LOGIN, UID, FakeOdoo  # noqa: E402

MANIFEST = json.loads((SKILL_DIR / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for key in ("ODOO_URL", "ODOO_DB", "ODOO_USERNAME", "ODOO_API_KEY", "ODOO_ALLOWED_MODELS", "ODOO_ALLOWED_METHODS"):
        monkeypatch.delenv(key, raising=False)
    odoo._uids.clear()


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


def test_invoke_validates_types(client):
    assert client.post("/invoke", json={"model": "", "method": "read"}).status_code == 422
    assert client.post("/invoke", json={"model": "res.partner", "method": "read", "args": {}}).status_code == 422
    assert client.post("/invoke", json={"model": "res.partner", "method": "read", "kwargs": "limit=5"}).status_code == 422


@pytest.fixture()
def fake(monkeypatch):
    """A fake Odoo, and the settings that point the service at it with every supported method allowed."""
    server = FakeOdoo()
    monkeypatch.setenv("ODOO_URL", server.url + "/")
    monkeypatch.setenv("ODOO_DB", DB)
    monkeypatch.setenv("ODOO_USERNAME", LOGIN)
    monkeypatch.setenv("ODOO_API_KEY", API_KEY)
    monkeypatch.setenv("ODOO_ALLOWED_MODELS", "res.partner,hr.employee")
    monkeypatch.setenv("ODOO_ALLOWED_METHODS", ",".join(main.METHODS))
    yield server
    server.close()


def call(client, method, args=None, kwargs=None, model="res.partner"):
    return client.post("/invoke", json={"model": model, "method": method, "args": args or [], "kwargs": kwargs or {}})


def test_search_read_authenticates_once_then_calls_execute_kw(client, fake):
    response = call(client, "search_read", [[["is_company", "=", True]]], {"fields": ["name", "city"], "limit": 5})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "model": "res.partner",
        "method": "search_read",
        "result": [
            {"id": 1, "name": "Azure Interior", "city": "Fremont"},
            {"id": 2, "name": "Deco Addict", "city": "Pleasant Hill"},
        ],
    }
    assert fake.calls == [
        {"service": "common", "method": "authenticate", "args": [DB, LOGIN, API_KEY, {}]},
        {
            "service": "object",
            "method": "execute_kw",
            "args": [DB, UID, API_KEY, "res.partner", "search_read", [[["is_company", "=", True]]], {"fields": ["name", "city"], "limit": 5}],
        },
    ]
    # The uid is cached: the next call goes straight to execute_kw.
    assert call(client, "search_count", [["|", ["city", "=", "Fremont"], ["name", "ilike", "deco"]]]).json()["result"] == 3
    assert [c["method"] for c in fake.calls] == ["authenticate", "execute_kw", "execute_kw"]


def test_create_write_read_message_post_unlink(client, fake):
    created = call(client, "create", [{"name": "Gemini Furniture", "city": "Fairfield"}])
    assert created.status_code == 200 and created.json()["result"] == 101
    assert call(client, "write", [[101], {"email": "gemini@example.com"}]).json()["result"] is True
    read = call(client, "read", [[101]], {"fields": ["name", "email"]})
    assert read.json()["result"] == [{"id": 101, "name": "Gemini Furniture", "email": "gemini@example.com"}]
    posted = call(client, "message_post", [101], {"body": "Welcome aboard", "message_type": "comment"})
    assert posted.status_code == 200 and posted.json()["result"] == 102
    assert fake.messages == [{"id": 102, "model": "res.partner", "res_id": 101, "body": "Welcome aboard", "message_type": "comment"}]
    assert fake.calls[-1]["args"][5] == [[101]], "a single id is sent as a list of one"
    assert call(client, "unlink", [[101]]).json()["result"] is True
    assert 101 not in fake.records["res.partner"]
    assert call(client, "create", [[{"name": "A"}, {"name": "B"}]]).json()["result"] == [103, 104]


def test_fields_get(client, fake):
    response = call(client, "fields_get", [], {"attributes": ["type"]})
    assert response.json()["result"]["email"] == {"type": "char"}


@pytest.mark.parametrize(
    "method, args, kwargs, status, detail",
    [
        ("read", [[99]], {}, 404, "Odoo MissingError: Record does not exist or has been deleted.\n(Record: res.partner(99,), User: 7)"),
        ("search_read", [], {"fields": ["nope"]}, 422, "Odoo ValueError: Invalid field 'nope' on model 'res.partner'"),
        ("create", [{"city": "Nowhere"}], {}, 422, "Odoo ValidationError: The field 'Name' is required."),
    ],
)
def test_odoo_errors_become_clear_http_errors(client, fake, method, args, kwargs, status, detail):
    response = call(client, method, args, kwargs)
    assert response.status_code == status
    assert response.json() == {"detail": f"odoo-rpc: {detail}"}


def test_odoo_access_error_is_403(client, fake):
    response = call(client, "search_read", model="hr.employee")
    assert response.status_code == 403
    assert response.json()["detail"] == "odoo-rpc: Odoo AccessError: You are not allowed to access 'Employee' (hr.employee) records."


def test_wrong_credentials_are_502_and_the_key_is_never_echoed(client, fake, monkeypatch):
    monkeypatch.setenv("ODOO_API_KEY", "wrong-key-0987654321")
    response = call(client, "search_read")
    assert response.status_code == 502
    assert response.json()["detail"] == (
        f"odoo-rpc: Odoo rejected ODOO_USERNAME '{LOGIN}' with ODOO_API_KEY on database '{DB}' "
        "(common.authenticate returned false)"
    )
    assert "wrong-key" not in response.text


def test_a_revoked_key_is_access_denied_and_authenticates_again_next_time(client, fake):
    assert call(client, "search_count").status_code == 200
    odoo._uids[next(iter(odoo._uids))] = 999  # as if the user changed: execute_kw answers AccessDenied
    response = call(client, "search_count")
    assert response.status_code == 502
    assert response.json()["detail"] == "odoo-rpc: Odoo AccessDenied: Access Denied"
    assert call(client, "search_count").json()["result"] == 3
    assert [c["method"] for c in fake.calls].count("authenticate") == 2


def test_unreachable_odoo_is_502(client, fake, monkeypatch):
    monkeypatch.setenv("ODOO_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    response = call(client, "search_read")
    assert response.status_code == 502
    assert response.json()["detail"].startswith("odoo-rpc: cannot reach Odoo at http://127.0.0.1:9/jsonrpc")


def test_missing_connection_settings_are_503_naming_them(client, monkeypatch):
    monkeypatch.setenv("ODOO_ALLOWED_MODELS", "res.partner")
    monkeypatch.setenv("ODOO_URL", "http://127.0.0.1:9")
    response = call(client, "search_read")
    assert response.status_code == 503
    assert response.json()["detail"] == "odoo-rpc: not configured: set ODOO_DB, ODOO_USERNAME, ODOO_API_KEY (see the skill's README)"


def test_only_read_methods_are_allowed_by_default(client, fake, monkeypatch):
    monkeypatch.delenv("ODOO_ALLOWED_METHODS")
    assert call(client, "search_read").status_code == 200
    response = call(client, "unlink", [[1]])
    assert response.status_code == 403
    assert response.json()["detail"] == "odoo-rpc: method 'unlink' is not allowed (see ODOO_ALLOWED_METHODS)"
    assert 1 in fake.records["res.partner"]


def test_methods_outside_the_wrapper_are_refused(client, fake):
    for method in ("sudo", "_read", "action_archive"):
        response = call(client, method)
        assert response.status_code == 403
        assert response.json()["detail"].startswith(f"odoo-rpc: 'method' {method!r} is not supported; use one of search_read")
    assert [c for c in fake.calls if c["method"] == "execute_kw"] == []


@pytest.mark.parametrize(
    "method, args, kwargs, detail",
    [
        ("search_read", [{"is_company": True}], {}, "'args[0]' (domain) must be a list of [field, operator, value] conditions"),
        ("search_read", [[["name", "~", "x"]]], {}, "'args[0][0]' has an unknown operator '~'"),
        ("search_read", [[["name", "="]]], {}, "'args[0][0]' must be [field, operator, value] or one of '&', '|', '!'"),
        ("search_read", [], {"limit": -1}, "'kwargs.limit' must be a non-negative integer"),
        ("search_read", [], {"limit": True}, "'kwargs.limit' must be a non-negative integer"),
        ("search_read", [], {"groupby": "city"}, "'kwargs.groupby' is not an argument of search_read (it takes: context, domain, fields, limit, offset, order)"),
        ("search_read", [[], ["name"]], {}, "'args': search_read takes at most 1 positional argument(s) (domain), got 2"),
        ("read", [], {}, "'args[0]' (ids) is required for read"),
        ("read", [["1"]], {}, "'args[0]' must be a non-empty list of record ids (positive integers)"),
        ("write", [[1]], {}, "'args[1]' (vals) is required for write"),
        ("write", [[1], {}], {}, "'args[1]' must be a non-empty object of field values"),
        ("create", [[]], {}, "'args[0]' must be a non-empty object of field values"),
        ("message_post", [[1, 2]], {"body": "hi"}, "'args[0]' must name exactly one record"),
        ("message_post", [1], {}, "'kwargs.body' is required for message_post"),
        ("message_post", [1], {"body": "hi", "message_type": "email"}, "'kwargs.message_type' must be one of comment, notification"),
    ],
)
def test_method_arguments_are_typed(client, fake, method, args, kwargs, detail):
    response = call(client, method, args, kwargs)
    assert response.status_code == 422
    assert response.json() == {"detail": f"odoo-rpc: {detail}"}
    assert fake.calls == [], "nothing is sent to Odoo"
