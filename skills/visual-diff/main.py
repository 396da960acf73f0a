"""visual-diff skill: compares two images (SSIM, pixel diff ratio, heat map).

POST /invoke takes two base64 PNG/JPEG images and answers their SSIM (scikit-image), the ratio of pixels whose
difference is above a threshold, the region they cover, a heat-map PNG and pass/fail against MIN_SSIM and
MAX_DIFF_RATIO (compare.py). LPIPS is reported as unavailable unless its model is installed.
"""

import os
from typing import Any, Dict, Optional

import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from compare import ImageProblem, compare, image_bytes

NAME = "visual-diff"
VERSION = "0.1.0"
DESCRIPTION = "Compares two images and reports SSIM, the ratio of differing pixels and a heat map."

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
    min_ssim: Optional[float] = Field(
        None, ge=0.0, le=1.0, description="SSIM at or above which the comparison passes; default: the MIN_SSIM setting."
    )
    max_diff_ratio: Optional[float] = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Ratio of changed pixels at or below which the comparison passes; default: the MAX_DIFF_RATIO setting.",
    )
    heatmap: bool = Field(True, description="Whether to return a heat map of the differences (base64 PNG).")
    resize: bool = Field(
        False, description="Resize the candidate to the baseline's size when they differ (otherwise 422)."
    )


def json_schema(model: Any) -> Dict[str, Any]:
    """JSON schema of a pydantic model, on pydantic 2 (model_json_schema) and 1.10 (schema)."""
    as_schema = getattr(model, "model_json_schema", None) or model.schema
    return as_schema()


DEFAULTS = {"DIFF_THRESHOLD": 0.1, "MIN_SSIM": 0.98, "MAX_DIFF_RATIO": 0.01}


def setting(key: str) -> float:
    """A 0..1 number from the environment, or its default when unset or empty."""
    raw = os.environ.get(key, "").strip()
    if not raw:
        return DEFAULTS[key]
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise HTTPException(status_code=500, detail=f"{NAME}: the {key} setting must be a number from 0 to 1, not {raw!r}")
    return value


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
        422: {"description": "Invalid request; an image that is not base64 PNG/JPEG, cannot be decoded, is too "
                             "large, or has another size than the baseline (without resize)."},
        500: {"description": "A setting (DIFF_THRESHOLD, MIN_SSIM, MAX_DIFF_RATIO) is not a number from 0 to 1."},
    },
)
def invoke(request: CompareRequest) -> Dict[str, Any]:
    pick = lambda given, key: setting(key) if given is None else given  # noqa: E731
    threshold = pick(request.threshold, "DIFF_THRESHOLD")
    min_ssim = pick(request.min_ssim, "MIN_SSIM")
    max_diff_ratio = pick(request.max_diff_ratio, "MAX_DIFF_RATIO")
    try:
        baseline = image_bytes("baseline", request.baseline)
        candidate = image_bytes("candidate", request.candidate)
        return compare(baseline, candidate, threshold, min_ssim, max_diff_ratio, request.heatmap, request.resize)
    except ImageProblem as problem:
        raise HTTPException(status_code=422, detail=f"{NAME}: {problem}")


if __name__ == "__main__":
    uvicorn.run(app, host=os.environ.get("HOST", "0.0.0.0"), port=int(os.environ.get("PORT", "8080")))
