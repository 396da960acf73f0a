"""Tests of the design-tokens service: the skill contract, /invoke input handling, and the tokens it extracts."""

import json
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

SKILL_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SKILL_DIR))

import main  # noqa: E402

MANIFEST = json.loads((SKILL_DIR / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def public_urls_only(monkeypatch):
    monkeypatch.delenv("DESIGN_TOKENS_ALLOW_PRIVATE_URLS", raising=False)


@pytest.fixture()
def client():
    with TestClient(main.app) as test_client:
        yield test_client


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "skill": "design-tokens", "version": MANIFEST["version"]}


def test_metadata_matches_manifest(client):
    response = client.get("/metadata")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == MANIFEST["name"] == "design-tokens"
    assert body["version"] == MANIFEST["version"]
    assert body["description"] == MANIFEST["description"]
    assert body["invoke_path"] == MANIFEST["invokePath"]
    assert body["health_path"] == MANIFEST["healthPath"]
    assert body["docs_path"] == MANIFEST["docsPath"]
    assert body["inputs"]["type"] == "object"
    assert set(["html", "css"]) <= set(body["inputs"]["properties"])


def test_docs(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert client.get("/openapi.json").json()["info"]["title"] == "design-tokens"


def test_unknown_path_is_404(client):
    assert client.get("/does-not-exist").status_code == 404


def test_wrong_method_is_405(client):
    assert client.get("/invoke").status_code == 405
    assert client.post("/health").status_code == 405


@pytest.mark.parametrize("body", [{}, [], "text", {"html": ["<p>"]}])
def test_invoke_rejects_invalid_body(client, body):
    assert client.post("/invoke", json=body).status_code == 422


def test_invoke_rejects_non_json_body(client):
    response = client.post("/invoke", content=b"not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_invoke_needs_html_css_or_url(client):
    for body in ({"html": ""}, {"css": "  \n"}, {"html": None, "css": None}, {"url": " "}):
        response = client.post("/invoke", json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"] == "design-tokens: give non-empty 'html', 'css' or 'url'"


def extract(client, **body):
    response = client.post("/invoke", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def ranked(body, group):
    """(name, value, uses) of a group's tokens, in the order the service ranks them."""
    tokens = body["tokens"].get(group, {})
    value = lambda v: v["hex"] if group == "color" else v  # noqa: E731
    return [(name, value(t["$value"]), t["$extensions"]["com.odoobo.design-tokens"]["uses"]) for name, t in tokens.items()]


PX = lambda n: {"value": n, "unit": "px"}  # noqa: E731
REM = lambda n: {"value": n, "unit": "rem"}  # noqa: E731

CSS = """
:root { --brand: #0a66c2; --space-2: 8px; --radius: 4px; --accent: rebeccapurple; }
body { font: 400 16px/1.5 "Inter", system-ui, sans-serif; color: #1a1a1a; background: #FFF; margin: 0; }
h1, h2 { font-family: Georgia, 'Times New Roman', serif; color: rgb(26, 26, 26); font-size: 2rem; }
/* a comment: color: red; */
.btn { background-color: var(--brand); color: white; padding: var(--space-2) 16px; border-radius: var(--radius); }
.btn:hover { background-color: hsl(210, 90%, 30%); box-shadow: 0 1px 2px rgba(0, 0, 0, .1), inset 0 0 0 1px #0a66c2; }
.card { border: 1px solid #e5e5e5; border-radius: 8px; padding: 16px; margin: 0 auto 24px; gap: 12pt;
        box-shadow: 0 4px 12px rgba(0,0,0,0.08); font-size: 1.125em; width: 50%; }
@media (min-width: 600px) { .card { padding: 24px 16px; border-radius: 50%; } .note { color: var(--brand); } }
.ghost { color: var(--missing); box-shadow: none; }
"""


def test_tokens_are_deduplicated_ranked_by_use_and_named(client):
    body = extract(client, css=CSS)
    # Ties keep the order of first appearance; --brand is defined first.
    assert ranked(body, "color") == [
        ("brand", "#0a66c2", 2),  # var(--brand) twice
        ("color-2", "#1a1a1a", 2),  # #1a1a1a and rgb(26, 26, 26)
        ("color-3", "#ffffff", 2),  # #FFF and white
        ("color-4", "#084d91", 1),  # hsl(210, 90%, 30%)
        ("color-5", "#e5e5e5", 1),
        ("accent", "#663399", 0),  # defined, never used: still part of the palette
    ]
    assert ranked(body, "spacing") == [
        ("spacing-1", PX(16), 4),  # 16px three times, and 12pt
        ("spacing-2", PX(24), 2),
        ("space-2", PX(8), 1),  # used through var(--space-2)
    ]
    assert ranked(body, "fontSize") == [("font-size-1", PX(16), 1), ("font-size-2", REM(2), 1)]
    assert ranked(body, "fontFamily") == [
        ("font-family-1", ["Inter", "system-ui", "sans-serif"], 1),
        ("font-family-2", ["Georgia", "Times New Roman", "serif"], 1),
    ]
    assert ranked(body, "borderRadius") == [("radius", PX(4), 1), ("radius-2", PX(8), 1)]
    assert [name for name, _, _ in ranked(body, "shadow")] == ["shadow-1", "shadow-2"]
    assert body["summary"] == {"color": 6, "fontFamily": 2, "fontSize": 2, "spacing": 3, "borderRadius": 2, "shadow": 2}
    assert body["skipped"] == {"em": 1, "%": 1, "undefined var()": 1}  # font-size: 1.125em, border-radius: 50%
    assert body["sources"] == {"stylesheets": 1, "style_blocks": 0, "style_attributes": 0, "fetched": [], "declarations": 30}
    assert body["warnings"] == []


def test_tokens_follow_the_w3c_design_tokens_format(client):
    tokens = extract(client, css=CSS)["tokens"]
    assert tokens["color"]["brand"] == {
        "$type": "color",
        "$value": {"colorSpace": "srgb", "components": [0.0392, 0.4, 0.7608], "hex": "#0a66c2"},
        "$extensions": {"com.odoobo.design-tokens": {"uses": 2, "properties": {"background-color": 1, "color": 1}, "customProperty": "--brand"}},
    }
    assert tokens["spacing"]["spacing-1"]["$type"] == "dimension"
    assert tokens["fontFamily"]["font-family-1"]["$type"] == "fontFamily"
    layered = tokens["shadow"]["shadow-1"]
    assert layered["$type"] == "shadow"
    assert layered["$value"] == [
        {
            "color": {"colorSpace": "srgb", "components": [0.0, 0.0, 0.0], "hex": "#000000", "alpha": 0.1},
            "offsetX": PX(0), "offsetY": PX(1), "blur": PX(2), "spread": PX(0),
        },
        {
            "color": {"colorSpace": "srgb", "components": [0.0392, 0.4, 0.7608], "hex": "#0a66c2"},
            "offsetX": PX(0), "offsetY": PX(0), "blur": PX(0), "spread": PX(1), "inset": True,
        },
    ]
    assert tokens["shadow"]["shadow-2"]["$value"]["blur"] == PX(12)
    for group in tokens.values():
        for token in group.values():
            assert set(token) == {"$type", "$value", "$extensions"}


def test_html_style_blocks_and_attributes_count_and_links_are_reported(client):
    html = """<!doctype html><html><head>
      <link rel="stylesheet" href="/assets/site.css">
      <style>:root { --ink: #222 } p { color: var(--ink); margin: 4px 0 }</style>
    </head><body>
      <p style="color: #222; padding: 4px">Hi</p><button style='background: #ff6600; border-radius: 6px'>OK</button>
    </body></html>"""
    body = extract(client, html=html, css="button { color: #FF6600 }")
    assert ranked(body, "color") == [("ink", "#222222", 2), ("color-2", "#ff6600", 2)]
    assert ranked(body, "spacing") == [("spacing-1", PX(4), 2)]
    assert body["sources"] == {"stylesheets": 1, "style_blocks": 1, "style_attributes": 2, "fetched": [], "declarations": 8}
    assert body["warnings"] == ["linked style sheet not read (send its CSS in 'css', or use 'url'): /assets/site.css"]


def test_every_colour_syntax_is_one_colour(client):
    css = (
        "a { color: #FFF } b { color: white } i { color: rgb(255 255 255) } u { color: hsl(0, 0%, 100%) } "
        "s { color: #ffffffff } p { background: url(red.png) no-repeat, linear-gradient(#000, rgba(0, 0, 0, .5)) } "
        "q { border: 1px solid Red; outline-color: currentColor; color: transparent }"
    )
    body = extract(client, css=css)
    assert ranked(body, "color") == [
        ("color-1", "#ffffff", 5),
        ("color-2", "#000000", 1),
        ("color-3", "#000000", 1),  # the same colour at half opacity: another token
        ("color-4", "#ff0000", 1),
    ]
    assert body["tokens"]["color"]["color-3"]["$value"]["alpha"] == 0.5


def test_max_per_group_keeps_the_most_used(client):
    css = "a { color: #111 } b { color: #222 } i { color: #222 } s { color: #333; color: #333; color: #333 }"
    body = extract(client, css=css, max_per_group=2)
    assert ranked(body, "color") == [("color-1", "#333333", 3), ("color-2", "#222222", 2)]
    assert body["summary"]["color"] == 3


# --- a page from the network, served on 127.0.0.1 --------------------------------------------------------------

import functools  # noqa: E402
import threading  # noqa: E402
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture()
def site(tmp_path):
    (tmp_path / "index.html").write_text(
        '<html><head><link rel="stylesheet" href="css/site.css"><link rel="stylesheet" href="missing.css">'
        '<style>h1 { color: #0a66c2 }</style></head><body><p style="padding: 12px">x</p></body></html>'
    )
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_text("body { color: #0A66C2; font-family: Inter, sans-serif; margin: 12px }")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_url_is_read_with_its_style_sheets(client, site, monkeypatch):
    monkeypatch.setenv("DESIGN_TOKENS_ALLOW_PRIVATE_URLS", "true")
    body = extract(client, url=site + "/index.html")
    assert ranked(body, "color") == [("color-1", "#0a66c2", 2)]
    assert ranked(body, "spacing") == [("spacing-1", PX(12), 2)]
    assert ranked(body, "fontFamily") == [("font-family-1", ["Inter", "sans-serif"], 1)]
    assert body["sources"]["fetched"] == [site + "/index.html", site + "/css/site.css"]
    assert body["warnings"] == [f"linked style sheet not read: {site}/missing.css answered HTTP 404"]
    assert extract(client, url=site + "/css/site.css")["sources"]["stylesheets"] == 1


def test_non_public_addresses_are_refused_by_default(client, site):
    response = client.post("/invoke", json={"url": site + "/index.html"})
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "design-tokens: 'url': 127.0.0.1 is a non-public address (127.0.0.1); set DESIGN_TOKENS_ALLOW_PRIVATE_URLS to allow it"
    )
    import fetch

    for address in ("http://169.254.169.254/latest/meta-data/", "http://10.0.0.8/", "http://[::1]/"):
        with pytest.raises(fetch.FetchError) as refused:
            fetch.check_address(address, allow_private=False)
        assert refused.value.status == 403


@pytest.mark.parametrize(
    "url, status, detail",
    [
        ("ftp://example.com/site.css", 422, "'url': 'ftp://example.com/site.css' is not an http(s) URL"),
        ("http://127.0.0.1:9/", 502, "'url': cannot read http://127.0.0.1:9/"),
    ],
)
def test_unreadable_urls(client, monkeypatch, url, status, detail):
    monkeypatch.setenv("DESIGN_TOKENS_ALLOW_PRIVATE_URLS", "1")
    response = client.post("/invoke", json={"url": url})
    assert response.status_code == status
    assert response.json()["detail"].startswith(f"design-tokens: {detail}")
