"""A small fake of Odoo's JSON-RPC endpoint, on 127.0.0.1 and a free port, for the tests.

It answers `POST /jsonrpc` as Odoo does: `common.authenticate(db, login, key, {})` → uid or false, and
`object.execute_kw(db, uid, key, model, method, args, kwargs)` for search_read, search_count, read, fields_get,
create, write, unlink and message_post on in-memory records, with Odoo's error objects (AccessDenied, AccessError,
MissingError, ValidationError, ValueError).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

DB = "odoo-test"
LOGIN = "api@example.com"
API_KEY = "fake-odoo-api-key-1234567890"
UID = 7

FIELDS = {
    "res.partner": {
        "name": {"type": "char", "string": "Name", "required": True},
        "email": {"type": "char", "string": "Email"},
        "is_company": {"type": "boolean", "string": "Is a Company"},
        "city": {"type": "char", "string": "City"},
    },
    "hr.employee": {"name": {"type": "char", "string": "Name", "required": True}},
}


class OdooException(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def matches(record: Dict[str, Any], domain: List[Any]) -> bool:
    """Odoo's prefix-notation domains: '&' (implicit between terms), '|', '!' and a few operators."""

    def term(index: int):
        item = domain[index]
        if item == "!":
            value, end = term(index + 1)
            return not value, end
        if item in ("&", "|"):
            left, after_left = term(index + 1)
            right, end = term(after_left)
            return (left and right) if item == "&" else (left or right), end
        field, op, value = item
        current = record.get(field)
        ops = {
            "=": lambda: current == value,
            "!=": lambda: current != value,
            ">": lambda: current is not None and current > value,
            "<": lambda: current is not None and current < value,
            "in": lambda: current in value,
            "ilike": lambda: str(value).lower() in str(current or "").lower(),
        }
        if op not in ops:
            raise OdooException("builtins.ValueError", f"Invalid leaf {item!r}")
        if field not in record:
            raise OdooException("builtins.ValueError", f"Invalid field {field!r} in leaf {item!r}")
        return ops[op](), index + 1

    index, result = 0, True
    while index < len(domain):
        value, index = term(index)
        result = result and value
    return result


