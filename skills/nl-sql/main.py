"""nl-sql skill: turns a natural-language question and a table schema into one read-only SQL query.

The schema's CREATE TABLE statements build an empty SQLite database (schema.py). Common question shapes are
answered by rules (questions.py); others by a model when one is configured (llm.py, model_client.py: DigitalOcean
Gradient AI, Anthropic or OpenAI). Every query,
from rules or model, is compiled with EXPLAIN against that database under a read-only authorizer before it is
returned, and questions that ask to change data are refused.
"""

import os
import re
from typing import Any, Dict, List, Literal

import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

import llm
import model_client
from questions import CannotAnswer, WriteRequested, explain, read_question, to_sql, write_asked
from schema import QueryError, ReadOnlyError, Schema, SchemaError, check_query, load_schema, read_only_problem

NAME = "nl-sql"
VERSION = "0.1.0"
DESCRIPTION = "Turns a natural-language question and a table schema into one read-only SQL query."


class QueryRequest(BaseModel):
    """A question about data, and the schema of the tables it may be answered from."""

    question: str = Field(..., min_length=1, max_length=2000, description="The question, in natural language.")
    table_schema: str = Field(
        ...,
        min_length=1,
        max_length=200_000,
        description="The tables the query may use, as SQL DDL (CREATE TABLE statements).",
    )
    dialect: Literal["postgresql", "mysql", "sqlite"] = Field(
        "postgresql", description="SQL dialect of the generated query."
    )
    mode: Literal["auto", "rules", "model"] = Field(
        "auto",
        description="auto: rules, then the model when the rules cannot answer and a model is configured "
        "(GRADIENT_MODEL_ACCESS_KEY, ANTHROPIC_API_KEY or OPENAI_API_KEY); rules: rules only; model: the model only.",
    )


def json_schema(model: Any) -> Dict[str, Any]:
    """JSON schema of a pydantic model, on pydantic 2 (model_json_schema) and 1.10 (schema)."""
    as_schema = getattr(model, "model_json_schema", None) or model.schema
    return as_schema()


SHAPES = (
    "counts (how many …), sums/averages/max/min of a column, per/by <column>, top N … by <column>, "
    "filters (<column> is/over/under <value>), date ranges (in 2024, last 30 days, since 2024-01-01)"
)


NEEDS_KEY = "GRADIENT_MODEL_ACCESS_KEY (DigitalOcean Gradient AI), ANTHROPIC_API_KEY or OPENAI_API_KEY"


def fail(status: int, message: str) -> HTTPException:
    return HTTPException(status_code=status, detail=f"{NAME}: {message}")


def tables_in(sql: str, schema: Schema) -> List[str]:
    return [name for name in schema.tables if re.search(rf'(?<![\w.]){re.escape(name)}(?![\w])', sql, re.I)]


def answer_with_model(request: QueryRequest, schema: Schema, model: model_client.Model, why: str) -> Dict[str, Any]:
    """The model's query, held to the rules' checks; 502 with the reason (and why the rules passed) when it fails."""
    try:
        result = llm.ask(model, request.question, request.table_schema, request.dialect)
    except llm.ModelError as error:
        raise fail(502, f"{error}" + (f"; the rules cannot answer either: {why}" if why else ""))
    problem = read_only_problem(result["sql"])
    try:
        if problem:
            raise ReadOnlyError(problem)
        check_query(schema, result["sqlite_sql"])
    except ReadOnlyError as error:
        raise fail(502, f"the model's query was refused: {error}")
    except QueryError as error:
        raise fail(502, f"the model's query does not fit the schema: {error}")
    return {
        "sql": result["sql"],
        "dialect": request.dialect,
        "method": "model",
        "provider": model.provider.name,
        "model": model.model,
        "explanation": result["explanation"],
        "tables": tables_in(result["sqlite_sql"], schema),
        "checked_sql": result["sqlite_sql"],
        "warnings": schema.warnings + ([f"rules: {why}"] if why else []),
    }


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
        "inputs": json_schema(QueryRequest),
        "model": model_client.from_env().describe(),
    }


@app.post(
    "/invoke",
    responses={
        400: {"description": "mode 'model' was asked for but no model is configured."},
        403: {"description": "The question asks to change data; nl-sql writes read-only queries only."},
        422: {"description": "Invalid request, a schema SQLite cannot read, or a question the rules cannot answer."},
        502: {"description": "The model failed, or its query is not read-only or does not fit the schema."},
    },
)
def invoke(request: QueryRequest) -> Dict[str, Any]:
    if not request.question.strip() or not request.table_schema.strip():
        raise HTTPException(
            status_code=422,
            detail=f"{NAME}: 'question' and 'table_schema' must not be blank",
        )
    verb = write_asked(request.question)
    if verb:
        raise fail(403, f"'question' asks to {verb} data; nl-sql writes read-only queries (SELECT) only")
    try:
        schema = load_schema(request.table_schema)
    except SchemaError as error:
        raise fail(422, f"'table_schema' cannot be read: {error}")
    settings = model_client.from_env()
    model = settings.model
    if request.mode == "model":
        if not model:
            raise fail(400, f"'mode' is 'model' but no model is configured: {settings.problem or 'set ' + NEEDS_KEY}")
        return answer_with_model(request, schema, model, "")
    try:
        query = read_question(request.question, schema)
        sqlite_sql = to_sql(query, "sqlite")
        check_query(schema, sqlite_sql)
    except WriteRequested as error:
        raise fail(403, f"'question': {error}; nl-sql writes read-only queries (SELECT) only")
    except (CannotAnswer, QueryError, ReadOnlyError) as error:
        if model and request.mode == "auto":
            return answer_with_model(request, schema, model, str(error))
        hint = f"; set {NEEDS_KEY} to have a model answer other questions"
        hint = "" if model else f"; no model answers instead: {settings.problem}" if settings.problem else hint
        raise fail(422, f"'question' is not one the rules answer: {error}. They answer {SHAPES}{hint}")
    return {
        "sql": to_sql(query, request.dialect),
        "dialect": request.dialect,
        "method": "rules",
        "explanation": explain(query),
        "tables": [query.table.name],
        "checked_sql": sqlite_sql,
        "warnings": schema.warnings,
    }


if __name__ == "__main__":
    uvicorn.run(app, host=os.environ.get("HOST", "0.0.0.0"), port=int(os.environ.get("PORT", "8080")))
