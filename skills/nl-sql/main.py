"""nl-sql skill: turns a natural-language question and a table schema into one read-only SQL query.

This version answers the skill contract (health, metadata, docs) and validates /invoke
requests; generating SQL arrives in a later version, so /invoke answers 501.
"""

import os
from typing import Any, Dict, Literal

import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

NAME = "nl-sql"
VERSION = "0.1.0"
DESCRIPTION = "Turns a natural-language question and a table schema into one read-only SQL query."


class QueryRequest(BaseModel):
    """A question about data, and the schema of the tables it may be answered from."""

    question: str = Field(..., min_length=1, description="The question, in natural language.")
    table_schema: str = Field(
        ...,
        min_length=1,
        description="The tables the query may use, as SQL DDL (CREATE TABLE statements).",
    )
    dialect: Literal["postgresql", "mysql", "sqlite"] = Field(
        "postgresql", description="SQL dialect of the generated query."
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
        "inputs": json_schema(QueryRequest),
    }


@app.post(
    "/invoke",
    responses={
        422: {"description": "The request is not a valid query request."},
        501: {"description": "Generating SQL is not implemented in this version."},
    },
)
def invoke(request: QueryRequest):
    if not request.question.strip() or not request.table_schema.strip():
        raise HTTPException(
            status_code=422,
            detail=f"{NAME}: 'question' and 'table_schema' must not be blank",
        )
    raise HTTPException(status_code=501, detail=f"{NAME}: invoke is not implemented yet")


if __name__ == "__main__":
    uvicorn.run(app, host=os.environ.get("HOST", "0.0.0.0"), port=int(os.environ.get("PORT", "8080")))