class FakeOdoo:
    def __init__(self) -> None:
        self.records: Dict[str, Dict[int, Dict[str, Any]]] = {
            "res.partner": {
                1: {"name": "Azure Interior", "email": "azure@example.com", "is_company": True, "city": "Fremont"},
                2: {"name": "Deco Addict", "email": "deco@example.com", "is_company": True, "city": "Pleasant Hill"},
                3: {"name": "Brandon Freeman", "email": "brandon@example.com", "is_company": False, "city": "Fremont"},
            },
            "hr.employee": {1: {"name": "Mitchell Admin"}},
        }
        self.forbidden = {"hr.employee": "Employee"}
        self.messages: List[Dict[str, Any]] = []
        self.calls: List[Dict[str, Any]] = []
        self.next_id = 100
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.path != "/jsonrpc":
                    self.send_response(404)
                    self.end_headers()
                    return
                answer = json.dumps(fake.answer(json.loads(body))).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- JSON-RPC ---------------------------------------------------------------------------------------------

    def answer(self, request: Dict[str, Any]) -> Dict[str, Any]:
        params = request.get("params", {})
        self.calls.append({"service": params.get("service"), "method": params.get("method"), "args": params.get("args")})
        try:
            if request.get("jsonrpc") != "2.0" or request.get("method") != "call":
                raise OdooException("werkzeug.exceptions.BadRequest", "not a JSON-RPC 2.0 call")
            if (params.get("service"), params.get("method")) == ("common", "authenticate"):
                result: Any = self.authenticate(*params["args"])
            elif (params.get("service"), params.get("method")) == ("object", "execute_kw"):
                result = self.execute_kw(*params["args"])
            else:
                raise OdooException("builtins.NameError", f"unknown service/method {params.get('service')}.{params.get('method')}")
        except OdooException as error:
            return {
                "jsonrpc": "2.0",
                "id": request.get("id"),
                "error": {
                    "code": 200,
                    "message": "Odoo Server Error",
                    "data": {"name": error.name, "debug": "Traceback (most recent call last): ...", "message": error.message,
                             "arguments": [error.message], "context": {}},
                },
            }
        return {"jsonrpc": "2.0", "id": request.get("id"), "result": result}

    def authenticate(self, db: str, login: str, key: str, user_agent_env: Dict[str, Any]) -> Any:
        return UID if (db, login, key) == (DB, LOGIN, API_KEY) else False

    def execute_kw(self, db: str, uid: int, key: str, model: str, method: str, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        if (db, uid, key) != (DB, UID, API_KEY):
            raise OdooException("odoo.exceptions.AccessDenied", "Access Denied")
        if model not in self.records:
            raise OdooException("builtins.KeyError", repr(model))
        if model in self.forbidden:
            raise OdooException(
                "odoo.exceptions.AccessError",
                f"You are not allowed to access '{self.forbidden[model]}' ({model}) records.",
            )
        handler = getattr(self, f"m_{method}", None)
        if handler is None:
            raise OdooException("builtins.AttributeError", f"The method '{method}' does not exist on the model '{model}'")
        return handler(model, *args, **kwargs)

    # --- model methods ----------------------------------------------------------------------------------------

    def rows(self, model: str, ids: List[int]) -> List[Dict[str, Any]]:
        missing = [i for i in ids if i not in self.records[model]]
        if missing:
            raise OdooException(
                "odoo.exceptions.MissingError",
                f"Record does not exist or has been deleted.\n(Record: {model}({missing[0]},), User: {UID})",
            )
        return [self.records[model][i] for i in ids]

    def project(self, model: str, ids: List[int], fields: Optional[List[str]]) -> List[Dict[str, Any]]:
        for field in fields or []:
            if field not in FIELDS[model]:
                raise OdooException("builtins.ValueError", f"Invalid field '{field}' on model '{model}'")
        return [
            {"id": i, **{f: v for f, v in row.items() if not fields or f in fields}}
            for i, row in zip(ids, self.rows(model, ids))
        ]

    def check_values(self, model: str, vals: Dict[str, Any]) -> None:
        for field in vals:
            if field not in FIELDS[model]:
                raise OdooException("builtins.ValueError", f"Invalid field '{field}' on model '{model}'")

    def search(self, model: str, domain: List[Any]) -> List[int]:
        return [i for i, row in sorted(self.records[model].items()) if matches(row, domain)]

    def m_search_read(self, model, domain=None, fields=None, offset=0, limit=None, order=None, context=None):
        ids = self.search(model, domain or [])
        if order:
            field, _, direction = order.partition(" ")
            ids.sort(key=lambda i: self.records[model][i].get(field) or "", reverse=direction.lower() == "desc")
        ids = ids[offset:][:limit] if limit else ids[offset:]
        return self.project(model, ids, fields)

    def m_search_count(self, model, domain=None, limit=None, context=None):
        return len(self.search(model, domain or []))

    def m_read(self, model, ids, fields=None, context=None):
        return self.project(model, ids, fields)

    def m_fields_get(self, model, allfields=None, attributes=None, context=None):
        return {
            name: {k: v for k, v in spec.items() if not attributes or k in attributes}
            for name, spec in FIELDS[model].items()
            if not allfields or name in allfields
        }

    def m_create(self, model, vals, context=None):
        created = []
        for one in vals if isinstance(vals, list) else [vals]:
            self.check_values(model, one)
            if not one.get("name"):
                raise OdooException("odoo.exceptions.ValidationError", "The field 'Name' is required.")
            self.next_id += 1
            self.records[model][self.next_id] = {f: one.get(f, False) for f in FIELDS[model]}
            created.append(self.next_id)
        return created if isinstance(vals, list) else created[0]

    def m_write(self, model, ids, vals, context=None):
        self.check_values(model, vals)
        for row in self.rows(model, ids):
            row.update(vals)
        return True

    def m_unlink(self, model, ids, context=None):
        self.rows(model, ids)
        for i in ids:
            del self.records[model][i]
        return True

    def m_message_post(self, model, ids, body, **kwargs):
        if len(ids) != 1:
            raise OdooException("builtins.ValueError", f"Expected singleton: {model}{tuple(ids)}")
        self.rows(model, ids)
        self.next_id += 1
        self.messages.append({"id": self.next_id, "model": model, "res_id": ids[0], "body": body, **kwargs})
        return self.next_id
