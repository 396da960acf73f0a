"""Tests of the nl-sql service: the skill contract, /invoke input handling, and the SQL it writes."""

import json
import sqlite3
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

SKILL_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SKILL_DIR))

import main  # noqa: E402
from fake_models import GRADIENT_KEY, MODEL_ENVS, FakeModelServer  # noqa: E402

MANIFEST = json.loads((SKILL_DIR / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def no_model(monkeypatch):
    for key in MODEL_ENVS:
        monkeypatch.delenv(key, raising=False)


@pytest.fixture()
def client():
    with TestClient(main.app) as test_client:
        yield test_client


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "skill": "nl-sql", "version": MANIFEST["version"]}


def test_metadata_matches_manifest(client):
    response = client.get("/metadata")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == MANIFEST["name"] == "nl-sql"
    assert body["version"] == MANIFEST["version"]
    assert body["description"] == MANIFEST["description"]
    assert body["invoke_path"] == MANIFEST["invokePath"]
    assert body["health_path"] == MANIFEST["healthPath"]
    assert body["docs_path"] == MANIFEST["docsPath"]
    assert body["inputs"]["type"] == "object"
    assert set(["question", "table_schema", "dialect"]) <= set(body["inputs"]["properties"])
    assert body["model"] == {"mode": "rules only", "provider": None, "model": None}


def test_docs(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert client.get("/openapi.json").json()["info"]["title"] == "nl-sql"


def test_unknown_path_is_404(client):
    assert client.get("/does-not-exist").status_code == 404


def test_wrong_method_is_405(client):
    assert client.get("/invoke").status_code == 405
    assert client.post("/health").status_code == 405


@pytest.mark.parametrize("body", [{}, [], "text", {"question": "How many?", "table_schema": "CREATE TABLE t (id int)", "dialect": "oracle"}])
def test_invoke_rejects_invalid_body(client, body):
    assert client.post("/invoke", json=body).status_code == 422


def test_invoke_rejects_non_json_body(client):
    response = client.post("/invoke", content=b"not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


QUESTION = {
    "question": "How many orders were placed in 2024?",
    "table_schema": "CREATE TABLE orders (id integer PRIMARY KEY, placed_at timestamp NOT NULL);",
}


def test_invoke_rejects_blank_fields(client):
    for blank in ({"question": "  "}, {"table_schema": "\n"}):
        response = client.post("/invoke", json={**QUESTION, **blank})
        assert response.status_code == 422
        assert "must not be blank" in response.json()["detail"]


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_the_example_question_in_each_dialect(client, dialect):
    response = client.post("/invoke", json={**QUESTION, "dialect": dialect})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sql"] == (
        "SELECT COUNT(*) AS count FROM orders WHERE placed_at >= '2024-01-01' AND placed_at < '2025-01-01'"
    )
    assert body["method"] == "rules" and body["dialect"] == dialect and body["tables"] == ["orders"]


SCHEMA = """
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT,
  country TEXT,
  is_active BOOLEAN,
  created_at TIMESTAMP
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER REFERENCES customers(id),
  status TEXT CHECK (status IN ('pending', 'shipped', 'cancelled')),
  amount NUMERIC(10, 2),
  country TEXT,
  created_at TIMESTAMP
);
"""
CUSTOMERS = [
    (1, "Ada", "ada@example.com", "France", 1, "2023-05-01"),
    (2, "Bo", "bo@example.com", "Germany", 1, "2024-01-10"),
    (3, "Cy", None, "France", 0, "2024-02-20"),
]
ORDERS = [
    (1, 1, "shipped", 120.0, "France", "2023-12-30 10:00:00"),
    (2, 1, "pending", 80.0, "France", "2024-01-05 09:30:00"),
    (3, 2, "shipped", 200.0, "Germany", "2024-02-14 12:00:00"),
    (4, 2, "cancelled", 15.0, "Germany", "2024-03-01 08:00:00"),
    (5, 3, "shipped", 60.0, "France", "2024-03-31 23:59:00"),
    (6, 3, "pending", 300.0, "Spain", "2024-07-04 16:20:00"),
]


@pytest.fixture()
def sample_db():
    """The schema with a few rows, in memory: the SQL the service writes must give the right answers on it."""
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    db.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)", CUSTOMERS)
    db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?)", ORDERS)
    yield db
    db.close()


