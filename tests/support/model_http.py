"""A local model server for tests: http.server on 127.0.0.1, files from a dict, every request counted.

    with ModelHTTPServer({"savedmodel/m.json": b"{}"}) as server:
        server.url            # "http://127.0.0.1:PORT/root/"
        server.requests       # ["/root/savedmodel/m.json", ...]

`cut` names files whose body is cut short: the announced Content-Length (or a chunked body) is
never finished and the connection closes. `delay` holds each answer back (so concurrent requests overlap).
"""

from __future__ import annotations

import http.server
import threading
import time
import urllib.parse

PREFIX = "/root/"
SHUTDOWN_POLL_S = 0.02  # how often serve_forever looks for shutdown() (socketserver's default: 0.5 s)


class ModelHTTPServer:
    def __init__(self, files: dict[str, bytes], *, cut: dict[str, str] | None = None, delay: float = 0.0):
        self.files = dict(files)
        self.cut = dict(cut or {})  # name -> "length" (short of Content-Length) or "chunked"
        self.delay = delay
        self.requests: list[str] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                with owner._lock:
                    owner.requests.append(self.path)
                if owner.delay:
                    time.sleep(owner.delay)
                name = urllib.parse.unquote(self.path[len(PREFIX) :]) if self.path.startswith(PREFIX) else None
                body = owner.files.get(name) if name is not None else None
                if body is None:
                    self.send_error(404)
                    return
                how = owner.cut.get(name)  # type: ignore[arg-type]  # not None: the body was found
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                if how == "chunked":
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    half = body[: len(body) // 2]
                    self.wfile.write(f"{len(body):x}\r\n".encode() + half)  # a chunk announced whole, sent half
                else:
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2] if how == "length" else body)
                self.wfile.flush()
                if how:
                    self.close_connection = True

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{PREFIX}"

    def __enter__(self) -> ModelHTTPServer:
        threading.Thread(target=self.httpd.serve_forever, args=(SHUTDOWN_POLL_S,), daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def count(self, name: str) -> int:
        """How many requests asked for `name`."""
        with self._lock:
            return self.requests.count(PREFIX + urllib.parse.quote(name))
