"""The model behind nl-sql when one is configured (model_client.py): questions the rules cannot place.

The model is asked for the query in the requested dialect and for the same query in SQLite's dialect; the SQLite
one is what the schema check compiles (main.py), so a model's query is held to the same read-only check as the
rules' ones. Which provider, model and key: model_client.from_env(); no error holds the key.
"""

import json
from typing import Dict

import model_client
from model_client import ModelError

SYSTEM = (
    "You translate a question into ONE read-only SQL query (a single SELECT, or WITH … SELECT) over the given schema. "
    "Never write INSERT, UPDATE, DELETE, DDL or anything that changes data. Use only tables and columns of the schema. "
    'Answer with a JSON object only: {"sql": "<the query in the requested dialect>", "sqlite_sql": "<the same query '
    'in SQLite syntax>", "explanation": "<one sentence>"}. When the question cannot be answered from the schema, '
    'answer {"error": "<why>"}.'
)


__all__ = ["ModelError", "ask"]


def ask(model: model_client.Model, question: str, schema: str, dialect: str) -> Dict[str, str]:
    """The model's {"sql", "sqlite_sql", "explanation"} for the question; ModelError when it fails or declines."""
    prompt = f"Dialect: {dialect}\n\nSchema:\n{schema[:50_000]}\n\nQuestion: {question}"
    text = model_client.complete(model, SYSTEM, prompt, 1024)
    try:
        result = json.loads(text[text.index("{"): text.rindex("}") + 1])
    except ValueError:
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