def ask(client, question, **extra):
    response = client.post("/invoke", json={"question": question, "table_schema": SCHEMA, "dialect": "sqlite", **extra})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    "question, sql, rows",
    [
        ("How many orders are there?", "SELECT COUNT(*) AS count FROM orders", [(6,)]),
        ("How many orders have status shipped?", "SELECT COUNT(*) AS count FROM orders WHERE status = 'shipped'", [(3,)]),
        ("How many shipped orders?", "SELECT COUNT(*) AS count FROM orders WHERE status = 'shipped'", [(3,)]),
        ("Orders not shipped", "SELECT * FROM orders WHERE status != 'shipped'", [(2,), (4,), (6,)]),
        (
            "Total amount per country",
            "SELECT country, SUM(amount) AS total_amount FROM orders GROUP BY country ORDER BY total_amount DESC, country ASC",
            [("Spain", 300.0), ("France", 260.0), ("Germany", 215.0)],
        ),
        (
            "Top 2 countries by total amount",
            "SELECT country, SUM(amount) AS total_amount FROM orders GROUP BY country ORDER BY total_amount DESC, country ASC LIMIT 2",
            [("Spain", 300.0), ("France", 260.0)],
        ),
        ("Top 3 orders by amount", "SELECT * FROM orders ORDER BY amount DESC LIMIT 3", [(6,), (3,), (1,)]),
        (
            "Number of orders per customer",
            "SELECT customer_id, COUNT(*) AS count FROM orders GROUP BY customer_id ORDER BY count DESC, customer_id ASC",
            [(1, 2), (2, 2), (3, 2)],
        ),
        (
            "Which customer has the highest total amount?",
            "SELECT customer_id, SUM(amount) AS total_amount FROM orders GROUP BY customer_id ORDER BY total_amount DESC, customer_id ASC LIMIT 1",
            [(3, 360.0)],
        ),
        (
            "Average amount by status",
            "SELECT status, AVG(amount) AS average_amount FROM orders GROUP BY status ORDER BY average_amount DESC, status ASC",
            [("pending", 190.0), ("shipped", 380.0 / 3), ("cancelled", 15.0)],
        ),
        ("What is the highest amount?", "SELECT MAX(amount) AS max_amount FROM orders", [(300.0,)]),
        ("Which order has the lowest amount?", "SELECT * FROM orders ORDER BY amount ASC LIMIT 1", [(4,)]),
        ("The 2 most recent orders", "SELECT * FROM orders ORDER BY created_at DESC LIMIT 2", [(6,), (5,)]),
        (
            "Orders created in 2024 with amount over 100",
            "SELECT * FROM orders WHERE created_at >= '2024-01-01' AND created_at < '2025-01-01' AND amount > 100",
            [(3,), (6,)],
        ),
        (
            "How many orders in March 2024?",
            "SELECT COUNT(*) AS count FROM orders WHERE created_at >= '2024-03-01' AND created_at < '2024-04-01'",
            [(2,)],
        ),
        (
            "Orders between 2024-01-01 and 2024-03-31",
            "SELECT * FROM orders WHERE created_at >= '2024-01-01' AND created_at < '2024-04-01'",
            [(2,), (3,), (4,), (5,)],
        ),
        ("orders where status is 'pending' and amount >= 100", "SELECT * FROM orders WHERE status = 'pending' AND amount >= 100", [(6,)]),
        (
            "List the names and emails of customers in France",
            "SELECT name, email FROM customers WHERE country = 'France'",
            [("Ada", "ada@example.com"), ("Cy", None)],
        ),
        ("How many active customers?", "SELECT COUNT(*) AS count FROM customers WHERE is_active = TRUE", [(2,)]),
        ("How many distinct countries do customers come from?", "SELECT COUNT(DISTINCT country) AS distinct_country FROM customers", [(2,)]),
        ("Customers sorted by name descending", "SELECT * FROM customers ORDER BY name DESC", [(3,), (2,), (1,)]),
    ],
)
def test_questions_become_sql_that_answers_them(client, sample_db, question, sql, rows):
    body = ask(client, question)
    assert body["sql"] == sql
    assert body["checked_sql"] == sql
    got = sample_db.execute(sql).fetchall()
    if sql.startswith("SELECT * "):
        got = [(row[0],) for row in got]  # the ids say which rows came back
    assert [tuple(pytest.approx(v) if isinstance(v, float) else v for v in row) for row in rows] == got


