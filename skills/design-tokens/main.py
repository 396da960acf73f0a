"""design-tokens skill: extracts design tokens from HTML/CSS as W3C Design Tokens JSON.

Tokens cover colours, fonts, spacing, radii and shadows. This version answers the skill
contract (health, metadata, docs) and validates /invoke requests; the extraction arrives in a
later version, so /invoke answers 501.
"""

import os
from typing import Any, Dict, Optional

import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

NAME = "design-tokens"
VERSION = "0.1.0"
DESCRIPTION = (
    "Extracts design tokens (colours, fonts, spacing, radii, shadows) from HTML/CSS "
    "as W3C Design Tokens JSON."
)


class ExtractRequest(BaseModel):
    """The markup and/or style sheets to extract tokens from; at least one must be non-empty."""

    html: Optional[str] = Field(None, description="An HTML document; inline <style> blocks and style attributes count.")
    css: Optional[str] = Field(None, description="CSS style sheet text.")


def json_schema(model: Any) -> Dict[str, Any]:
    """JSON schema of a pydantic model, on pydantic 2 (model_json_schema) and 1.10 (schema)."""
    as_schema = getattr(model, "model_json_schema", None) or model.schema
    return as_schema()


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
        "inputs": json_schema(ExtractRequest),
    }


@app.post(
    "/invoke",
    responses={
        422: {"description": "The request is not a valid extraction request."},
        501: {"description": "Extracting tokens is not implemented in this version."},
    },
)
def invoke(request: ExtractRequest):
    if not (request.html and request.html.strip()) and not (request.css and request.css.strip()):
        raise HTTPException(status_code=422, detail=f"{NAME}: give non-empty 'html' or 'css'")
    raise HTTPException(status_code=501, detail=f"{NAME}: invoke is not implemented yet")


if __name__ == "__main__":
    uvicorn.run(app, host=os.environ.get("HOST", "0.0.0.0"), port=int(os.environ.get("PORT", "8080")))
