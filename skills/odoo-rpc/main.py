"""odoo-rpc skill: a typed, allow-listed wrapper over Odoo's JSON-RPC API.

This version answers the skill contract (health, metadata, docs), validates /invoke
requests and enforces the model allow-list (ODOO_ALLOWED_MODELS). Calling Odoo arrives in a
later version, so an allowed call answers 501.
"""

import os
from typing import Any, Dict, FrozenSet, List

import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

NAME = "odoo-rpc"
VERSION = "0.1.0"
DESCRIPTION = "Typed, allow-listed wrapper over Odoo's JSON-RPC API."


class RpcRequest(BaseModel):
    """One call of a model method, as Odoo's `execute_kw` takes it."""

    model: str = Field(..., min_length=1, description='Odoo model, e.g. "res.partner".')
    method: str = Field(..., min_length=1, description='Model method, e.g. "search_read".')
    args: List[Any] = Field(default_factory=list, description="Positional arguments of the method.")
    kwargs: Dict[str, Any] = Field(default_factory=dict, description="Keyword arguments of the method.")


def json_schema(model: Any) -> Dict[str, Any]:
    """JSON schema of a pydantic model, on pydantic 2 (model_json_schema) and 1.10 (schema)."""
    as_schema = getattr(model, "model_json_schema", None) or model.schema
    return as_schema()


def allowed_models() -> FrozenSet[str]:
    """Models named in ODOO_ALLOWED_MODELS (comma-separated); empty or unset allows none."""
    raw = os.environ.get("ODOO_ALLOWED_MODELS", "")
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


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
        403: {"description": "The model is not in ODOO_ALLOWED_MODELS."},
        422: {"description": "The request is not a valid RPC request."},
        501: {"description": "Calling Odoo is not implemented in this version."},
    },
)
def invoke(request: RpcRequest):
    model = request.model.strip()
    if model not in allowed_models():
        raise HTTPException(
            status_code=403,
            detail=f"{NAME}: model {model!r} is not allowed (see ODOO_ALLOWED_MODELS)",
        )
    raise HTTPException(status_code=501, detail=f"{NAME}: invoke is not implemented yet")


if __name__ == "__main__":
    uvicorn.run(app, host=os.environ.get("HOST", "0.0.0.0"), port=int(os.environ.get("PORT", "8080")))
