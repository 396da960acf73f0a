"""model_client.py against local fake model servers: provider choice, request shapes, retries, timeouts, no key leaks.

The same file, byte for byte, is in every skill that has model_client.py; the last test fails when the copies of
model_client.py, fake_models.py or this file differ between skills.
"""

import logging
import sys
import time
from email.utils import formatdate
from pathlib import Path

import pytest

SKILL_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SKILL_DIR))

import model_client  # noqa: E402
from fake_models import ANTHROPIC_KEY, GRADIENT_KEY, MODEL_ENVS, OPENAI_KEY, FakeModelServer  # noqa: E402

KEYS = {"gradient": GRADIENT_KEY, "anthropic": ANTHROPIC_KEY, "openai": OPENAI_KEY}
STYLE = {"gradient": "chat_completions", "anthropic": "messages", "openai": "chat_completions"}


@pytest.fixture(autouse=True)
def no_model_env(monkeypatch):
    for name in MODEL_ENVS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture()
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def configured(provider, base_url, **env):
    """The Model that from_env() makes of `provider`'s key, its base URL and `env`."""
    p = model_client.PROVIDERS[provider]
    settings = model_client.from_env({p.key_env: KEYS[provider], p.base_url_env: base_url, **env})
    assert settings.problem == "" and settings.model is not None
    return settings.model


@pytest.fixture(params=["gradient", "anthropic", "openai"])
def served(request):
    """(provider, its fake server, a Model pointed at it with a 2 s timeout)."""
    fake = FakeModelServer(STYLE[request.param])
    yield request.param, fake, configured(request.param, fake.base_url, MODEL_TIMEOUT_SECONDS="2")
    fake.close()


# --- choosing the provider and the model ------------------------------------------------------------------------


def test_no_key_means_rules_only():
    settings = model_client.from_env({})
    assert settings.model is None and settings.problem == ""
    assert settings.describe() == {"mode": "rules only", "provider": None, "model": None}


def test_the_first_provider_with_a_key_is_chosen_gradient_first():
    every = {"GRADIENT_MODEL_ACCESS_KEY": GRADIENT_KEY, "ANTHROPIC_API_KEY": ANTHROPIC_KEY, "OPENAI_API_KEY": OPENAI_KEY}
    assert model_client.from_env(every).describe() == {"mode": "model", "provider": "gradient", "model": "llama3.3-70b-instruct"}
    del every["GRADIENT_MODEL_ACCESS_KEY"]
    assert model_client.from_env(every).describe()["provider"] == "anthropic"
    del every["ANTHROPIC_API_KEY"]
    assert model_client.from_env(every).describe() == {"mode": "model", "provider": "openai", "model": "gpt-4o-mini"}
    assert model_client.from_env({"GRADIENT_MODEL_ACCESS_KEY": "  "}).model is None, "a blank key is no key"


def test_model_provider_and_model_choose_explicitly():
    env = {"GRADIENT_MODEL_ACCESS_KEY": GRADIENT_KEY, "OPENAI_API_KEY": OPENAI_KEY, "MODEL_PROVIDER": "OpenAI"}
    model = model_client.from_env(env).model
    assert (model.provider.name, model.model, model.base_url) == ("openai", "gpt-4o-mini", "https://api.openai.com/v1")
    model = model_client.from_env({**env, "MODEL_PROVIDER": "gradient", "MODEL": "anthropic-claude-3.5-sonnet"}).model
    assert (model.provider.name, model.model, model.base_url) == (
        "gradient", "anthropic-claude-3.5-sonnet", "https://inference.do-ai.run/v1"
    )
    assert model_client.from_env({**env, "MODEL_PROVIDER": "none"}).describe()["mode"] == "rules only"
    legacy = model_client.from_env({"ANTHROPIC_API_KEY": ANTHROPIC_KEY, "ANTHROPIC_MODEL": "claude-older"}).model
    assert (legacy.model, legacy.base_url, legacy.timeout) == ("claude-older", "https://api.anthropic.com", 60.0)


