"""A real HTTP receiver on 127.0.0.1 for the outbound-guard tests (no mocks: a real socket)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: What the receiver answers with: text no caller may ever see again.
TOKEN = "INTERNAL-ADMIN-TOKEN=hunter2"


class Receiver:
    """A loopback HTTP server: records requests; paths choose the answer.

    ``/redirect`` answers 302, ``/slow`` waits 3 s, ``/huge`` sends 11 MB, anything
    else 200 with :data:`TOKEN` in the body and an escape sequence in the reason.
    """

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("location", "/target")
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                if self.path == "/slow":
                    time.sleep(3)
                payload = (TOKEN + " ").encode() * (400_000 if self.path == "/huge" else 1)
                self.send_response(200, "OK \x1b[2J forged")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/internal"
