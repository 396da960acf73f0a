"""visual-diff skill: compares two images (SSIM, pixel diff ratio, heat map).

This version answers the skill contract (health, metadata, docs) and validates /invoke
requests, including that both images are base64-encoded PNG or JPEG data; the comparison
itself arrives in a later version, so a valid request answers 501.
"""

import base64
import binascii
import os
from typing import Any, Dict, Optional

import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

NAME = "visual-diff"
VERSION = "0.1.0"
DESCRIPTION = "Compares two images and reports SSIM, the ratio of differing pixels and a heat map."

# Leading bytes of the image formats /invoke accepts.
IMAGE_SIGNATURES = {
    "PNG": b"\x89PNG\r\n\x1a\n",
    "JPEG": b"\xff\xd8\xff",
}


class CompareRequest(BaseModel):
    """Two images to compare, base64-encoded (standard alphabet, with padding)."""

    baseline: str = Field(..., min_length=1, description="Reference image: base64 of a PNG or JPEG file.")
    candidate: str = Field(..., min_length=1, description="Image to compare: base64 of a PNG or JPEG file.")
    threshold: Optional[float] = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Per-pixel difference (0..1) above which a pixel counts as changed; "
        "default: the DIFF_THRESHOLD setting.",
    )
    heatmap: bool = Field(True, description="Whether to return a heat map of the differences.")


def json_schema(model: Any) -> Dict[str, Any]:
    """JSON schema of a pydantic model, on pydantic 2 (model_json_schema) and 1.10 (schema)."""
    as_schema = getattr(model, "model_json_schema", None) or model.schema
    return as_schema()


def image_problem(field: str, data: str) -> Optional[str]:
    """Why `data` is not base64 of a PNG or JPEG file, or None when it is."""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return f"'{field}' is not valid base64"
    if not any(raw.startswith(signature) for signature in IMAGE_SIGNATURES.values()):
        return f"'{field}' is not a PNG or JPEG image"
    return None


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
        "inputs": json_schema(CompareRequest),
    }


@app.post(
    "/invoke",
    responses={
        422: {"description": "The request is not a valid comparison request."},
        501: {"description": "Comparing images is not implemented in this version."},
    },
)
def invoke(request: CompareRequest):
    for field in ("baseline", "candidate"):
        problem = image_problem(field, getattr(request, field))
        if problem:
            raise HTTPException(status_code=422, detail=f"{NAME}: {problem}")
    raise HTTPException(status_code=501, detail=f"{NAME}: invoke is not implemented yet")


if __name__ == "__main__":
    uvicorn.run(app, host=os.environ.get("HOST", "0.0.0.0"), port=int(os.environ.get("PORT", "8080")))
