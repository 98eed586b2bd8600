"""A real chat-completions server on loopback, scripted per test: what the LLM tests and the
app tests talk to instead of Ollama or llama.cpp. JSON and streamed (server-sent events) replies.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from qa.llm import LLMSettings


@dataclass(frozen=True)
class Reply:
    content: str | tuple[str, ...] = ""  # a tuple is streamed piece by piece
    status: int = 200
    body: bytes | None = None  # sent as is instead of a chat-completions reply
    content_type: str = "application/json"  # of `body`
    delay: float = 0.0
    done: bool = True  # end a stream with data: [DONE]


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: dict


class ChatCompletions(BaseHTTPRequestHandler):
    server: FakeLLM

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.append(Received(self.path, dict(self.headers), body))
        reply = self.server.replies.pop(0)
        time.sleep(reply.delay)
        try:
            if reply.body is not None or reply.status != 200:
                self._send(reply.status, reply.content_type, reply.body or b"{}")
            elif body["stream"]:
                self._stream(reply)
            else:
                content = "".join(reply.content)
                message = {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}
                self._send(200, "application/json", json.dumps(message).encode())
        except OSError:
            pass  # the client gave up waiting (the timeout test)

    def _send(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, reply: Reply) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        pieces = reply.content if isinstance(reply.content, tuple) else (reply.content,)
        deltas = [{"role": "assistant"}, *({"content": p} for p in pieces), {}]
        for delta in deltas:
            event = {"choices": [{"index": 0, "delta": delta, "finish_reason": None if delta else "stop"}]}
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
        if reply.done:
            self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, format: str, *args: object) -> None:
        pass


class FakeLLM(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ChatCompletions)
        self.replies: list[Reply] = []
        self.received: list[Received] = []

    def script(self, *replies: Reply) -> FakeLLM:
        self.replies.extend(replies)
        return self

    def settings(self, **overrides: object) -> LLMSettings:
        return LLMSettings(url=f"http://127.0.0.1:{self.server_port}/v1", model="test-model", **overrides)
