"""A skill's model calls: DigitalOcean Gradient AI serverless inference, Anthropic or OpenAI, chosen by the environment.

The same file, byte for byte, is in every skill that calls a model (each deploys from its own source_dir, so nothing
is shared at run time); tests/test_model_client.py fails when the copies differ. Standard library only.

  MODEL_PROVIDER             gradient | anthropic | openai | none (default: the first of the three whose key is set)
  MODEL                      the model id (default: DEFAULT_MODEL of the provider; ANTHROPIC_MODEL is still read)
  GRADIENT_MODEL_ACCESS_KEY  a DigitalOcean model access key  (also ANTHROPIC_API_KEY, OPENAI_API_KEY)
  GRADIENT_BASE_URL          https://inference.do-ai.run/v1  (also ANTHROPIC_BASE_URL, OPENAI_BASE_URL: tests, proxies)
  MODEL_TIMEOUT_SECONDS      per attempt, default 60

A call is retried once on HTTP 429 or 5xx, after the answer's Retry-After when that is at most MAX_RETRY_WAIT seconds.
Keys travel only in headers that are not repeated on a redirect; no error, log line, repr or description holds one.
"""

import email.utils
import json
import logging
import math
import os
import re
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

log = logging.getLogger("model_client")

MAX_RETRY_WAIT = 10.0
DEFAULT_RETRY_WAIT = 1.0
DEFAULT_TIMEOUT = 60.0
MAX_ANSWER_BYTES = 4 * 1024 * 1024
HEADER_SAFE = re.compile(r"[\x21-\x7e]+")  # a key with a space or line break would break (or leak through) a header


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    key_env: str
    base_url_env: str
    default_base_url: str
    default_model: str
    api: str  # "chat_completions" (OpenAI-compatible) or "messages" (Anthropic)


PROVIDERS: Dict[str, Provider] = {
    p.name: p
    for p in (
        Provider(
            "gradient", "Gradient", "GRADIENT_MODEL_ACCESS_KEY", "GRADIENT_BASE_URL", "https://inference.do-ai.run/v1",
            "llama3.3-70b-instruct", "chat_completions",
        ),
        Provider(
            "anthropic", "Anthropic", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "https://api.anthropic.com",
            "claude-sonnet-4-5", "messages",
        ),
        Provider(
            "openai", "OpenAI", "OPENAI_API_KEY", "OPENAI_BASE_URL", "https://api.openai.com/v1", "gpt-4o-mini",
            "chat_completions",
        ),
    )
}
KEY_ENVS = ", ".join(p.key_env for p in PROVIDERS.values())


class ModelError(Exception):
    """A model call failed; str() is the reason, which never holds a key."""


@dataclass(frozen=True)
class Model:
    """A configured model: where to send the prompt and with which key."""

    provider: Provider
    model: str
    base_url: str
    timeout: float
    key: str = field(repr=False)

    def describe(self) -> Dict[str, Any]:
        return {"mode": "model", "provider": self.provider.name, "model": self.model}


@dataclass(frozen=True)
class Settings:
    """The model the environment configures, or None and, when a setting is wrong, the problem."""

    model: Optional[Model]
    problem: str = ""

    def describe(self) -> Dict[str, Any]:
        """For /metadata: provider and model in use, or "rules only" (with the problem, if any). Never a key."""
        if self.model:
            return self.model.describe()
        described: Dict[str, Any] = {"mode": "rules only", "provider": None, "model": None}
        if self.problem:
            described["problem"] = self.problem
        return described


def from_env(env: Mapping[str, str] = os.environ) -> Settings:
    """The model settings of `env`; a wrong setting gives no model and a problem naming the variable."""
    keys = {name: env.get(p.key_env, "").strip() for name, p in PROVIDERS.items()}
    chosen = env.get("MODEL_PROVIDER", "").strip().lower()
    if chosen == "none":
        return Settings(None)
    if chosen and chosen not in PROVIDERS:
        return Settings(None, f"MODEL_PROVIDER must be one of {', '.join(PROVIDERS)} or none, not {chosen[:40]!r}")
    if not chosen:
        chosen = next((name for name, key in keys.items() if key), "")
        if not chosen:
            return Settings(None)
    provider = PROVIDERS[chosen]
    key = keys[chosen]
    if not key:
        return Settings(None, f"MODEL_PROVIDER is {chosen} but {provider.key_env} is not set")
    if not HEADER_SAFE.fullmatch(key):
        return Settings(None, f"{provider.key_env} holds a space, line break or other character a header cannot carry")
    base_url = env.get(provider.base_url_env, "").strip() or provider.default_base_url
    if not re.match(r"https?://[^/\s]+", base_url):
        return Settings(None, f"{provider.base_url_env} is not an http(s) URL")
    model = env.get("MODEL", "").strip() or (env.get("ANTHROPIC_MODEL", "").strip() if chosen == "anthropic" else "")
    timeout_text = env.get("MODEL_TIMEOUT_SECONDS", "").strip()
    try:
        timeout = float(timeout_text) if timeout_text else DEFAULT_TIMEOUT
    except ValueError:
        timeout = -1.0
    if not (0 < timeout <= 600):
        return Settings(None, f"MODEL_TIMEOUT_SECONDS must be a number of seconds above 0 and at most 600, not {timeout_text[:20]!r}")
    return Settings(Model(provider, model or provider.default_model, base_url.rstrip("/"), timeout, key))


