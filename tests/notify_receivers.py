"""Local receivers for notice deliveries: an HTTP endpoint for webhooks and a small SMTP
server, both on 127.0.0.1, each answering as a test tells it (success, or failure)."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """Records each POST; answers with the next status of ``answers`` (then ``default``)."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    default: int = 204


@contextmanager
def webhook_receiver() -> Iterator[WebhookReceiver]:
    state = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            state.requests.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            status = state.answers.pop(0) if state.answers else state.default
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/backlot"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SmtpSink:
    """Accepts mail like a real server (EHLO, MAIL, RCPT, DATA, QUIT); refuses the first
    ``refuse`` messages with a temporary failure (451) at DATA."""

    port: int = 0
    messages: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse: int = 0


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    state = SmtpSink()

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode("ascii") + b"\r\n")
            self.wfile.flush()

        def handle(self) -> None:
            self.reply("220 sink.test ESMTP ready")
            sender, rcpts = "", []
            while True:
                raw = self.rfile.readline()
                if not raw:
                    return
                verb = raw.decode("utf-8", "replace").strip().split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.reply("250-sink.test\r\n250 8BITMIME")
                elif verb == "MAIL":
                    sender, rcpts = raw.decode().strip()[10:], []
                    self.reply("250 OK")
                elif verb == "RCPT":
                    rcpts.append(raw.decode().strip()[8:])
                    self.reply("250 OK")
                elif verb == "DATA":
                    if state.refuse > 0:
                        state.refuse -= 1
                        self.reply("451 4.3.0 try again later")
                        continue
                    self.reply("354 end with <CRLF>.<CRLF>")
                    lines = []
                    while True:
                        line = self.rfile.readline()
                        if line in (b".\r\n", b".\n", b""):
                            break
                        lines.append(line[1:] if line.startswith(b"..") else line)
                    state.messages.append(message_from_bytes(b"".join(lines)))
                    state.envelopes.append((sender, rcpts))
                    self.reply("250 queued")
                elif verb in ("RSET", "NOOP"):
                    self.reply("250 OK")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("502 not implemented")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.port = int(server.server_address[1])
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
