"""A tiny HTTP server on 127.0.0.1 (port 0) that stands in for GitHub and Anthropic in the tests."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Tuple

import pytest

Reply = Tuple[int, str, bytes]  # status, content type, body


class FakeServer:
    def __init__(self) -> None:
        self.requests: List[Dict[str, object]] = []
        self.reply: Callable[[str, str, Dict[str, str], bytes], Reply] = lambda *_: (404, "text/plain", b"")
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def handle_one(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                fake.requests.append({"method": self.command, "path": self.path, "headers": headers, "body": body})
                status, content_type, answer = fake.reply(self.command, self.path, headers, body)
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = handle_one

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def json_reply(self, status: int, data: object) -> Reply:
        return status, "application/json", json.dumps(data).encode()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def fake_server():
    server = FakeServer()
    yield server
    server.close()
