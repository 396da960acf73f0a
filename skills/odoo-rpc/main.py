"""odoo-rpc skill: a typed, allow-listed wrapper over Odoo's JSON-RPC API.

POST /invoke calls one model method through `object.execute_kw`. Only models in ODOO_ALLOWED_MODELS and methods
in ODOO_ALLOWED_METHODS (default: the read methods) may be called, and each method's arguments are checked
(methods.py) before anything is sent to Odoo (odoo.py).
"""

import os
from typing import Any, Dict, FrozenSet, List

import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from methods import METHODS, READ_METHODS, ArgsError
from odoo import Odoo, OdooError

NAME = "odoo-rpc"
VERSION = "0.1.0"
DESCRIPTION = "Typed, allow-listed wrapper over Odoo's JSON-RPC API."


class RpcRequest(BaseModel):
    """One call of a model method, as Odoo's `execute_kw` takes it."""

    model: str = Field(..., min_length=1, description='Odoo model, e.g. "res.partner".')
    method: str = Field(
        ...,
        min_length=1,
        description="Model method: search_read, search_count, read, fields_get, create, write, unlink or "
        "message_post (each also has to be in ODOO_ALLOWED_METHODS).",
    )
    args: List[Any] = Field(default_factory=list, description="Positional arguments of the method.")
    kwargs: Dict[str, Any] = Field(default_factory=dict, description="Keyword arguments of the method.")


def json_schema(model: Any) -> Dict[str, Any]:
    """JSON schema of a pydantic model, on pydantic 2 (model_json_schema) and 1.10 (schema)."""
    as_schema = getattr(model, "model_json_schema", None) or model.schema
    return as_schema()


def env_list(key: str) -> FrozenSet[str]:
    return frozenset(part.strip() for part in os.environ.get(key, "").split(",") if part.strip())


def allowed_models() -> FrozenSet[str]:
    """Models named in ODOO_ALLOWED_MODELS (comma-separated); empty or unset allows none."""
    return env_list("ODOO_ALLOWED_MODELS")


def allowed_methods() -> FrozenSet[str]:
    """Methods named in ODOO_ALLOWED_METHODS (comma-separated); empty or unset allows the read methods."""
    return env_list("ODOO_ALLOWED_METHODS") or READ_METHODS


CONNECTION_ENVS = ("ODOO_URL", "ODOO_DB", "ODOO_USERNAME", "ODOO_API_KEY")


def connect() -> Odoo:
    settings = {key: os.environ.get(key, "").strip() for key in CONNECTION_ENVS}
    missing = [key for key, value in settings.items() if not value]
    if missing:
        raise HTTPException(
            status_code=503, detail=f"{NAME}: not configured: set {', '.join(missing)} (see the skill's README)"
        )
    return Odoo(settings["ODOO_URL"], settings["ODOO_DB"], settings["ODOO_USERNAME"], settings["ODOO_API_KEY"])


app = FastAPI(title=NAME, version=VERSION, description=DESCRIPTION)


@app.get("/health")
def health() -> Dict[str, str]:
    return {"status": "ok", "skill": NAME, "version": VERSION}


@app.get("/metadata")
def metadata() -> Dict[str, Any]:
    return {
        "name": NAME,
        "description": DESCRIPTION,
        "version": VERSION,
        "invoke_path": "/invoke",
        "health_path": "/health",
        "docs_path": "/docs",
        "inputs": json_schema(RpcRequest),
    }


@app.post(
    "/invoke",
    responses={
        403: {"description": "The model or method is not allowed, or Odoo refused access (AccessError)."},
        404: {"description": "Odoo has no such record (MissingError)."},
        422: {"description": "The request or a method argument is invalid, or Odoo rejected the data."},
        502: {"description": "Odoo failed, could not be reached, or rejected the configured credentials."},
        503: {"description": "The Odoo connection is not configured."},
        504: {"description": "Odoo did not answer in time."},
    },
)
def invoke(request: RpcRequest) -> Dict[str, Any]:
    model = request.model.strip()
    if model not in allowed_models():
        raise HTTPException(
            status_code=403,
            detail=f"{NAME}: model {model!r} is not allowed (see ODOO_ALLOWED_MODELS)",
        )
    method = METHODS.get(request.method.strip())
    if method is None:
        raise HTTPException(
            status_code=403,
            detail=f"{NAME}: 'method' {request.method!r} is not supported; use one of {', '.join(METHODS)}",
        )
    if method.name not in allowed_methods():
        raise HTTPException(
            status_code=403,
            detail=f"{NAME}: method {method.name!r} is not allowed (see ODOO_ALLOWED_METHODS)",
        )
    try:
        args, kwargs = method.check(request.args, request.kwargs)
    except ArgsError as error:
        raise HTTPException(status_code=422, detail=f"{NAME}: {error}")
    odoo = connect()
    try:
        result = odoo.execute_kw(model, method.name, args, kwargs)
    except OdooError as error:
        raise HTTPException(status_code=error.status, detail=f"{NAME}: {error.message}")
    return {"model": model, "method": method.name, "result": result}


if __name__ == "__main__":
    uvicorn.run(app, host=os.environ.get("HOST", "0.0.0.0"), port=int(os.environ.get("PORT", "8080")))