def test_relative_dates_per_dialect(client, sample_db):
    sample_db.executemany(
        "INSERT INTO orders VALUES (?, 1, 'pending', ?, 'France', datetime('now', ?))",
        [(7, 10.0, "-5 days"), (8, 20.0, "-45 days")],
    )
    question = "Total amount of orders in the last 30 days"
    sqlite = ask(client, question)["sql"]
    assert sqlite == "SELECT SUM(amount) AS total_amount FROM orders WHERE created_at >= date('now', '-30 days')"
    assert sample_db.execute(sqlite).fetchall() == [(10.0,)]
    assert ask(client, question, dialect="postgresql")["sql"] == (
        "SELECT SUM(amount) AS total_amount FROM orders WHERE created_at >= CURRENT_DATE - INTERVAL '30 days'"
    )
    assert ask(client, question, dialect="mysql")["sql"] == (
        "SELECT SUM(amount) AS total_amount FROM orders WHERE created_at >= CURRENT_DATE - INTERVAL 30 DAY"
    )
    today = ask(client, "How many orders today?", dialect="postgresql")["sql"]
    assert today == (
        "SELECT COUNT(*) AS count FROM orders WHERE created_at >= CURRENT_DATE AND created_at < CURRENT_DATE + INTERVAL '1 day'"
    )


def test_identifiers_are_quoted_per_dialect(client):
    schema = 'CREATE TABLE "order" (id INTEGER PRIMARY KEY, "group" TEXT, total REAL);'
    body = {"question": "Sum of total per group", "table_schema": schema}
    assert client.post("/invoke", json={**body, "dialect": "mysql"}).json()["sql"] == (
        "SELECT `group`, SUM(total) AS total_total FROM `order` GROUP BY `group` ORDER BY total_total DESC, `group` ASC"
    )
    assert client.post("/invoke", json={**body, "dialect": "postgresql"}).json()["sql"] == (
        'SELECT "group", SUM(total) AS total_total FROM "order" GROUP BY "group" ORDER BY total_total DESC, "group" ASC'
    )


def test_mysql_and_postgresql_ddl_is_read(client):
    mysql = """CREATE TABLE `tickets` (
      `id` int unsigned NOT NULL AUTO_INCREMENT,
      `priority` enum('low','high') COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT 'low' COMMENT 'triage',
      `opened_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
      PRIMARY KEY (`id`), KEY `idx_priority` (`priority`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;"""
    body = client.post("/invoke", json={"question": "how many high tickets", "table_schema": mysql, "dialect": "mysql"}).json()
    assert body["sql"] == "SELECT COUNT(*) AS count FROM tickets WHERE priority = 'high'"
    postgres = """CREATE SEQUENCE public.tickets_id_seq;
    CREATE TABLE public.tickets (
      id integer DEFAULT nextval('public.tickets_id_seq'::regclass) NOT NULL,
      title character varying(200) DEFAULT ''::character varying,
      opened_at timestamp with time zone DEFAULT now()
    );
    CREATE INDEX tickets_opened ON public.tickets USING btree (opened_at);"""
    body = client.post("/invoke", json={"question": "tickets opened since 2024-06-01", "table_schema": postgres}).json()
    assert body["sql"] == "SELECT * FROM tickets WHERE opened_at >= '2024-06-01'"
    assert body["warnings"] == ["statement 1 (CREATE SEQUENCE public.tickets_id_seq; …) is not CREATE TABLE or VIEW and was skipped"]


