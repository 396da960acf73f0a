"""The optional network calls of pr-review: a pull request's diff from GitHub, and a model review (model_client.py).

Both run only when their key is configured (GITHUB_TOKEN; GRADIENT_MODEL_ACCESS_KEY, ANTHROPIC_API_KEY or
OPENAI_API_KEY), with timeouts, and fail with an error whose message never contains the key. Keys go in headers that
are not repeated on a redirect.
"""

import json
import socket
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

import model_client

USER_AGENT = "odoobo-pr-review"
MAX_DIFF_BYTES = 5 * 1024 * 1024
MAX_MODEL_DIFF_CHARS = 100_000


class UpstreamError(Exception):
    """A call to GitHub failed; `status` is what /invoke answers."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def http(
    service: str,
    url: str,
    secret_headers: Dict[str, str],
    headers: Dict[str, str],
    body: Optional[bytes] = None,
    timeout: float = 15.0,
    limit: int = MAX_DIFF_BYTES,
) -> Tuple[int, bytes]:
    """(status, body) of one request; at most `limit` + 1 bytes of body are read."""
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    request.add_header("User-Agent", USER_AGENT)
    for key, value in headers.items():
        request.add_header(key, value)
    for key, value in secret_headers.items():
        request.add_unredirected_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(limit + 1)
    except urllib.error.HTTPError as error:
        return error.code, error.read(64 * 1024)
    except (socket.timeout, TimeoutError):
        raise UpstreamError(504, f"{service} did not answer within {timeout:g} s")
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise UpstreamError(502, f"cannot reach {service}: {reason}")


def error_message(body: bytes) -> str:
    """The `message` of a GitHub JSON error body, or a short text of it."""
    try:
        data = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return body[:200].decode("utf-8", "replace").strip()
    if isinstance(data, dict):
        inner = data.get("error") if isinstance(data.get("error"), dict) else data
        return str(inner.get("message", ""))[:300]
    return ""


def fetch_pull_request_diff(api_url: str, token: str, repository: str, number: int) -> str:
    """The unified diff of pull request `number` of `repository` (owner/name)."""
    url = f"{api_url.rstrip('/')}/repos/{repository}/pulls/{number}"
    status, body = http(
        "GitHub",
        url,
        {"Authorization": f"Bearer {token}"},
        {"Accept": "application/vnd.github.diff", "X-GitHub-Api-Version": "2022-11-28"},
    )
    if status == 200:
        if len(body) > MAX_DIFF_BYTES:
            raise UpstreamError(422, f"pull request {repository}#{number}: the diff is larger than {MAX_DIFF_BYTES} bytes")
        return body.decode("utf-8", "replace")
    detail = error_message(body)
    if status == 404:
        raise UpstreamError(404, f"pull request {repository}#{number} not found, or GITHUB_TOKEN cannot read it")
    if status == 401:
        raise UpstreamError(502, "GitHub rejected GITHUB_TOKEN (HTTP 401)")
    raise UpstreamError(502, f"GitHub answered HTTP {status}" + (f": {detail}" if detail else ""))


MODEL_SYSTEM = (
    "You review code changes. Answer only with a JSON array (no prose) of at most 20 findings, each an object "
    '{"file": string, "line": integer (line number in the new file), "severity": "error"|"warning"|"info", '
    '"message": string}. Report real problems: bugs, security issues, missing error handling, unclear code. '
    "Do not repeat the findings the rule-based review already made. Answer [] when there is nothing to add."
)


def model_findings(model: model_client.Model, diff: str, rule_findings: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Findings a model adds to the rule-based review: dicts with file, line, severity, message."""
    already = "\n".join(f"{f['file']}:{f['line']} {f['rule']}" for f in rule_findings[:100]) or "(none)"
    prompt = (
        f"Rule-based findings already reported:\n{already}\n\nThe diff to review:\n"
        f"```diff\n{diff[:MAX_MODEL_DIFF_CHARS]}\n```"
    )
    text = model_client.complete(model, MODEL_SYSTEM, prompt, 2048)
    try:
        items = json.loads(text[text.index("["): text.rindex("]") + 1])
    except ValueError:
        raise model_client.ModelError("the model's answer is not a JSON array of findings")
    findings = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("file"), str) or not item.get("message"):
            continue
        line = item.get("line")
        severity = item.get("severity")
        findings.append(
            {
                "file": item["file"],
                "line": line if isinstance(line, int) and line > 0 else 1,
                "severity": severity if severity in ("error", "warning", "info") else "info",
                "message": str(item["message"])[:1000],
            }
        )
    return findings