def complete(model: Model, system: str, prompt: str, max_tokens: int, sleep: Callable[[float], None] = time.sleep) -> str:
    """The model's text answer to `prompt`; ModelError with the reason when it fails, after at most one retry."""
    url, headers, body = request_parts(model, system, prompt, max_tokens)
    first = 0
    for attempt in (1, 2):
        status, answer, retry_after = post(model, url, headers, body)
        if status == 200:
            return text_of(model, answer)
        reason = http_reason(model, status, answer)
        if attempt == 2:
            reason = f"{reason} (after one retry; the first attempt got HTTP {first})"
        elif status == 429 or status >= 500:
            wait = retry_wait(retry_after)
            if wait is not None:
                log.warning("%s; retrying in %.1f s", reason, wait)
                first = status
                sleep(wait)
                continue
            reason = f"{reason}; it asks to retry after {retry_after.strip()[:40]}, longer than {MAX_RETRY_WAIT:g} s"
        log.warning("model call failed: %s", reason)
        raise ModelError(reason)
    raise AssertionError("unreachable")  # the loop returns or raises


def request_parts(model: Model, system: str, prompt: str, max_tokens: int) -> Tuple[str, Dict[str, str], bytes]:
    """URL, headers (without the key) and JSON body of one call in the provider's API."""
    if model.provider.api == "messages":
        data = {"model": model.model, "max_tokens": max_tokens, "system": system,
                "messages": [{"role": "user", "content": prompt}]}
        return f"{model.base_url}/v1/messages", {"anthropic-version": "2023-06-01"}, json.dumps(data).encode()
    # OpenAI's current name for the limit; Gradient documents max_tokens.
    limit = "max_completion_tokens" if model.provider.name == "openai" else "max_tokens"
    data = {"model": model.model, limit: max_tokens,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": prompt}]}
    return f"{model.base_url}/chat/completions", {}, json.dumps(data).encode()


def post(model: Model, url: str, headers: Dict[str, str], body: bytes) -> Tuple[int, bytes, str]:
    """(status, body, Retry-After) of one POST; ModelError when there is no HTTP answer."""
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("content-type", "application/json")
    request.add_header("user-agent", "odoobo-skill")
    for name, value in headers.items():
        request.add_header(name, value)
    if model.provider.api == "messages":
        request.add_unredirected_header("x-api-key", model.key)
    else:
        request.add_unredirected_header("Authorization", f"Bearer {model.key}")
    label = model.provider.label
    try:
        with urllib.request.urlopen(request, timeout=model.timeout) as response:
            return response.status, response.read(MAX_ANSWER_BYTES + 1), ""
    except urllib.error.HTTPError as error:
        return error.code, error.read(64 * 1024), error.headers.get("retry-after", "") if error.headers else ""
    except (socket.timeout, TimeoutError):
        reason = f"{label} did not answer within {model.timeout:g} s"
    except (urllib.error.URLError, OSError) as error:
        reason = f"cannot reach {label}: {getattr(error, 'reason', error)}"
    log.warning("model call failed: %s", reason)
    raise ModelError(reason)


def http_reason(model: Model, status: int, body: bytes) -> str:
    label = model.provider.label
    if status in (401, 403):
        # Providers echo parts of a rejected key in their message: leave it out.
        return f"{label} rejected {model.provider.key_env} (HTTP {status})"
    detail = error_detail(body).replace(model.key, "[redacted]")
    return f"{label} answered HTTP {status}" + (f": {detail}" if detail else "")


def error_detail(body: bytes) -> str:
    """The message of a JSON error body ({"error": {"message"}}, {"message"}, {"error": "…"}) or its first text."""
    try:
        data = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return " ".join(body[:200].decode("utf-8", "replace").split())
    inner = data.get("error", data) if isinstance(data, dict) else None
    message = inner.get("message", "") if isinstance(inner, dict) else inner
    return " ".join(str(message or "").split())[:300]


def retry_wait(retry_after: str) -> Optional[float]:
    """Seconds to wait before the retry (Retry-After as seconds or an HTTP date); None when that is too long."""
    text = (retry_after or "").strip()
    if not text:
        return DEFAULT_RETRY_WAIT
    try:
        seconds = float(text)
    except ValueError:
        try:
            seconds = (email.utils.parsedate_to_datetime(text) - datetime.now(timezone.utc)).total_seconds()
        except (TypeError, ValueError):
            return DEFAULT_RETRY_WAIT
    if math.isnan(seconds):
        return DEFAULT_RETRY_WAIT
    seconds = max(0.0, seconds)
    return seconds if seconds <= MAX_RETRY_WAIT else None


def text_of(model: Model, answer: bytes) -> str:
    """The text of a chat completion (choices[0].message.content) or of an Anthropic message (its text blocks)."""
    label = model.provider.label
    if len(answer) > MAX_ANSWER_BYTES:
        raise ModelError(f"{label}'s answer is larger than {MAX_ANSWER_BYTES} bytes")
    try:
        data = json.loads(answer)
        if model.provider.api == "messages":
            parts: List[Any] = data["content"]
        else:
            content = data["choices"][0]["message"]["content"]
            parts = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        text = "".join(p.get("text", "") for p in parts if isinstance(p, dict) and p.get("type") == "text")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        raise ModelError(f"{label}'s answer is not the JSON of a {'message' if model.provider.api == 'messages' else 'chat completion'}")
    if not text.strip():
        raise ModelError(f"{label}'s answer has no text")
    return text
