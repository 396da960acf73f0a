"""A small client of Odoo's JSON-RPC endpoint (`POST {ODOO_URL}/jsonrpc`).

    common.authenticate(db, login, api_key, {})                          → uid, or false
    object.execute_kw(db, uid, api_key, model, method, args, kwargs)    → the method's result

Odoo reports failures as `{"error": {"code": 200, "message": "Odoo Server Error", "data": {"name":
"odoo.exceptions.AccessError", "message": "..."}}}`; OdooError carries the HTTP status /invoke answers for each.
The API key is sent in the request body only and never appears in an OdooError.
"""

import itertools
import json
import socket
import threading
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

TIMEOUT_SECONDS = 20.0
MAX_ANSWER_BYTES = 20 * 1024 * 1024

# Odoo exception (data.name) → HTTP status of /invoke. The caller's data was wrong: 4xx; our side: 502.
ERROR_STATUS = {
    "odoo.exceptions.AccessError": 403,
    "odoo.exceptions.MissingError": 404,
    "odoo.exceptions.ValidationError": 422,
    "odoo.exceptions.UserError": 422,
    "builtins.ValueError": 422,
    "builtins.KeyError": 422,
    "builtins.TypeError": 422,
    "odoo.exceptions.AccessDenied": 502,
}


class OdooError(Exception):
    def __init__(self, status: int, message: str, odoo_error: Optional[str] = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.odoo_error = odoo_error


_ids = itertools.count(1)
_uids: Dict[Tuple[str, str, str, int], int] = {}
_uids_lock = threading.Lock()


class Odoo:
    def __init__(self, url: str, db: str, login: str, api_key: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.endpoint = url.rstrip("/") + "/jsonrpc"
        self.db = db
        self.login = login
        self.api_key = api_key
        self.timeout = timeout

    def call(self, service: str, method: str, args: List[Any]) -> Any:
        """One JSON-RPC call; the `result`, or OdooError."""
        payload = {"jsonrpc": "2.0", "method": "call", "params": {"service": service, "method": method, "args": args},
                   "id": next(_ids)}
        request = urllib.request.Request(
            self.endpoint,
            data=json.dumps(payload).encode(),
            headers={"content-type": "application/json", "accept": "application/json", "user-agent": "odoobo-odoo-rpc"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as error:
            raise OdooError(502, f"Odoo answered HTTP {error.code} at {self.endpoint}")
        except (socket.timeout, TimeoutError):
            raise OdooError(504, f"Odoo did not answer within {self.timeout:g} s")
        except (urllib.error.URLError, OSError) as error:
            raise OdooError(502, f"cannot reach Odoo at {self.endpoint}: {getattr(error, 'reason', error)}")
        if len(raw) > MAX_ANSWER_BYTES:
            raise OdooError(502, f"Odoo's answer is larger than {MAX_ANSWER_BYTES} bytes; ask for fewer records or fields")
        try:
            answer = json.loads(raw)
        except ValueError:
            raise OdooError(502, f"Odoo's answer at {self.endpoint} is not JSON")
        if not isinstance(answer, dict):
            raise OdooError(502, "Odoo's answer is not a JSON-RPC response")
        if "error" in answer:
            raise odoo_error(answer["error"])
        return answer.get("result")

    def uid(self) -> int:
        """The user id for the configured login and key (common.authenticate, cached per process)."""
        key = (self.endpoint, self.db, self.login, hash(self.api_key))
        with _uids_lock:
            if key in _uids:
                return _uids[key]
        uid = self.call("common", "authenticate", [self.db, self.login, self.api_key, {}])
        if not isinstance(uid, int) or isinstance(uid, bool) or uid <= 0:
            raise OdooError(
                502,
                f"Odoo rejected ODOO_USERNAME {self.login!r} with ODOO_API_KEY on database {self.db!r} "
                "(common.authenticate returned false)",
            )
        with _uids_lock:
            _uids[key] = uid
        return uid

    def execute_kw(self, model: str, method: str, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        uid = self.uid()
        try:
            return self.call("object", "execute_kw", [self.db, uid, self.api_key, model, method, args, kwargs])
        except OdooError as error:
            if error.odoo_error == "odoo.exceptions.AccessDenied":
                with _uids_lock:  # the key may have been revoked: authenticate again next time
                    _uids.pop((self.endpoint, self.db, self.login, hash(self.api_key)), None)
            raise


def odoo_error(error: Any) -> OdooError:
    """The OdooError for a JSON-RPC `error` object."""
    data = error.get("data") if isinstance(error, dict) else None
    if not isinstance(data, dict):
        message = error.get("message") if isinstance(error, dict) else None
        return OdooError(502, f"Odoo error: {message or error}")
    name = str(data.get("name") or "")
    message = str(data.get("message") or error.get("message") or "unknown error")
    short = name.rsplit(".", 1)[-1] or "Error"
    return OdooError(ERROR_STATUS.get(name, 502), f"Odoo {short}: {message}", name)
