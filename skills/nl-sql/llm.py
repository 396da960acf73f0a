"""The model behind nl-sql when ANTHROPIC_API_KEY is configured: questions the rules cannot place.

The model is asked for the query in the requested dialect and for the same query in SQLite's dialect; the SQLite
one is what the schema check compiles (main.py), so a model's query is held to the same read-only check as the
rules' ones. The key goes in a header that is not repeated on a redirect and never appears in an error.
"""

import json
import socket
import urllib.error
import urllib.request
from typing import Dict

TIMEOUT_SECONDS = 60.0

SYSTEM = (
    "You translate a question into ONE read-only SQL query (a single SELECT, or WITH … SELECT) over the given schema. "
    "Never write INSERT, UPDATE, DELETE, DDL or anything that changes data. Use only tables and columns of the schema. "
    'Answer with a JSON object only: {"sql": "<the query in the requested dialect>", "sqlite_sql": "<the same query '
    'in SQLite syntax>", "explanation": "<one sentence>"}. When the question cannot be answered from the schema, '
    'answer {"error": "<why>"}.'
)


class ModelError(Exception):
    pass


def ask(base_url: str, api_key: str, model: str, question: str, schema: str, dialect: str) -> Dict[str, str]:
    """The model's {"sql", "sqlite_sql", "explanation"} for the question; ModelError when it fails or declines."""
    prompt = f"Dialect: {dialect}\n\nSchema:\n{schema[:50_000]}\n\nQuestion: {question}"
    body = json.dumps(
        {"model": model, "max_tokens": 1024, "system": SYSTEM, "messages": [{"role": "user", "content": prompt}]}
    ).encode()
    request = urllib.request.Request(f"{base_url.rstrip('/')}/v1/messages", data=body, method="POST")
    request.add_header("content-type", "application/json")
    request.add_header("anthropic-version", "2023-06-01")
    request.add_header("user-agent", "odoobo-nl-sql")
    request.add_unredirected_header("x-api-key", api_key)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer = json.loads(response.read(1024 * 1024))
    except urllib.error.HTTPError as error:
        try:
            message = json.loads(error.read(64 * 1024))["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = ""
        raise ModelError(f"Anthropic answered HTTP {error.code}" + (f": {message}" if message else ""))
    except (socket.timeout, TimeoutError):
        raise ModelError(f"Anthropic did not answer within {TIMEOUT_SECONDS:g} s")
    except (urllib.error.URLError, OSError) as error:
        raise ModelError(f"cannot reach Anthropic: {getattr(error, 'reason', error)}")
    except ValueError:
        raise ModelError("Anthropic's answer is not JSON")
    try:
        text = "".join(part.get("text", "") for part in answer["content"] if part.get("type") == "text")
        result = json.loads(text[text.index("{"): text.rindex("}") + 1])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ModelError("the model's answer is not the JSON object asked for")
    if not isinstance(result, dict):
        raise ModelError("the model's answer is not the JSON object asked for")
    if result.get("error"):
        raise ModelError(f"the model could not answer: {str(result['error'])[:300]}")
    if not isinstance(result.get("sql"), str) or not result["sql"].strip():
        raise ModelError("the model's answer has no 'sql'")
    sqlite_sql = result.get("sqlite_sql") if dialect != "sqlite" else result["sql"]
    return {
        "sql": result["sql"].strip(),
        "sqlite_sql": (sqlite_sql if isinstance(sqlite_sql, str) and sqlite_sql.strip() else result["sql"]).strip(),
        "explanation": str(result.get("explanation") or "")[:500],
    }
