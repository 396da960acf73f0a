"""design-tokens skill: extracts design tokens from HTML/CSS as W3C Design Tokens JSON.

Tokens cover colours, font families and sizes, spacing, radii and shadows, deduplicated and ranked by use
(extract.py, colors.py). HTML and CSS come in the request, or from a URL when the network allows (fetch.py).
"""

import os
import urllib.parse
from typing import Any, Dict, List, Optional

import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

import fetch
from extract import extract, read_page

NAME = "design-tokens"
VERSION = "0.1.0"
DESCRIPTION = (
    "Extracts design tokens (colours, fonts, spacing, radii, shadows) from HTML/CSS "
    "as W3C Design Tokens JSON."
)


class ExtractRequest(BaseModel):
    """The markup, style sheets and/or page to extract tokens from; at least one must be non-empty."""

    html: Optional[str] = Field(
        None, max_length=2_000_000, description="An HTML document; inline <style> blocks and style attributes count."
    )
    css: Optional[str] = Field(None, max_length=2_000_000, description="CSS style sheet text.")
    url: Optional[str] = Field(
        None,
        max_length=2000,
        description="An http(s) page (or .css file) to read, with up to 10 of its linked style sheets.",
    )
    max_per_group: int = Field(50, ge=1, le=500, description="At most this many tokens per group, the most used first.")


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
        "inputs": json_schema(ExtractRequest),
    }


def allow_private_urls() -> bool:
    return os.environ.get("DESIGN_TOKENS_ALLOW_PRIVATE_URLS", "").strip().lower() in ("1", "true", "yes")


def read_url(url: str, sheets: List[str], sources: Dict[str, Any], warnings: List[str]) -> None:
    """Fetches the page (or style sheet) and its linked style sheets into `sheets`."""
    allow = allow_private_urls()
    try:
        text, final = fetch.get(url, allow)
    except fetch.FetchError as error:
        raise HTTPException(status_code=error.status, detail=f"{NAME}: 'url': {error.message}")
    sources["fetched"].append(final)
    if urllib.parse.urlsplit(final).path.lower().endswith(".css"):
        sheets.append(text)
        sources["stylesheets"] += 1
        return
    links = read_html(text, sheets, sources)
    for href in links[: fetch.MAX_STYLESHEETS]:
        link = urllib.parse.urljoin(final, href)
        try:
            css, fetched = fetch.get(link, allow)
        except fetch.FetchError as error:
            warnings.append(f"linked style sheet not read: {error.message}")
            continue
        sheets.append(css)
        sources["stylesheets"] += 1
        sources["fetched"].append(fetched)
    if len(links) > fetch.MAX_STYLESHEETS:
        warnings.append(f"only the first {fetch.MAX_STYLESHEETS} of {len(links)} linked style sheets were read")


def read_html(html: str, sheets: List[str], sources: Dict[str, Any]) -> List[str]:
    """Adds the page's <style> blocks and style="" attributes to `sheets`; answers its linked style sheets."""
    page = read_page(html)
    sheets.extend(page.style_blocks)
    sheets.extend("x{" + attribute + "}" for attribute in page.style_attributes)
    sources["style_blocks"] += len(page.style_blocks)
    sources["style_attributes"] += len(page.style_attributes)
    return page.stylesheet_links


@app.post(
    "/invoke",
    responses={
        403: {"description": "'url' points to a non-public address (see DESIGN_TOKENS_ALLOW_PRIVATE_URLS)."},
        422: {"description": "The request is not a valid extraction request, or 'url' is not an http(s) URL."},
        502: {"description": "'url' could not be read."},
        504: {"description": "'url' did not answer in time."},
    },
)
def invoke(request: ExtractRequest) -> Dict[str, Any]:
    given = {name: (getattr(request, name) or "").strip() for name in ("html", "css", "url")}
    if not any(given.values()):
        raise HTTPException(status_code=422, detail=f"{NAME}: give non-empty 'html', 'css' or 'url'")
    sheets: List[str] = []
    sources: Dict[str, Any] = {"stylesheets": 0, "style_blocks": 0, "style_attributes": 0, "fetched": []}
    warnings: List[str] = []
    if given["url"]:
        read_url(given["url"], sheets, sources, warnings)
    if given["html"]:
        for href in read_html(request.html or "", sheets, sources):
            warnings.append(f"linked style sheet not read (send its CSS in 'css', or use 'url'): {href}")
    if given["css"]:
        sheets.append(request.css or "")
        sources["stylesheets"] += 1
    result = extract(sheets, request.max_per_group)
    sources["declarations"] = result["declarations"]
    return {
        "tokens": result["tokens"],
        "summary": result["summary"],
        "sources": sources,
        "skipped": result["skipped"],
        "warnings": warnings,
    }


if __name__ == "__main__":
    uvicorn.run(app, host=os.environ.get("HOST", "0.0.0.0"), port=int(os.environ.get("PORT", "8080")))