@pytest.mark.parametrize(
    "env, problem",
    [
        ({"MODEL_PROVIDER": "azure", "OPENAI_API_KEY": OPENAI_KEY},
         "MODEL_PROVIDER must be one of gradient, anthropic, openai or none, not 'azure'"),
        ({"MODEL_PROVIDER": "openai", "GRADIENT_MODEL_ACCESS_KEY": GRADIENT_KEY},
         "MODEL_PROVIDER is openai but OPENAI_API_KEY is not set"),
        ({"GRADIENT_MODEL_ACCESS_KEY": GRADIENT_KEY + "\r\nX-Injected: 1"},
         "GRADIENT_MODEL_ACCESS_KEY holds a space, line break or other character a header cannot carry"),
        ({"ANTHROPIC_API_KEY": ANTHROPIC_KEY, "ANTHROPIC_BASE_URL": "api.anthropic.com"}, "ANTHROPIC_BASE_URL is not an http(s) URL"),
        ({"OPENAI_API_KEY": OPENAI_KEY, "MODEL_TIMEOUT_SECONDS": "soon"},
         "MODEL_TIMEOUT_SECONDS must be a number of seconds above 0 and at most 600, not 'soon'"),
    ],
)
def test_a_wrong_setting_means_rules_only_with_the_problem_named(env, problem):
    settings = model_client.from_env(env)
    assert settings.model is None
    assert settings.problem == problem
    assert settings.describe() == {"mode": "rules only", "provider": None, "model": None, "problem": problem}
    for key in KEYS.values():
        assert key not in problem


def test_a_model_never_shows_its_key():
    model = model_client.from_env({"GRADIENT_MODEL_ACCESS_KEY": GRADIENT_KEY}).model
    assert GRADIENT_KEY not in repr(model) and GRADIENT_KEY not in str(model.describe())


# --- the calls ----------------------------------------------------------------------------------------------------


def test_request_shape_auth_header_and_model_of_each_provider(served):
    provider, fake, model = served
    fake.replies.append(fake.text("SELECT 1"))
    assert model_client.complete(model, "be brief", "the prompt", 321) == "SELECT 1"
    [request] = fake.requests
    headers, body = request["headers"], request["body"]
    assert headers["content-type"] == "application/json"
    assert body["model"] == model_client.PROVIDERS[provider].default_model
    if provider == "anthropic":
        assert request["path"] == "/v1/messages"
        assert headers["x-api-key"] == ANTHROPIC_KEY and "authorization" not in headers
        assert headers["anthropic-version"] == "2023-06-01"
        assert body == {"model": "claude-sonnet-4-5", "max_tokens": 321, "system": "be brief",
                        "messages": [{"role": "user", "content": "the prompt"}]}
    else:
        assert request["path"] == "/v1/chat/completions"
        assert headers["authorization"] == f"Bearer {KEYS[provider]}" and "x-api-key" not in headers
        limit = "max_completion_tokens" if provider == "openai" else "max_tokens"
        assert body == {"model": body["model"], limit: 321, "messages": [
            {"role": "system", "content": "be brief"}, {"role": "user", "content": "the prompt"}]}
    others = {k: v for k, v in headers.items() if k not in ("authorization", "x-api-key")}
    assert KEYS[provider] not in str(others)


def test_401_names_the_key_variable_and_echoes_nothing_of_the_key(served, logs):
    provider, fake, model = served
    fake.replies.append(fake.error(401, f"Incorrect API key provided: {KEYS[provider]}"))
    with pytest.raises(model_client.ModelError) as error:
        model_client.complete(model, "s", "p", 10)
    label, key_env = model_client.PROVIDERS[provider].label, model_client.PROVIDERS[provider].key_env
    assert str(error.value) == f"{label} rejected {key_env} (HTTP 401)"
    assert len(fake.requests) == 1, "a rejected key is not retried"
    assert KEYS[provider] not in logs.text and f"rejected {key_env}" in logs.text


def test_429_then_success_waits_for_retry_after(served, logs):
    provider, fake, model = served
    fake.replies += [fake.error(429, "slow down", {"retry-after": "1"}), fake.text('["ok"]')]
    assert model_client.complete(model, "s", "p", 10) == '["ok"]'
    first, second = fake.requests
    assert 0.95 <= second["at"] - first["at"] < 5, "Retry-After: 1 is honoured"
    assert second["body"] == first["body"] and second["headers"]["user-agent"] == first["headers"]["user-agent"]
    assert "HTTP 429: slow down; retrying in 1.0 s" in logs.text


