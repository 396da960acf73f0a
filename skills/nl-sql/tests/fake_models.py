"""Local stand-ins for the model APIs: an OpenAI-compatible server (Gradient, OpenAI) and Anthropic's Messages API.

The same file, byte for byte, is in every skill that has model_client.py (test_model_client.py checks it). Each
server listens on 127.0.0.1 port 0, records the requests it gets and answers from a script of replies.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

MODEL_ENVS = (
    "MODEL_PROVIDER", "MODEL", "MODEL_TIMEOUT_SECONDS", "ANTHROPIC_MODEL",
    "GRADIENT_MODEL_ACCESS_KEY", "GRADIENT_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
    "OPENAI_API_KEY", "OPENAI_BASE_URL",
)
GRADIENT_KEY = "dop_v1_" + "g" * 40
ANTHROPIC_KEY = "sk-ant-" + "a" * 40
OPENAI_KEY = "sk-proj-" + "o" * 40


class Reply:
    """One scripted answer: a status, extra headers, a JSON body, and a delay before it is sent."""

    def __init__(self, status: int, body: Any, headers: Optional[Dict[str, str]] = None, delay: float = 0.0) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.delay = delay


class FakeModelServer:
    """style "chat_completions" answers like Gradient's and OpenAI's /v1/chat/completions, "messages" like Anthropic."""

    def __init__(self, style: str) -> None:
        self.style = style
        self.requests: List[Dict[str, Any]] = []
        self.replies: List[Reply] = []  # popped one per request; when empty, text() of "[]" answers
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                fake.requests.append({
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": json.loads(raw or b"null"),
                    "at": time.monotonic(),
                })
                reply = fake.replies.pop(0) if fake.replies else fake.text("[]")
                time.sleep(reply.delay)
                data = json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False  # a reply still sleeping must not hold up close()
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        port = self.server.server_address[1]
        # Where the base URL env points: OpenAI-style bases end in /v1, Anthropic's is the host.
        self.base_url = f"http://127.0.0.1:{port}" + ("/v1" if style == "chat_completions" else "")

    def text(self, text: str, status: int = 200) -> Reply:
        """A successful answer whose text is `text`, in this server's API shape."""
        if self.style == "messages":
            body = {
                "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-test",
                "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                "usage": {"input_tokens": 120, "output_tokens": 30},
            }
        else:
            body = {
                "id": "chatcmpl-1", "object": "chat.completion", "created": 1767225600, "model": "llama3.3-70b-instruct",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
            }
        return Reply(status, body)

    def error(self, status: int, message: str, headers: Optional[Dict[str, str]] = None, delay: float = 0.0) -> Reply:
        """An error answer in this server's API shape."""
        if self.style == "messages":
            body: Dict[str, Any] = {"type": "error", "error": {"type": "api_error", "message": message}}
        else:
            body = {"error": {"message": message, "type": "invalid_request_error", "code": status}}
        return Reply(status, body, headers, delay)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
