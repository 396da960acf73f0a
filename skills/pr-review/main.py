"""pr-review skill: reviews a unified diff or a GitHub pull request and returns findings.

This version answers the skill contract (health, metadata, docs) and validates /invoke
requests; the review itself arrives in a later version, so /invoke answers 501.
"""

import os
from typing import Any, Dict, Optional

import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

NAME = "pr-review"
VERSION = "0.1.0"
DESCRIPTION = (
    "Reviews a unified diff or a GitHub pull request and returns findings "
    "(file, line, severity, rule)."
)


class ReviewRequest(BaseModel):
    """What to review: a unified diff, or a GitHub pull request (repository + number)."""

    diff: Optional[str] = Field(
        None,
        description="Unified diff to review, e.g. the output of `git diff`.",
    )
    repository: Optional[str] = Field(
        None,
        min_length=3,
        description='GitHub repository as "owner/name"; used with pull_request instead of diff.',
    )
    pull_request: Optional[int] = Field(
        None,
        ge=1,
        description="Pull request number in `repository`.",
    )
    max_findings: int = Field(
        50,
        ge=1,
        le=500,
        description="Upper bound on the number of findings returned.",
    )


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
        "inputs": json_schema(ReviewRequest),
    }


@app.post(
    "/invoke",
    responses={
        422: {"description": "The request is not a valid review request."},
        501: {"description": "Reviewing is not implemented in this version."},
    },
)
def invoke(request: ReviewRequest):
    has_diff = bool(request.diff and request.diff.strip())
    has_pull_request = bool(request.repository) and request.pull_request is not None
    if not has_diff and not has_pull_request:
        raise HTTPException(
            status_code=422,
            detail=f"{NAME}: give either a non-empty 'diff' or both 'repository' and 'pull_request'",
        )
    raise HTTPException(status_code=501, detail=f"{NAME}: invoke is not implemented yet")


if __name__ == "__main__":
    uvicorn.run(app, host=os.environ.get("HOST", "0.0.0.0"), port=int(os.environ.get("PORT", "8080")))
