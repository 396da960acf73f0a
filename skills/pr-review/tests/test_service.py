"""Tests of the pr-review service: the skill contract, /invoke input handling, and the review itself."""

import json
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

SKILL_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SKILL_DIR))

import main  # noqa: E402
from fake_models import GRADIENT_KEY, MODEL_ENVS, OPENAI_KEY, FakeModelServer  # noqa: E402

MANIFEST = json.loads((SKILL_DIR / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def no_keys(monkeypatch):
    """Each test starts without GitHub or model settings; the ones that need them set them."""
    for key in ("GITHUB_TOKEN", "GITHUB_API_URL", *MODEL_ENVS):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture()
def client():
    with TestClient(main.app) as test_client:
        yield test_client


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "skill": "pr-review", "version": MANIFEST["version"]}


def test_metadata_matches_manifest(client):
    response = client.get("/metadata")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == MANIFEST["name"] == "pr-review"
    assert body["version"] == MANIFEST["version"]
    assert body["description"] == MANIFEST["description"]
    assert body["invoke_path"] == MANIFEST["invokePath"]
    assert body["health_path"] == MANIFEST["healthPath"]
    assert body["docs_path"] == MANIFEST["docsPath"]
    assert body["inputs"]["type"] == "object"
    assert {"diff", "repository", "pull_request", "pull_request_url", "max_findings"} <= set(body["inputs"]["properties"])
    assert body["model"] == {"mode": "rules only", "provider": None, "model": None}


def test_docs(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert client.get("/openapi.json").json()["info"]["title"] == "pr-review"


def test_unknown_path_is_404(client):
    assert client.get("/does-not-exist").status_code == 404


def test_wrong_method_is_405(client):
    assert client.get("/invoke").status_code == 405
    assert client.post("/health").status_code == 405


@pytest.mark.parametrize("body", [{}, [], "text", {"diff": "x", "max_findings": 0}])
def test_invoke_rejects_invalid_body(client, body):
    assert client.post("/invoke", json=body).status_code == 422


def test_invoke_rejects_non_json_body(client):
    response = client.post("/invoke", content=b"not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


def review(client, diff, **extra):
    response = client.post("/invoke", json={"diff": diff, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def found(body):
    """The findings as (file, line, severity, rule) tuples, in the order the service returns them."""
    return [(f["file"], f["line"], f["severity"], f["rule"]) for f in body["findings"]]


def hunk(path, start, lines, new_file=False):
    """A one-hunk diff of `path` whose new side starts at line `start`; lines start with '+', '-' or ' '."""
    old = sum(1 for line in lines if line[0] in " -")
    new = sum(1 for line in lines if line[0] in " +")
    header = f"diff --git a/{path} b/{path}\n"
    header += "new file mode 100644\n--- /dev/null\n" if new_file else f"--- a/{path}\n"
    header += f"+++ b/{path}\n@@ -{0 if new_file else start},{old} +{start},{new} @@\n"
    return header + "\n".join(lines) + "\n"


AWS_KEY = "AKIA" + "Z7QXW3RT5PLM2KD4"  # split so that this file is not itself flagged by scanners

PYTHON_CHANGE = hunk(
    "app/billing.py",
    10,
    [
        " import subprocess",
        "-print('old debug line')",
        f'+AWS_ACCESS_KEY_ID = "{AWS_KEY}"',
        " ",
        " def charge(customer, amount):",
        "+    print('charging', customer, amount)",
        "+    # TODO: retry on timeout",
        "     return subprocess.run(['bill', customer], check=True)",
    ],
)
LONG_FUNCTION = hunk(
    "app/report.py",
    1,
    ["+def build_report(rows):", "+    total = 0"] + ["+    total += 1" for _ in range(117)] + ["+    return total", "+", "+X = 1"],
    new_file=True,
)
TYPESCRIPT_CHANGE = hunk(
    "src/view.ts",
    40,
    [
        " export function render(el: HTMLElement, data: unknown) {",
        "+  console.log('render', data);",
        "+  el.innerHTML = (data as any).html;",
        "+  // eval(\"old code\") stays a comment",
        "+  if (el.id == 'main') { debugger; }",
        "+  console.error('kept: errors are not debug output');",
        " }",
    ],
)


def test_finds_secrets_debug_output_todos_long_functions_risky_patterns_and_missing_tests(client):
    body = review(client, PYTHON_CHANGE + LONG_FUNCTION + TYPESCRIPT_CHANGE)
    assert found(body) == [
        ("app/billing.py", 11, "error", "secret-added"),
        ("app/billing.py", 11, "warning", "missing-tests"),
        ("app/billing.py", 14, "warning", "debug-print"),
        ("app/report.py", 1, "warning", "long-function"),
        ("app/report.py", 1, "warning", "missing-tests"),
        ("src/view.ts", 41, "warning", "debug-print"),
        ("src/view.ts", 41, "warning", "missing-tests"),
        ("src/view.ts", 42, "warning", "js-inner-html"),
        ("app/billing.py", 15, "info", "todo"),
        ("src/view.ts", 42, "info", "ts-any"),
        ("src/view.ts", 44, "info", "js-loose-equality"),
    ]
    long_function = next(f for f in body["findings"] if f["rule"] == "long-function")
    assert long_function["message"] == "function build_report is 120 lines, over the limit of 80; split it"
    assert body["summary"] == {
        "files": 3,
        "added_lines": 3 + 122 + 5,
        "removed_lines": 1,
        "by_severity": {"error": 1, "warning": 7, "info": 3},
        "by_rule": {
            "secret-added": 1,
            "missing-tests": 3,
            "debug-print": 2,
            "long-function": 1,
            "js-inner-html": 1,
            "todo": 1,
            "ts-any": 1,
            "js-loose-equality": 1,
        },
    }
    assert body["truncated"] is False
    assert body["source"] == {"type": "diff"}
    assert body["model_review"] == {"status": "not_configured", "findings": 0}


def test_debugger_statement_on_its_own_line_is_debug_output(client):
    body = review(client, hunk("web/app.js", 3, [" let a = 1;", "+debugger;", " a += 1;"]))
    assert ("web/app.js", 4, "warning", "debug-print") in found(body)


def test_a_secret_is_never_echoed(client):
    body = review(client, PYTHON_CHANGE)
    secret = body["findings"][0]
    assert secret["rule"] == "secret-added"
    assert secret["message"].startswith("AWS access key ID added (20 characters)")
    assert secret["snippet"] == 'AWS_ACCESS_KEY_ID = "[REDACTED]"'
    assert AWS_KEY not in json.dumps(body)


@pytest.mark.parametrize(
    "line, kind",
    [
        ('password = "hunter2hunter2"', "hard-coded credential"),
        ("GITHUB = 'ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'", "GitHub token"),
        ("-----BEGIN RSA PRIVATE KEY-----", "private key"),
        ("client = Anthropic(api_key='sk-ant-" + "api03-abcdefghijklmnopqrstuv')", "Anthropic API key"),
    ],
)
def test_kinds_of_secrets(client, line, kind):
    body = review(client, hunk("config/settings.py", 1, ["+" + line]))
    secrets = [f for f in body["findings"] if f["rule"] == "secret-added"]
    assert len(secrets) == 1 and secrets[0]["message"].startswith(kind + " added")


@pytest.mark.parametrize(
    "line",
    ['password = "changeme"', "api_key = os.environ['API_KEY']", 'token = "${TOKEN}"', 'secret = "short"'],
)
def test_placeholders_and_environment_lookups_are_not_secrets(client, line):
    body = review(client, hunk("config/settings.py", 1, ["+" + line]))
    assert "secret-added" not in body["summary"]["by_rule"]


def test_python_risky_patterns(client):
    lines = [
        "+result = eval(user_input)",
        "+subprocess.run(cmd, shell=True)",
        "+data = pickle.loads(blob)",
        "+config = yaml.load(text)",
        "+safe = yaml.load(text, Loader=yaml.SafeLoader)",
        "+requests.get(url, verify=False)",
        "+cursor.execute(f'SELECT * FROM users WHERE id = {user_id}')",
        "+def add(item, bucket=[]):",
        "+    try:",
        "+        pass",
        "+    except:",
        "+        pass",
        "+# eval(x) in a comment is fine",
        "+value = ast.literal_eval(text)",
    ]
    body = review(client, hunk("lib/tool.py", 1, lines))
    risky = [(f["line"], f["rule"], f["severity"]) for f in body["findings"] if f["rule"].startswith("py-")]
    assert sorted(risky) == [
        (1, "py-eval", "error"),
        (2, "py-shell-true", "error"),
        (3, "py-pickle", "warning"),
        (4, "py-yaml-load", "error"),
        (6, "py-tls-verify-off", "error"),
        (7, "py-sql-format", "warning"),
        (8, "py-mutable-default", "warning"),
        (11, "py-bare-except", "warning"),
    ]


def test_javascript_and_typescript_risky_patterns(client):
    js = hunk(
        "web/run.js",
        1,
        [
            "+const fn = new Function('a', body);",
            "+execSync(`git checkout ${branch}`);",
            "+https.request({ rejectUnauthorized: false });",
            "+if (a === b && c !== d && e == null) {}",
            "+const padded = 'YWJj==';",
        ],
    )
    ts = hunk("web/types.ts", 1, ["+// @ts-ignore", "+const x: any = 1;"])
    body = review(client, js + ts)
    risky = [(f["file"], f["line"], f["rule"]) for f in body["findings"] if f["rule"][:3] in ("js-", "ts-")]
    assert sorted(risky) == [
        ("web/run.js", 1, "js-eval"),
        ("web/run.js", 2, "js-shell-exec"),
        ("web/run.js", 3, "js-tls-verify-off"),
        ("web/types.ts", 1, "ts-ignore"),
        ("web/types.ts", 2, "ts-any"),
    ]


def test_long_javascript_function_measured_by_braces(client):
    body_lines = ["+  step();" for _ in range(30)]
    diff = hunk("web/long.js", 5, ["+export async function load(url) {"] + body_lines + ["+}", "+const short = () => 1;"])
    body = review(client, diff, max_function_lines=20)
    long_functions = [f for f in body["findings"] if f["rule"] == "long-function"]
    assert [(f["line"], f["message"]) for f in long_functions] == [
        (5, "function load is 32 lines, over the limit of 20; split it")
    ]


def test_long_function_whose_end_the_diff_does_not_show(client):
    diff = hunk("lib/big.py", 200, [" def big():"] + ["+    x = 1" for _ in range(90)])
    body = review(client, diff)
    long_functions = [f for f in body["findings"] if f["rule"] == "long-function"]
    assert [f["message"] for f in long_functions] == [
        "function big is at least 91 lines (the diff shows no end), over the limit of 80; split it"
    ]


def test_a_test_file_in_the_change_satisfies_missing_tests(client):
    diff = hunk("app/api.py", 1, ["+def ping():", "+    return 1"])
    assert [f["rule"] for f in review(client, diff)["findings"]] == ["missing-tests"]
    with_test = diff + hunk("tests/test_api.py", 1, ["+def test_ping():", "+    assert ping() == 1"], new_file=True)
    assert review(client, with_test)["findings"] == []


def test_removed_lines_deleted_files_docs_and_binaries_are_not_reviewed(client):
    diff = (
        "diff --git a/old.py b/old.py\ndeleted file mode 100644\n--- a/old.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n"
        "-print('gone')\n-eval(x)\n"
        + hunk("docs/guide.md", 1, ["+TODO: write the guide", "+console.log is how you print"])
        + "diff --git a/logo.png b/logo.png\nBinary files a/logo.png and b/logo.png differ\n"
    )
    body = review(client, diff)
    assert body["findings"] == []
    assert body["summary"]["files"] == 3 and body["summary"]["removed_lines"] == 2


def test_line_numbers_follow_each_hunk_of_the_new_file(client):
    diff = (
        "--- a/lib/util.js\n+++ b/lib/util.js\n"
        "@@ -1,3 +1,4 @@\n const a = 1;\n+console.log(a);\n const b = 2;\n const c = 3;\n"
        "@@ -50,2 +51,3 @@\n function f() {\n+  console.debug('here');\n }\n"
    )
    body = review(client, diff)
    assert [(f["line"], f["rule"]) for f in body["findings"] if f["rule"] == "debug-print"] == [
        (2, "debug-print"),
        (52, "debug-print"),
    ]


def test_max_findings_truncates_but_the_summary_counts_everything(client):
    diff = hunk("app/noisy.py", 1, ["+print(%d)" % i for i in range(30)])
    body = review(client, diff, max_findings=5)
    assert len(body["findings"]) == 5 and body["truncated"] is True
    assert body["summary"]["by_rule"] == {"debug-print": 30, "missing-tests": 1}


def test_a_diff_that_is_not_a_unified_diff_is_422(client):
    response = client.post("/invoke", json={"diff": "just some text\nwithout headers\n"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("pr-review: 'diff' is not a unified diff")


def test_invoke_needs_exactly_one_source(client):
    for body in ({"max_findings": 5}, {"diff": "   "}, {"repository": "odoobo/odoobo-skills"}):
        response = client.post("/invoke", json=body)
        assert response.status_code == 422, body
        assert "diff" in response.json()["detail"]
    both = client.post("/invoke", json={"diff": PYTHON_CHANGE, "pull_request_url": "https://github.com/a/b/pull/1"})
    assert both.status_code == 422
    assert "only one" in both.json()["detail"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"repository": "not a repo", "pull_request": 1}, "repository"),
        ({"pull_request_url": "https://github.com/odoobo/odoobo-skills/issues/7"}, "pull_request_url"),
    ],
)
def test_malformed_pull_request_references_are_422_naming_the_field(client, body, field):
    response = client.post("/invoke", json=body)
    assert response.status_code == 422
    assert f"'{field}'" in response.json()["detail"]


def test_pull_request_without_github_token_is_400(client):
    response = client.post("/invoke", json={"repository": "odoobo/odoobo-skills", "pull_request": 7})
    assert response.status_code == 400
    assert "GITHUB_TOKEN" in response.json()["detail"]


def test_pull_request_diff_read_from_github(client, fake_server, monkeypatch):
    token = "ghp_" + "t" * 36
    monkeypatch.setenv("GITHUB_TOKEN", token)
    monkeypatch.setenv("GITHUB_API_URL", fake_server.url)
    fake_server.reply = lambda method, path, headers, body: (
        (200, "text/plain", PYTHON_CHANGE.encode()) if path == "/repos/odoobo/odoobo-skills/pulls/7" else (404, "application/json", b'{"message": "Not Found"}')
    )
    response = client.post("/invoke", json={"pull_request_url": "https://github.com/odoobo/odoobo-skills/pull/7"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"] == {"type": "github", "repository": "odoobo/odoobo-skills", "pull_request": 7}
    assert found(body)[0] == ("app/billing.py", 11, "error", "secret-added")
    request = fake_server.requests[0]
    assert request["headers"]["authorization"] == f"Bearer {token}"
    assert request["headers"]["accept"] == "application/vnd.github.diff"

    missing = client.post("/invoke", json={"repository": "odoobo/odoobo-skills", "pull_request": 8})
    assert missing.status_code == 404
    assert missing.json()["detail"] == (
        "pr-review: pull request odoobo/odoobo-skills#8 not found, or GITHUB_TOKEN cannot read it"
    )
    assert token not in missing.text


def test_github_that_does_not_answer_is_502(client, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_" + "t" * 36)
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    response = client.post("/invoke", json={"repository": "odoobo/odoobo-skills", "pull_request": 7})
    assert response.status_code == 502
    assert response.json()["detail"].startswith("pr-review: cannot reach GitHub")


def anthropic_answer(text):
    return {"id": "msg_1", "type": "message", "role": "assistant", "content": [{"type": "text", "text": text}]}


def test_model_review_adds_findings_when_a_key_is_configured(client, fake_server, monkeypatch):
    key = "sk-ant-" + "k" * 30
    monkeypatch.setenv("ANTHROPIC_API_KEY", key)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.url)
    monkeypatch.setenv("ANTHROPIC_MODEL", "claude-test")
    model_text = 'Here you go:\n[{"file": "app/billing.py", "line": 16, "severity": "warning", "message": "charge ignores the result"}]'
    fake_server.reply = lambda *_: fake_server.json_reply(200, anthropic_answer(model_text))
    body = review(client, PYTHON_CHANGE)
    assert body["model_review"] == {"status": "ok", "provider": "anthropic", "model": "claude-test", "findings": 1}
    assert body["method"] == "rules+model"
    assert ("app/billing.py", 16, "warning", "model-review") in found(body)
    request = fake_server.requests[0]
    assert request["path"] == "/v1/messages"
    assert request["headers"]["x-api-key"] == key
    sent = json.loads(request["body"])
    assert sent["model"] == "claude-test"
    assert "app/billing.py:11 secret-added" in sent["messages"][0]["content"]

    assert review(client, PYTHON_CHANGE, model_review=False)["model_review"] == {"status": "disabled", "findings": 0}


def test_a_failing_model_keeps_the_rule_findings_and_hides_the_key(client, fake_server, monkeypatch):
    key = "sk-ant-" + "k" * 30
    monkeypatch.setenv("ANTHROPIC_API_KEY", key)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.url)
    fake_server.reply = lambda *_: fake_server.json_reply(
        401, {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
    )
    response = client.post("/invoke", json={"diff": PYTHON_CHANGE})
    assert response.status_code == 200
    body = response.json()
    assert body["model_review"]["status"] == "failed"
    assert body["model_review"]["error"] == "Anthropic rejected ANTHROPIC_API_KEY (HTTP 401)"
    assert body["method"] == "rules"
    assert body["summary"]["by_rule"]["secret-added"] == 1
    assert key not in response.text


# --- the model through DigitalOcean Gradient AI (and OpenAI): fake OpenAI-compatible servers on 127.0.0.1 ---------

MODEL_FINDING = '[{"file": "app/billing.py", "line": 16, "severity": "warning", "message": "charge ignores the result"}]'


@pytest.fixture()
def gradient(monkeypatch):
    fake = FakeModelServer("chat_completions")
    monkeypatch.setenv("GRADIENT_MODEL_ACCESS_KEY", GRADIENT_KEY)
    monkeypatch.setenv("GRADIENT_BASE_URL", fake.base_url)
    yield fake
    fake.close()


def test_gradient_reviews_with_its_model_access_key(client, gradient):
    gradient.replies.append(gradient.text(MODEL_FINDING))
    assert client.get("/metadata").json()["model"] == {
        "mode": "model", "provider": "gradient", "model": "llama3.3-70b-instruct"
    }
    response = client.post("/invoke", json={"diff": PYTHON_CHANGE})
    body = response.json()
    assert body["model_review"] == {"status": "ok", "provider": "gradient", "model": "llama3.3-70b-instruct", "findings": 1}
    assert body["method"] == "rules+model"
    assert ("app/billing.py", 16, "warning", "model-review") in found(body)
    [request] = gradient.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == f"Bearer {GRADIENT_KEY}"
    assert request["body"]["model"] == "llama3.3-70b-instruct"
    system, user = request["body"]["messages"]
    assert system["role"] == "system" and "JSON array" in system["content"]
    assert user["role"] == "user" and "app/billing.py:11 secret-added" in user["content"]
    assert GRADIENT_KEY not in response.text


def test_a_failing_gradient_model_still_answers_the_rules_findings_marked_degraded(client, gradient, caplog):
    caplog.set_level("DEBUG")
    gradient.replies += [gradient.error(500, "upstream overloaded"), gradient.error(500, f"overloaded {GRADIENT_KEY}")]
    response = client.post("/invoke", json={"diff": PYTHON_CHANGE})
    assert response.status_code == 200
    body = response.json()
    assert body["method"] == "rules"
    assert body["model_review"] == {
        "status": "failed", "provider": "gradient", "model": "llama3.3-70b-instruct", "findings": 0,
        "error": "Gradient answered HTTP 500: overloaded [redacted] (after one retry; the first attempt got HTTP 500)",
    }
    assert body["summary"]["by_rule"]["secret-added"] == 1 and "model-review" not in body["summary"]["by_rule"]
    assert len(gradient.requests) == 2
    assert GRADIENT_KEY not in response.text and GRADIENT_KEY not in caplog.text


def test_a_gradient_model_that_times_out_leaves_the_rules_findings(client, gradient, monkeypatch):
    monkeypatch.setenv("MODEL_TIMEOUT_SECONDS", "0.3")
    gradient.replies.append(gradient.text(MODEL_FINDING))
    gradient.replies[0].delay = 2.0
    body = review(client, PYTHON_CHANGE)
    assert body["model_review"]["status"] == "failed"
    assert body["model_review"]["error"] == "Gradient did not answer within 0.3 s"
    assert body["method"] == "rules" and body["summary"]["by_rule"]["secret-added"] == 1


def test_openai_is_chosen_by_model_provider(client, gradient, monkeypatch):
    openai = FakeModelServer("chat_completions")
    try:
        monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", openai.base_url)
        monkeypatch.setenv("MODEL_PROVIDER", "openai")
        monkeypatch.setenv("MODEL", "gpt-test")
        openai.replies.append(openai.text("[]"))
        body = review(client, PYTHON_CHANGE)
        assert body["model_review"] == {"status": "ok", "provider": "openai", "model": "gpt-test", "findings": 0}
        assert openai.requests[0]["headers"]["authorization"] == f"Bearer {OPENAI_KEY}"
        assert gradient.requests == [], "MODEL_PROVIDER wins over the first key that is set"
    finally:
        openai.close()


def test_a_wrong_model_setting_is_named_and_the_rules_still_answer(client, monkeypatch):
    monkeypatch.setenv("MODEL_PROVIDER", "openai")
    monkeypatch.setenv("GRADIENT_MODEL_ACCESS_KEY", GRADIENT_KEY)
    problem = "MODEL_PROVIDER is openai but OPENAI_API_KEY is not set"
    assert review(client, PYTHON_CHANGE)["model_review"] == {"status": "not_configured", "findings": 0, "error": problem}
    assert client.get("/metadata").json()["model"] == {"mode": "rules only", "provider": None, "model": None, "problem": problem}