@pytest.mark.parametrize(
    "question",
    ["Delete all orders", "please update the orders set status to shipped", "Drop table customers", "Could you insert an order"],
)
def test_questions_that_write_are_refused(client, question):
    response = client.post("/invoke", json={"question": question, "table_schema": SCHEMA})
    assert response.status_code == 403
    assert response.json()["detail"].startswith("nl-sql: 'question' asks to")
    assert "read-only" in response.json()["detail"]


@pytest.mark.parametrize(
    "table_schema, message",
    [
        ("CREATE TABLE t (a int,;", "'table_schema' cannot be read: statement 1: near \";\": syntax error"),
        ("INSERT INTO t VALUES (1);", "'table_schema' cannot be read: it defines no table (give CREATE TABLE statements)"),
    ],
)
def test_unreadable_schemas_are_422_naming_the_field(client, table_schema, message):
    response = client.post("/invoke", json={"question": "How many rows?", "table_schema": table_schema})
    assert response.status_code == 422
    assert response.json()["detail"] == f"nl-sql: {message}"


@pytest.mark.parametrize(
    "question, reason",
    [
        ("What is the meaning of life?", "could not tell which table the question is about; name one of: customers, orders"),
        ("orders this week", "could not place 'week' in the query"),
        ("orders for Acme", "could not place 'Acme' in the query (a value? quote it after its column)"),
        ("orders with status pending from customers in Germany", "it needs both orders and customers; the rules answer about one table"),
    ],
)
def test_questions_outside_the_rules_are_422_naming_the_question(client, question, reason):
    response = client.post("/invoke", json={"question": question, "table_schema": SCHEMA})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith(f"nl-sql: 'question' is not one the rules answer: {reason}. They answer counts")
    assert detail.endswith(
        "; set GRADIENT_MODEL_ACCESS_KEY (DigitalOcean Gradient AI), ANTHROPIC_API_KEY or OPENAI_API_KEY "
        "to have a model answer other questions"
    )


def test_mode_model_without_a_key_is_400(client):
    response = client.post("/invoke", json={"question": "How many orders?", "table_schema": SCHEMA, "mode": "model"})
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "nl-sql: 'mode' is 'model' but no model is configured: set GRADIENT_MODEL_ACCESS_KEY (DigitalOcean Gradient AI), "
        "ANTHROPIC_API_KEY or OPENAI_API_KEY"
    )


# --- the model, stood in for by a local server answering like Anthropic's Messages API --------------------------