def test_a_retry_after_beyond_the_bound_is_not_waited_for(served):
    provider, fake, model = served
    fake.replies.append(fake.error(429, "quota", {"retry-after": "120"}))
    started = time.monotonic()
    with pytest.raises(model_client.ModelError) as error:
        model_client.complete(model, "s", "p", 10)
    assert time.monotonic() - started < 1
    label = model_client.PROVIDERS[provider].label
    assert str(error.value) == f"{label} answered HTTP 429: quota; it asks to retry after 120, longer than 10 s"
    assert len(fake.requests) == 1


def test_500_twice_fails_after_one_retry(served, logs):
    provider, fake, model = served
    fake.replies += [fake.error(500, "overloaded"), fake.error(503, f"still overloaded {KEYS[provider]}")]
    waits = []
    with pytest.raises(model_client.ModelError) as error:
        model_client.complete(model, "s", "p", 10, sleep=waits.append)
    label = model_client.PROVIDERS[provider].label
    assert str(error.value) == (
        f"{label} answered HTTP 503: still overloaded [redacted] (after one retry; the first attempt got HTTP 500)"
    )
    assert waits == [model_client.DEFAULT_RETRY_WAIT] and len(fake.requests) == 2
    assert KEYS[provider] not in logs.text


def test_a_model_that_does_not_answer_in_time_fails_without_retry(served, logs):
    provider, fake, model = served
    fake.replies.append(fake.text("late", status=200))
    fake.replies[0].delay = 2.0
    slow = model_client.Model(model.provider, model.model, model.base_url, 0.3, model.key)
    started = time.monotonic()
    with pytest.raises(model_client.ModelError) as error:
        model_client.complete(slow, "s", "p", 10)
    assert time.monotonic() - started < 1.5
    assert str(error.value) == f"{model_client.PROVIDERS[provider].label} did not answer within 0.3 s"
    assert len(fake.requests) == 1
    assert "did not answer within 0.3 s" in logs.text


def test_answers_that_are_not_what_the_api_promises(served):
    provider, fake, model = served
    fake.replies.append(fake.text("   "))
    with pytest.raises(model_client.ModelError, match="answer has no text"):
        model_client.complete(model, "s", "p", 10)
    fake.replies.append(fake.error(200, "not a completion"))
    with pytest.raises(model_client.ModelError, match="answer is not the JSON of a"):
        model_client.complete(model, "s", "p", 10)


def test_nothing_listening_is_cannot_reach():
    model = configured("gradient", "http://127.0.0.1:9/v1")  # the discard port: nothing listens
    with pytest.raises(model_client.ModelError, match=r"^cannot reach Gradient: "):
        model_client.complete(model, "s", "p", 10)


@pytest.mark.parametrize(
    "header, wait",
    [("", 1.0), ("0", 0.0), ("2.5", 2.5), ("10", 10.0), ("11", None), ("soon", 1.0), ("-3", 0.0),
     (formatdate(time.time() + 3600, usegmt=True), None)],
)
def test_retry_after_as_seconds_or_a_date(header, wait):
    assert model_client.retry_wait(header) == wait


def test_retry_after_as_a_near_date():
    assert 0 <= model_client.retry_wait(formatdate(time.time() + 5, usegmt=True)) <= 5


# --- the copies in the skills do not drift -----------------------------------------------------------------------


def test_every_skills_copy_is_byte_identical():
    skills = SKILL_DIR.parent
    for name in ("model_client.py", "tests/fake_models.py", "tests/test_model_client.py"):
        mine = (SKILL_DIR / name).read_bytes()
        copies = sorted(skills.glob(f"*/{name}"))
        assert SKILL_DIR / name in copies
        for copy in copies:
            assert copy.read_bytes() == mine, f"{copy} differs from {SKILL_DIR / name}: copy one over the other"
    calls = ("/chat/completions", "/v1/messages")
    users = [p.parent.name for p in skills.glob("*/*.py") if any(c in p.read_text(encoding="utf-8") for c in calls)]
    assert sorted(set(users)) == sorted(p.parent.name for p in skills.glob("*/model_client.py")), (
        "a skill calls a model API without model_client.py"
    )
