"""pr-review skill: reviews a unified diff or a GitHub pull request and returns findings.

The review is rule-based (rules.py) and works offline: secrets, debug output, TODOs, long functions, changes
without tests and risky patterns of Python, JavaScript and TypeScript. With GITHUB_TOKEN set it can read a pull
request's diff from GitHub; with a model configured (model_client.py: DigitalOcean Gradient AI, Anthropic or OpenAI)
a model adds its own findings (remote.py). When the model fails, the rules' findings still come back, marked so.
"""

import os
import re
from typing import Any, Dict, List, Optional, Tuple

import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

import model_client
import remote
from diffparse import DiffError, parse_diff
from rules import Finding, review, sort_findings, summarize

NAME = "pr-review"
VERSION = "0.1.0"
DESCRIPTION = (
    "Reviews a unified diff or a GitHub pull request and returns findings "
    "(file, line, severity, rule)."
)

DEFAULT_GITHUB_API_URL = "https://api.github.com"
REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
PULL_REQUEST_URL = re.compile(r"^https?://[^/\s]+/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/pull/(\d+)(?:[/?#].*)?$")


class ReviewRequest(BaseModel):
    """What to review: a unified diff, or a GitHub pull request (repository + number, or its URL)."""

    diff: Optional[str] = Field(
        None,
        max_length=2_000_000,
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
    pull_request_url: Optional[str] = Field(
        None,
        description="A pull request's URL, e.g. https://github.com/owner/name/pull/7 (instead of repository + "
        "pull_request). Reading pull requests needs GITHUB_TOKEN.",
    )
    max_findings: int = Field(
        50,
        ge=1,
        le=500,
        description="Upper bound on the number of findings returned.",
    )
    max_function_lines: int = Field(
        80,
        ge=5,
        le=5000,
        description="A function the change touches that is longer than this is reported (rule long-function).",
    )
    model_review: bool = Field(
        True,
        description="Add a model's findings when a model is configured (GRADIENT_MODEL_ACCESS_KEY, ANTHROPIC_API_KEY "
        "or OPENAI_API_KEY); false keeps to the rules.",
    )


def json_schema(model: Any) -> Dict[str, Any]:
    """JSON schema of a pydantic model, on pydantic 2 (model_json_schema) and 1.10 (schema)."""
    as_schema = getattr(model, "model_json_schema", None) or model.schema
    return as_schema()


def bad_request(status: int, message: str) -> HTTPException:
    return HTTPException(status_code=status, detail=f"{NAME}: {message}")


def pull_request_of(request: ReviewRequest) -> Optional[Tuple[str, int]]:
    """(repository, number) when the request names a pull request; None when it gives a diff."""
    has_diff = bool(request.diff and request.diff.strip())
    has_number = bool(request.repository) and request.pull_request is not None
    has_url = bool(request.pull_request_url and request.pull_request_url.strip())
    if has_diff + has_number + has_url == 0:
        raise bad_request(
            422, "give either a non-empty 'diff', both 'repository' and 'pull_request', or 'pull_request_url'"
        )
    if has_diff + has_number + has_url > 1:
        raise bad_request(422, "give only one of 'diff', 'repository' + 'pull_request', 'pull_request_url'")
    if has_diff:
        return None
    if has_url:
        match = PULL_REQUEST_URL.match(request.pull_request_url.strip())  # type: ignore[union-attr]
        if not match:
            raise bad_request(422, "'pull_request_url' is not a pull request URL like https://github.com/owner/name/pull/7")
        return match.group(1), int(match.group(2))
    if not REPOSITORY.match(request.repository or ""):
        raise bad_request(422, "'repository' must look like owner/name")
    return request.repository, request.pull_request  # type: ignore[return-value]


def read_diff(request: ReviewRequest) -> Tuple[str, Dict[str, Any]]:
    """The diff to review and a description of where it came from."""
    target = pull_request_of(request)
    if target is None:
        return request.diff or "", {"type": "diff"}
    repository, number = target
    token = os.environ.get("GITHUB_TOKEN", "").strip()
    if not token:
        raise bad_request(
            400, "reading a pull request needs GITHUB_TOKEN, which this deployment does not set; send the 'diff' instead"
        )
    api_url = os.environ.get("GITHUB_API_URL", "").strip() or DEFAULT_GITHUB_API_URL
    try:
        text = remote.fetch_pull_request_diff(api_url, token, repository, number)
    except remote.UpstreamError as error:
        raise bad_request(error.status, error.message)
    return text, {"type": "github", "repository": repository, "pull_request": number}


def add_model_review(request: ReviewRequest, diff: str, findings: List[Finding]) -> Dict[str, Any]:
    """Appends the model's findings to `findings` when a model is configured; answers the model_review report."""
    settings = model_client.from_env()
    if not settings.model:
        return {"status": "not_configured", "findings": 0, **({"error": settings.problem} if settings.problem else {})}
    if not request.model_review:
        return {"status": "disabled", "findings": 0}
    used = {"provider": settings.model.provider.name, "model": settings.model.model}
    try:
        added = remote.model_findings(settings.model, diff, [f.as_dict() for f in findings])
    except model_client.ModelError as error:
        return {"status": "failed", **used, "findings": 0, "error": str(error)}
    findings.extend(Finding(a["file"], a["line"], a["severity"], "model-review", a["message"]) for a in added)
    return {"status": "ok", **used, "findings": len(added)}


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
        "model": model_client.from_env().describe(),
    }


@app.post(
    "/invoke",
    responses={
        400: {"description": "A pull request was asked for but GITHUB_TOKEN is not configured."},
        404: {"description": "GitHub does not have the pull request (or the token cannot read it)."},
        422: {"description": "The request is not a valid review request, or the diff cannot be read."},
        502: {"description": "GitHub failed."},
        504: {"description": "GitHub did not answer in time."},
    },
)
def invoke(request: ReviewRequest) -> Dict[str, Any]:
    diff, source = read_diff(request)
    try:
        files = parse_diff(diff)
    except DiffError as error:
        field = "diff" if source["type"] == "diff" else "pull_request"
        raise bad_request(422 if field == "diff" else 502, f"'{field}' is not a unified diff: {error}")
    findings = review(files, request.max_function_lines)
    model_review = add_model_review(request, diff, findings)
    findings = sort_findings(findings)
    return {
        "source": source,
        # "rules" also when the model failed: model_review then says why.
        "method": "rules+model" if model_review["status"] == "ok" else "rules",
        "findings": [f.as_dict() for f in findings[: request.max_findings]],
        "truncated": len(findings) > request.max_findings,
        "summary": summarize(files, findings),
        "model_review": model_review,
    }


if __name__ == "__main__":
    uvicorn.run(app, host=os.environ.get("HOST", "0.0.0.0"), port=int(os.environ.get("PORT", "8080")))