class FakeAnthropic:
    def __init__(self):
        self.answers = []  # JSON objects the "model" answers, one per request
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                request = json.loads(self.rfile.read(int(self.headers["content-length"])))
                fake.requests.append({"path": self.path, "key": self.headers.get("x-api-key"), "body": request})
                text = json.dumps(fake.answers.pop(0))
                body = json.dumps({"type": "message", "content": [{"type": "text", "text": text}]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


KEY = "sk-ant-" + "x" * 32


@pytest.fixture()
def model(monkeypatch):
    fake = FakeAnthropic()
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    monkeypatch.setenv("ANTHROPIC_MODEL", "claude-test")
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


JOIN = (
    "SELECT c.name, COUNT(*) AS orders FROM customers c JOIN orders o ON o.customer_id = c.id "
    "WHERE o.status = 'pending' GROUP BY c.name"
)


def test_the_model_answers_what_the_rules_cannot(client, sample_db, model):
    model.answers.append({"sql": JOIN, "sqlite_sql": JOIN, "explanation": "Pending orders per customer name."})
    question = "orders with status pending from customers in Germany"
    response = client.post("/invoke", json={"question": question, "table_schema": SCHEMA})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["method"] == "model" and body["provider"] == "anthropic" and body["model"] == "claude-test"
    assert body["sql"] == JOIN and body["tables"] == ["customers", "orders"]
    assert body["warnings"] == ["rules: it needs both orders and customers; the rules answer about one table"]
    assert sorted(sample_db.execute(body["sql"]).fetchall()) == [("Ada", 1), ("Cy", 1)]
    sent = model.requests[0]
    assert sent["path"] == "/v1/messages" and sent["key"] == KEY
    assert "CREATE TABLE orders" in sent["body"]["messages"][0]["content"]
    assert KEY not in response.text
    # The rules still answer what they can, without asking the model.
    assert ask(client, "How many orders?")["method"] == "rules"
    assert len(model.requests) == 1


@pytest.mark.parametrize(
    "answer, detail",
    [
        ({"sql": "DELETE FROM orders", "sqlite_sql": "DELETE FROM orders"}, "the model's query was refused: it is not a SELECT"),
        (
            {"sql": "SELECT 1; DROP TABLE orders", "sqlite_sql": "SELECT 1"},
            "the model's query was refused: it holds more than one statement",
        ),
        (
            {"sql": "SELECT total FROM invoices", "sqlite_sql": "SELECT total FROM invoices"},
            "the model's query does not fit the schema: no such table: invoices",
        ),
        ({"error": "there is no weather table"}, "the model could not answer: there is no weather table"),
    ],
)
def test_model_queries_are_held_to_the_same_checks(client, model, answer, detail):
    model.answers.append(answer)
    response = client.post("/invoke", json={"question": "what is the weather", "table_schema": SCHEMA, "mode": "model"})
    assert response.status_code == 502
    assert response.json() == {"detail": f"nl-sql: {detail}"}


def test_model_mode_still_refuses_write_questions(client, model):
    response = client.post("/invoke", json={"question": "delete every order", "table_schema": SCHEMA, "mode": "model"})
    assert response.status_code == 403
    assert model.requests == []


def test_the_read_only_check_refuses_writes_attach_and_pragmas():
    import schema

    loaded = schema.load_schema(SCHEMA)
    schema.check_query(loaded, "SELECT name FROM customers WHERE country = 'a;b'")
    for sql, problem in [
        ("UPDATE orders SET amount = 0", "it is not a SELECT"),
        ("WITH gone AS (DELETE FROM orders RETURNING *) SELECT 1", "it uses DELETE"),
        ("ATTACH DATABASE 'x.db' AS x", "it is not a SELECT"),
        ("PRAGMA writable_schema = 1", "it is not a SELECT"),
        ("SELECT * INTO copy FROM orders", "it uses INTO"),
    ]:
        with pytest.raises(schema.ReadOnlyError, match=problem):
            schema.check_query(loaded, sql)
    with pytest.raises(schema.QueryError, match="no such column: nope"):
        schema.check_query(loaded, "SELECT nope FROM orders")


# --- the model through DigitalOcean Gradient AI: a fake OpenAI-compatible server on 127.0.0.1 ----------------------


@pytest.fixture()
def gradient(monkeypatch):
    fake = FakeModelServer("chat_completions")
    monkeypatch.setenv("GRADIENT_MODEL_ACCESS_KEY", GRADIENT_KEY)
    monkeypatch.setenv("GRADIENT_BASE_URL", fake.base_url)
    yield fake
    fake.close()


CROSS_TABLE = "orders with status pending from customers in Germany"
CROSS_TABLE_WHY = "it needs both orders and customers; the rules answer about one table"


def test_gradient_answers_what_the_rules_cannot(client, sample_db, gradient):
    gradient.replies.append(gradient.text(json.dumps({"sql": JOIN, "sqlite_sql": JOIN, "explanation": "Pending per name."})))
    assert client.get("/metadata").json()["model"] == {
        "mode": "model", "provider": "gradient", "model": "llama3.3-70b-instruct"
    }
    response = client.post("/invoke", json={"question": CROSS_TABLE, "table_schema": SCHEMA})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["method"], body["provider"], body["model"]) == ("model", "gradient", "llama3.3-70b-instruct")
    assert sorted(sample_db.execute(body["sql"]).fetchall()) == [("Ada", 1), ("Cy", 1)]
    [request] = gradient.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == f"Bearer {GRADIENT_KEY}"
    assert request["body"]["model"] == "llama3.3-70b-instruct" and request["body"]["max_tokens"] == 1024
    assert "CREATE TABLE orders" in request["body"]["messages"][1]["content"]
    assert GRADIENT_KEY not in response.text
    assert ask(client, "How many orders?")["method"] == "rules", "the rules answer first, without the model"
    assert len(gradient.requests) == 1


def test_a_failing_gradient_model_says_why_and_why_the_rules_could_not(client, gradient, caplog):
    caplog.set_level("DEBUG")
    gradient.replies += [gradient.error(503, "no capacity"), gradient.error(500, f"broken {GRADIENT_KEY}")]
    response = client.post("/invoke", json={"question": CROSS_TABLE, "table_schema": SCHEMA})
    assert response.status_code == 502
    assert response.json() == {"detail": (
        "nl-sql: Gradient answered HTTP 500: broken [redacted] (after one retry; the first attempt got HTTP 503); "
        f"the rules cannot answer either: {CROSS_TABLE_WHY}"
    )}
    assert GRADIENT_KEY not in response.text and GRADIENT_KEY not in caplog.text
    assert ask(client, "How many orders?")["method"] == "rules", "what the rules answer never waits for the model"


def test_a_rejected_gradient_key_in_model_mode(client, gradient):
    gradient.replies.append(gradient.error(401, f"invalid key {GRADIENT_KEY}"))
    response = client.post("/invoke", json={"question": "what is the weather", "table_schema": SCHEMA, "mode": "model"})
    assert response.status_code == 502
    assert response.json() == {"detail": "nl-sql: Gradient rejected GRADIENT_MODEL_ACCESS_KEY (HTTP 401)"}
    assert len(gradient.requests) == 1


def test_a_gradient_model_that_times_out(client, gradient, monkeypatch):
    monkeypatch.setenv("MODEL_TIMEOUT_SECONDS", "0.3")
    gradient.replies.append(gradient.text("{}"))
    gradient.replies[0].delay = 2.0
    response = client.post("/invoke", json={"question": CROSS_TABLE, "table_schema": SCHEMA})
    assert response.status_code == 502
    assert response.json()["detail"] == (
        f"nl-sql: Gradient did not answer within 0.3 s; the rules cannot answer either: {CROSS_TABLE_WHY}"
    )


def test_a_wrong_model_setting_is_named(client, monkeypatch):
    monkeypatch.setenv("MODEL_PROVIDER", "gradient")
    response = client.post("/invoke", json={"question": CROSS_TABLE, "table_schema": SCHEMA})
    assert response.status_code == 422
    assert response.json()["detail"].endswith(
        "; no model answers instead: MODEL_PROVIDER is gradient but GRADIENT_MODEL_ACCESS_KEY is not set"
    )
    response = client.post("/invoke", json={"question": CROSS_TABLE, "table_schema": SCHEMA, "mode": "model"})
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "nl-sql: 'mode' is 'model' but no model is configured: MODEL_PROVIDER is gradient but GRADIENT_MODEL_ACCESS_KEY is not set"
    )
